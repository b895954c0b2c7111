/**
 * Runs `work` every `intervalMs` in this process, for as long as it is started: the sweepers' loop (each
 * instance sweeps; the work itself is safe to race across instances). A tick that finds the previous run
 * still going skips, so runs never overlap; the timer never keeps the process alive; stop() clears it and
 * waits for the run in flight, so shutdown does not close connections under a sweep.
 */
export class RepeatingTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly work: () => Promise<unknown>,
    private readonly intervalMs: number,
    /** A run that threw: the next tick tries again. */
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running ??= this.work()
        .then(() => undefined, this.onError)
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
