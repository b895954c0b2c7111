import { RepeatingTask } from './repeating-task';

describe('RepeatingTask', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A run that ends only when the test says so. */
  function controlledWork() {
    const finishers: (() => void)[] = [];
    const work = jest.fn(() => new Promise<void>((resolve) => finishers.push(resolve)));
    return { work, finishNext: () => finishers.shift()?.() };
  }

  it('runs every interval, never two runs at once', async () => {
    const { work, finishNext } = controlledWork();
    const task = new RepeatingTask(work, 100, () => undefined);
    task.start();
    expect(work).toHaveBeenCalledTimes(0);
    await jest.advanceTimersByTimeAsync(100);
    expect(work).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(300); // the first run is still going: these ticks skip
    expect(work).toHaveBeenCalledTimes(1);
    finishNext();
    await jest.advanceTimersByTimeAsync(100);
    expect(work).toHaveBeenCalledTimes(2);
    finishNext();
    await task.stop();
  });

  it('stop() waits for the run in flight, and nothing runs after it', async () => {
    const { work, finishNext } = controlledWork();
    const task = new RepeatingTask(work, 100, () => undefined);
    task.start();
    await jest.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finishNext();
    await stopping;
    await jest.advanceTimersByTimeAsync(1000);
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('hands a failed run to onError and runs again on the next tick', async () => {
    const errors: unknown[] = [];
    const work = jest.fn().mockRejectedValueOnce(new Error('Redis away')).mockResolvedValue(undefined);
    const task = new RepeatingTask(work, 100, (error) => errors.push(error));
    task.start();
    await jest.advanceTimersByTimeAsync(200);
    expect(errors).toEqual([new Error('Redis away')]);
    expect(work).toHaveBeenCalledTimes(2);
    await task.stop();
  });
});
