/**
 * The job queue: webhook work leaves the request path. The endpoint verifies a delivery,
 * enqueues it and answers at once; workers run the jobs.
 *
 * One interface, two implementations:
 * - in process (the embedded default, no Redis): {@link createMemoryQueue};
 * - on Redis with BullMQ when REDIS_URL is set, durable and shared by the replicas
 *   (./queue-bullmq.ts).
 *
 * Both promise the same:
 * - jobs with the same `key` (one PR, one backport, one release, one commit) run one at a time,
 *   in arrival order within a process; across replicas the work lock (./work-lock.ts) serializes
 *   the writes and every write is idempotent anyway;
 * - at most `concurrency` jobs of one `group` (an installation) run at once per process, which
 *   keeps a fan-out of N jobs within GitHub's secondary limits;
 * - a failing job is retried `attempts` times with exponential backoff (`backoffMs`, ×2 each
 *   time); one that keeps failing is counted (`failed`, and `onFailed` — the app counts it in
 *   the errors metric and logs it) and left to the reconcile sweep, never dropped silently.
 */

export interface Job<T> {
  /** Jobs with the same key run one at a time (see src/infra/lock-keys.ts). */
  readonly key: string;
  /** Concurrency group, e.g. `installation:42`. */
  readonly group: string;
  readonly data: T;
}

export interface QueueCounts {
  /** Jobs accepted by this process. */
  readonly enqueued: number;
  /** Jobs that finished successfully (first try or a retry). */
  readonly completed: number;
  /** Failed attempts that were scheduled again. */
  readonly retried: number;
  /** Jobs that failed every attempt (left to the sweep). */
  readonly failed: number;
  /** Jobs waiting (or waiting for a retry) and running in this process's view. */
  readonly waiting: number;
  readonly active: number;
}

export interface JobQueue<T> {
  readonly kind: "memory" | "bullmq";
  enqueue(job: Job<T>): Promise<void>;
  /** Resolves when nothing is waiting, running or scheduled for a retry (for tests and shutdown). */
  idle(): Promise<void>;
  counts(): QueueCounts;
  /**
   * The sweep's first step: jobs that failed every attempt (at most `max`, oldest first) are
   * queued again with fresh attempts. Returns how many.
   */
  rerunFailed(max?: number): Promise<number>;
  /** Jobs not finished yet: what `idle()` waits for (for the twin's idle probe). */
  pending(): Promise<number>;
  /**
   * Stops taking jobs, lets running ones finish within `graceMs`, and returns how many were left
   * unfinished (in process they are lost to the sweep; on Redis they stay queued).
   */
  close(graceMs?: number): Promise<number>;
}

export type Runner<T> = (data: T, attempt: { readonly number: number; readonly last: boolean }) => Promise<void>;

export interface QueueOptions<T> {
  readonly run: Runner<T>;
  /** Concurrent jobs per group (installation) in this process. Default 16. */
  readonly concurrency?: number;
  /** Attempts per job, the first included. Default 5. */
  readonly attempts?: number;
  /** First retry delay; doubles on each retry. Default 1000 ms. */
  readonly backoffMs?: number;
  /** A job failed its last attempt. */
  readonly onFailed?: (job: Job<T>, error: unknown) => void;
  /** An attempt failed and is retried after `delayMs`. */
  readonly onRetry?: (job: Job<T>, error: unknown, delayMs: number) => void;
}

export const QUEUE_DEFAULTS = { concurrency: 16, attempts: 5, backoffMs: 1_000 } as const;
/** Jobs that failed every attempt, kept for the sweep to run again. */
export const FAILED_KEPT = 1_000;

/** Exponential backoff: `base`, 2·base, 4·base, … after the 1st, 2nd, 3rd failed attempt. */
export const backoffDelay = (base: number, failedAttempts: number): number => base * 2 ** Math.max(0, failedAttempts - 1);

interface Entry {
  /** The job with its data as JSON text, as on Redis: a queued job holds a string, not a parsed object graph, and shares nothing with its producer. */
  readonly job: Job<string>;
  attempt: number;
}

const frozen = (job: Job<unknown>): Job<string> => ({ key: job.key, group: job.group, data: JSON.stringify(job.data) });
const thawed = <T>(job: Job<string>): Job<T> => ({ key: job.key, group: job.group, data: JSON.parse(job.data) as T });

/** The in-process queue: nothing survives a restart; the sweep repairs what was lost. */
export function createMemoryQueue<T>(options: QueueOptions<T>): JobQueue<T> {
  const concurrency = options.concurrency ?? QUEUE_DEFAULTS.concurrency;
  const attempts = options.attempts ?? QUEUE_DEFAULTS.attempts;
  const backoffMs = options.backoffMs ?? QUEUE_DEFAULTS.backoffMs;
  /** Ready entries by group, in arrival order. */
  const ready = new Map<string, Entry[]>();
  const activeByGroup = new Map<string, number>();
  const busyKeys = new Set<string>();
  const retries = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  const waiters: (() => void)[] = [];
  const counts = { enqueued: 0, completed: 0, retried: 0, failed: 0 };
  const failed: Job<string>[] = [];
  let waiting = 0;
  let closed = false;

  const active = () => running.size;
  const settle = () => {
    if (waiting + active() > 0) return;
    for (const resolve of waiters.splice(0)) resolve();
  };

  function pump(group: string): void {
    const list = ready.get(group);
    if (!list) return;
    for (let i = 0; i < list.length && (activeByGroup.get(group) ?? 0) < concurrency; ) {
      const entry = list[i] as Entry;
      if (busyKeys.has(entry.job.key)) {
        i++; // a later job of another key may run; this key keeps its order
        continue;
      }
      list.splice(i, 1);
      start(entry);
    }
    if (list.length === 0) ready.delete(group);
  }

  function start(entry: Entry): void {
    const job = entry.job;
    waiting--;
    busyKeys.add(job.key);
    activeByGroup.set(job.group, (activeByGroup.get(job.group) ?? 0) + 1);
    entry.attempt++;
    const last = entry.attempt >= attempts;
    const done = (async () => {
      try {
        await options.run(thawed<T>(job).data, { number: entry.attempt, last });
        counts.completed++;
      } catch (error) {
        if (last || closed) {
          counts.failed++;
          if (failed.length >= FAILED_KEPT) failed.shift();
          failed.push(job);
          options.onFailed?.(thawed<T>(job), error);
        } else {
          counts.retried++;
          const delay = backoffDelay(backoffMs, entry.attempt);
          options.onRetry?.(thawed<T>(job), error, delay);
          waiting++;
          const timer = setTimeout(() => {
            retries.delete(timer);
            add(entry);
          }, delay);
          retries.add(timer);
        }
      }
    })();
    running.add(done);
    void done.finally(() => {
      running.delete(done);
      busyKeys.delete(job.key);
      activeByGroup.set(job.group, (activeByGroup.get(job.group) ?? 1) - 1);
      if (activeByGroup.get(job.group) === 0) activeByGroup.delete(job.group);
      // The key just freed may unblock a job of another group too.
      for (const group of [...ready.keys()]) pump(group);
      settle();
    });
  }

  function add(entry: Entry): void {
    const list = ready.get(entry.job.group) ?? [];
    list.push(entry);
    ready.set(entry.job.group, list);
    pump(entry.job.group);
  }

  const idle = () => (waiting + active() === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)));

  return {
    kind: "memory",
    async enqueue(job) {
      if (closed) throw new Error("the queue is closed");
      counts.enqueued++;
      waiting++;
      add({ job: frozen(job), attempt: 0 });
    },
    idle,
    counts: () => ({ ...counts, waiting, active: active() }),
    async rerunFailed(max = FAILED_KEPT) {
      if (closed) return 0;
      const again = failed.splice(0, max);
      for (const job of again) {
        waiting++;
        add({ job, attempt: 0 });
      }
      return again.length;
    },
    pending: async () => waiting + active(),
    async close(graceMs = 10_000) {
      closed = true;
      // Retries not yet due are not waited for: the sweep repairs what they would have done.
      for (const timer of retries) clearTimeout(timer);
      waiting -= retries.size;
      retries.clear();
      settle();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([idle(), deadline]);
      clearTimeout(timer);
      return waiting + active();
    },
  };
}
