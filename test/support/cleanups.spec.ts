import { Cleanups, startAll, stopAll } from './cleanups';

describe('Cleanups, startAll, stopAll: nothing left running, no failure swallowed', () => {
  it('runAll runs every cleanup in reverse order even after one fails, then reports the failures', async () => {
    const ran: string[] = [];
    const cleanups = new Cleanups();
    cleanups.add(async () => ran.push('first'));
    cleanups.add(() => Promise.reject(new Error('would not stop')));
    cleanups.add(async () => ran.push('last'));
    await expect(cleanups.runAll()).rejects.toThrow('would not stop');
    expect(ran).toEqual(['last', 'first']);
  });

  it('startAll: one start fails, the started ones are stopped, the start failure is thrown', async () => {
    const stopped: number[] = [];
    const starts = [Promise.resolve(1), Promise.reject(new Error('EADDRINUSE')), Promise.resolve(3)];
    await expect(startAll(starts, async (n) => stopped.push(n))).rejects.toThrow('EADDRINUSE');
    expect(stopped.sort()).toEqual([1, 3]);
  });

  it('startAll: a started one that will not stop is reported with the start failure', async () => {
    const starts = [Promise.resolve('stubborn'), Promise.reject(new Error('not ready after 60000 ms'))];
    const failure = await startAll(starts, () => Promise.reject(new Error('stubborn would not stop'))).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AggregateError);
    expect((failure as AggregateError).message).toMatch(/1 of 2 failed to start, and the started ones did not all stop: not ready/);
    expect((failure as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      'not ready after 60000 ms',
      'stubborn would not stop',
    ]);
  });

  it('stopAll stops every one and throws what failed', async () => {
    const stopped: string[] = [];
    const stop = async (name: string) => {
      stopped.push(name);
      if (name === 'b') throw new Error('b would not stop');
    };
    await expect(stopAll(['a', 'b', 'c'], stop)).rejects.toThrow('b would not stop');
    expect(stopped).toEqual(['a', 'b', 'c']);
    await expect(stopAll(['a', 'c'], stop)).resolves.toBeUndefined();
  });
});
