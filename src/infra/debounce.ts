/**
 * One run per burst, per key: the first request waits `delayMs` for the burst to settle, requests
 * arriving meanwhile join it, and requests arriving while it runs share one more run after it
 * (which reads everything again). A run's failure is its callers' failure; the next request
 * starts afresh.
 */
export class KeyedDebounce {
  private readonly waiting = new Map<string, Promise<unknown>>();
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(private readonly delayMs: number) {}

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const queued = this.waiting.get(key);
    if (queued) return queued as Promise<T>;
    const before = this.running.get(key) ?? Promise.resolve();
    const next = before
      .catch(() => undefined)
      .then(() => (this.delayMs > 0 ? new Promise((resolve) => setTimeout(resolve, this.delayMs).unref()) : undefined))
      .then(() => {
        this.waiting.delete(key);
        this.running.set(key, next);
        return work();
      })
      .finally(() => {
        if (this.running.get(key) === next) this.running.delete(key);
      });
    this.waiting.set(key, next);
    return next;
  }
}
