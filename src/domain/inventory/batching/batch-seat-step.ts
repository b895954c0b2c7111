import type { BatchTake } from './seat-shares';

/**
 * One strategy's way of taking the seats of a whole batch in one step: one
 * Lua call (atomic), one lock acquisition (pessimistic), one WATCH/MULTI/EXEC
 * (optimistic). Retrying, rebuilding and giving back are SeatBatches'.
 */
export interface BatchSeatStep {
  readonly strategy: string;
  take(eventId: number, quantities: number[], reservedUntil: number): Promise<BatchTake>;
}
