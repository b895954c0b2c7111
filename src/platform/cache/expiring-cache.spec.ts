import { setTimeout as sleep } from 'node:timers/promises';
import { ExpiringCache } from './expiring-cache';

function counting(delayMs = 5) {
  const loads: string[] = [];
  const load = async (key: string) => {
    loads.push(key);
    await sleep(delayMs);
    return key === 'missing' ? undefined : `value of ${key}`;
  };
  return { loads, load };
}

describe('ExpiringCache', () => {
  it('shares one load among concurrent misses and answers from the copy', async () => {
    const { loads, load } = counting();
    // A TTL no busy machine outlasts here: the copy is still there for the third get however slow the test runs.
    const cache = new ExpiringCache<string, string>(60_000, 10, load);
    expect(await Promise.all([cache.get('a', undefined), cache.get('a', undefined)])).toEqual(['value of a', 'value of a']);
    expect(await cache.get('a', undefined)).toBe('value of a');
    expect(loads).toEqual(['a']);
  });

  it('loads again once the copy has expired', async () => {
    const { loads, load } = counting(0);
    const cache = new ExpiringCache<string, string>(40, 10, load);
    await cache.get('a', undefined);
    // Polled with a deadline (src/ may not import test/support's waitFor): asked until it loads anew; a slow machine only makes that later.
    for (const until = Date.now() + 5000; loads.length < 2 && Date.now() < until; await sleep(5)) await cache.get('a', undefined);
    expect(loads).toEqual(['a', 'a']);
  });

  it('keeps at most `max` copies, so many keys cannot grow memory', async () => {
    const { loads, load } = counting(0);
    const cache = new ExpiringCache<string, string>(10_000, 2, load);
    for (const key of ['a', 'b', 'c', 'a']) await cache.get(key, undefined);
    expect(loads).toEqual(['a', 'b', 'c', 'a']);
  });

  it('does not keep what was dropped while it loaded, nor anything missing, nor anything with a TTL of 0', async () => {
    const { loads, load } = counting(20);
    const cache = new ExpiringCache<string, string>(10_000, 10, load);
    const pending = cache.get('a', undefined);
    cache.delete('a');
    expect(await pending).toBe('value of a');
    expect(await cache.get('missing', undefined)).toBeUndefined();
    await cache.get('missing', undefined);
    await cache.get('a', undefined);
    expect(loads).toEqual(['a', 'missing', 'missing', 'a']);
    loads.length = 0;
    // Dropped (or cleared) while a load that finds nothing is in flight: still an answer, not an error.
    const pendingMissing = cache.get('missing', undefined);
    cache.clear();
    expect(await pendingMissing).toBeUndefined();
    const failing = new ExpiringCache<string, string>(10_000, 10, () => Promise.reject(new Error('mysql away')));
    await expect(failing.get('x', undefined)).rejects.toThrow('mysql away');
    const off = new ExpiringCache<string, string>(0, 10, load);
    await off.get('b', undefined);
    await off.get('b', undefined);
    expect(loads.filter((k) => k === 'b')).toHaveLength(2);
  });
});
