import { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Readiness } from '../health/readiness';

/**
 * SIGTERM: fail readiness first (the load balancer stops routing), stop
 * accepting connections, let in-flight requests finish, then close pools.
 * Exits 0 when done, 1 if the grace period runs out.
 */
export function installGracefulShutdown(app: INestApplication, graceMs: number): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const killer = setTimeout(() => process.exit(1), graceMs);
    killer.unref();
    app.get(Readiness).startDraining();
    // Give probes a moment to see "not ready" before the listener closes.
    await sleep(Math.min(1000, graceMs / 4));
    const server = app.getHttpServer() as Server;
    server.closeIdleConnections?.();
    await app.close();
    process.stdout.write(`seatguard stopped after ${signal}\n`);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
