/**
 * `{event:42}`: the hash tag every per-event Redis key shares (seats,
 * idempotency claims), so that on a Redis Cluster one event's keys live in one
 * slot and scripts, WATCH and MULTI over them work.
 */
export const eventHashTag = (eventId: number): string => `{event:${eventId}}`;
