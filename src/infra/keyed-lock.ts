/**
 * A per-key async mutex: work under the same key runs one at a time, in arrival order, within
 * this process. Different keys run concurrently. It serializes work inside one replica only;
 * across replicas, correctness comes from GitHub's atomic writes (e.g. creating a ref).
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `work` once every earlier holder of `key` has finished (successfully or not). */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      // The last holder cleans up, so idle keys do not accumulate.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Keys with work running or waiting (for tests and diagnostics). */
  get size(): number {
    return this.#tails.size;
  }
}
