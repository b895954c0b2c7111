import { Injectable } from '@nestjs/common';

/** Flipped at the start of a graceful shutdown so the load balancer stops sending traffic first. */
@Injectable()
export class Readiness {
  private draining = false;

  startDraining(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }
}
