import { Semaphore, withTimeout } from 'async-mutex';
import { Deadline } from './deadline';
import { DeadlineExceededError } from '../../shared/errors/domain-errors';

/**
 * At most `width` callers per key run at once in this process; the rest wait
 * in FIFO order, never past their deadline. Idle keys are forgotten.
 *
 * Why: contenders for one event inside one process only collide with each
 * other (a busy Redlock, an aborted WATCH). Letting them take turns locally
 * leaves the distributed mechanism to arbitrate between processes only.
 */
export class KeyedGate {
  private readonly gates = new Map<string, { semaphore: Semaphore; users: number }>();

  constructor(private readonly width: number) {}

  async run<T>(key: string, deadline: Deadline, waitingFor: string, work: () => Promise<T>): Promise<T> {
    let gate = this.gates.get(key);
    if (!gate) {
      gate = { semaphore: new Semaphore(this.width), users: 0 };
      this.gates.set(key, gate);
    }
    gate.users += 1;
    try {
      const timed = withTimeout(gate.semaphore, Math.max(1, deadline.remainingMs()), new DeadlineExceededError(waitingFor));
      return await timed.runExclusive(work);
    } finally {
      gate.users -= 1;
      if (gate.users === 0) this.gates.delete(key);
    }
  }
}
