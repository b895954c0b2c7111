/**
 * Redis as a map, for unit specs of IdempotentBookings (not part of the
 * build: tsconfig.build.json leaves testing/ out). It answers the commands
 * IdempotentBookings sends: SET PX [NX], GET and the compare-and-delete
 * script. It remembers the TTL each key was last set with; expiry itself is
 * not modelled (a spec deletes the key).
 */
export class MapRedis {
  readonly values = new Map<string, string>();
  readonly ttls = new Map<string, number>();
  /** Plain SETs (the answer, not the NX claim) fail, as with a Redis gone away. */
  failAnswerSet = false;

  set(key: string, value: string, _px: 'PX', ms: number, nx?: 'NX'): Promise<'OK' | null> {
    if (nx && this.values.has(key)) return Promise.resolve(null);
    if (!nx && this.failAnswerSet) return Promise.reject(new Error('connect ECONNREFUSED'));
    this.values.set(key, value);
    this.ttls.set(key, ms);
    return Promise.resolve('OK');
  }

  get(key: string): Promise<string | null> {
    return Promise.resolve(this.values.get(key) ?? null);
  }

  eval(_script: string, _keys: 1, key: string, expected: string): Promise<number> {
    if (this.values.get(key) !== expected) return Promise.resolve(0);
    this.values.delete(key);
    return Promise.resolve(1);
  }
}
