import { LRUCache } from 'lru-cache';

/** What the load itself threw, told apart from lru-cache's own rejection of an aborted load. */
class LoadFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('load failed', { cause });
  }
}

/**
 * Per-instance copies kept `ttlMs` at most (0: none kept), at most `max` of
 * them (least recently used go first, so a scan over many keys cannot grow
 * memory), and concurrent misses of one key sharing one load. A key dropped
 * while its load is in flight is not stored when the load ends: a change
 * broadcast during a read never leaves the older copy behind.
 */
export class ExpiringCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>, C = undefined> {
  private readonly copies: LRUCache<K, V, unknown> | null;

  constructor(
    ttlMs: number,
    max: number,
    private readonly load: (key: K, context: C) => Promise<V | undefined>,
  ) {
    this.copies =
      ttlMs > 0
        ? new LRUCache<K, V, unknown>({
            max,
            ttl: ttlMs,
            ignoreFetchAbort: true,
            fetchMethod: (key, _stale, { context }) =>
              load(key, context as C).catch((error: unknown) => {
                throw new LoadFailed(error);
              }),
          })
        : null;
  }

  async get(key: K, context: C): Promise<V | undefined> {
    if (!this.copies) return this.load(key, context);
    try {
      return await this.copies.fetch(key, { context });
    } catch (error) {
      if (error instanceof LoadFailed) throw error.cause;
      // lru-cache rejects a load that found nothing when the key was dropped meanwhile; this caller still wants an answer.
      return this.load(key, context);
    }
  }

  delete(key: K): void {
    this.copies?.delete(key);
  }

  clear(): void {
    this.copies?.clear();
  }
}
