import { DeadlineExceededError } from '../../shared/errors/domain-errors';

/** The point in time by which a request must have its answer. */
export class Deadline {
  private constructor(readonly expiresAt: number) {}

  static in(ms: number): Deadline {
    return new Deadline(Date.now() + ms);
  }

  /** The same deadline, `ms` earlier: keeps time in hand for what must follow. */
  shortenedBy(ms: number): Deadline {
    return new Deadline(this.expiresAt - ms);
  }

  remainingMs(): number {
    return Math.max(0, this.expiresAt - Date.now());
  }

  expired(): boolean {
    return Date.now() >= this.expiresAt;
  }

  throwIfExpired(what: string): void {
    if (this.expired()) throw new DeadlineExceededError(what);
  }
}
