/**
 * The job queue on Redis (BullMQ), used when REDIS_URL is set: durable and shared by every
 * replica. Same interface and promises as the in-process queue (./queue.ts).
 *
 * Redis keys: everything under `branch-steward:queue:jobs:` (BullMQ's own layout: `wait`,
 * `active`, `delayed`, `prioritized`, `completed`, `failed`, `stalled`, `events`, `meta`, `id`,
 * and one hash per job, `branch-steward:queue:jobs:<id>`). A completed job is deleted at once;
 * a job that failed every attempt is kept (the newest 1,000, at most 7 days) for inspection.
 *
 * - Serialization by key: in this process by a keyed lock; across replicas the work lock (Redis,
 *   ./work-lock.ts) serializes the workflows' writes, and every write is idempotent. Unlike the
 *   in-process queue, arrival order within a key is not promised (the worker fetches several jobs
 *   at once); handlers re-read GitHub's state, as they must for GitHub's own unordered deliveries.
 * - Concurrency per installation: at most `concurrency` running jobs per group per replica.
 * - A replica killed mid-job: its job's lock expires (`lockMs`) and BullMQ's stalled-job check
 *   hands it to another replica (once; a job that stalls twice is failed and left to the sweep).
 */
import type { Job as BullJob } from "bullmq";
import { KeyedLock } from "./keyed-lock.js";
import { FAILED_KEPT, QUEUE_DEFAULTS, type Job, type JobQueue, type QueueOptions } from "./queue.js";

export const QUEUE_PREFIX = "branch-steward:queue";
export const QUEUE_NAME = "jobs";

export interface BullQueueOptions<T> extends QueueOptions<T> {
  readonly redisUrl: string;
  readonly prefix?: string;
  /** How long a running job's lock lasts without renewal: a killed replica's job is rerun after about this long. Default 30 s. */
  readonly lockMs?: number;
}

/** A counting semaphore per group. */
class Groups {
  readonly #active = new Map<string, number>();
  readonly #waiting = new Map<string, (() => void)[]>();
  constructor(private readonly limit: number) {}

  async run<R>(group: string, work: () => Promise<R>): Promise<R> {
    if ((this.#active.get(group) ?? 0) >= this.limit) {
      await new Promise<void>((resolve) => this.#waiting.set(group, [...(this.#waiting.get(group) ?? []), resolve]));
    } else this.#active.set(group, (this.#active.get(group) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const next = this.#waiting.get(group)?.shift();
      if (next) next(); // the slot passes to the next waiter
      else if ((this.#active.get(group) ?? 1) <= 1) this.#active.delete(group);
      else this.#active.set(group, (this.#active.get(group) ?? 1) - 1);
    }
  }
}

export async function createBullQueue<T>(options: BullQueueOptions<T>): Promise<JobQueue<T>> {
  const { Queue, Worker } = await import("bullmq");
  const { Redis } = await import("ioredis");
  const attempts = options.attempts ?? QUEUE_DEFAULTS.attempts;
  const concurrency = options.concurrency ?? QUEUE_DEFAULTS.concurrency;
  const prefix = options.prefix ?? QUEUE_PREFIX;
  const lockMs = options.lockMs ?? 30_000;
  // BullMQ's workers block on Redis: no per-request retry limit on their connections.
  const connections: InstanceType<typeof Redis>[] = [];
  const connect = () => {
    const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    connection.on("error", () => undefined); // ioredis reconnects; enqueue failures fail the delivery
    connections.push(connection);
    return connection;
  };
  const queue = new Queue<Job<T>>(QUEUE_NAME, {
    connection: connect(),
    prefix,
    defaultJobOptions: {
      attempts,
      backoff: { type: "exponential", delay: options.backoffMs ?? QUEUE_DEFAULTS.backoffMs },
      removeOnComplete: true,
      removeOnFail: { count: FAILED_KEPT, age: 7 * 24 * 3600 },
    },
  });
  const keys = new KeyedLock();
  const groups = new Groups(concurrency);
  const counts = { enqueued: 0, completed: 0, retried: 0, failed: 0 };
  let active = 0;
  const worker = new Worker<Job<T>>(
    QUEUE_NAME,
    async (job: BullJob<Job<T>>) => {
      const { key, group, data } = job.data;
      const number = job.attemptsMade + 1;
      await groups.run(group, () =>
        keys.run(key, async () => {
          active++;
          try {
            await options.run(data, { number, last: number >= attempts });
          } finally {
            active--;
          }
        }),
      );
    },
    { connection: connect(), prefix, concurrency: concurrency * 4, lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 1 },
  );
  worker.on("completed", () => counts.completed++);
  worker.on("failed", (job: BullJob<Job<T>> | undefined, error: Error) => {
    if (!job) return;
    if (job.attemptsMade >= attempts) {
      counts.failed++;
      options.onFailed?.(job.data, error);
    } else {
      counts.retried++;
      options.onRetry?.(job.data, error, (options.backoffMs ?? QUEUE_DEFAULTS.backoffMs) * 2 ** Math.max(0, job.attemptsMade - 1));
    }
  });
  worker.on("error", () => undefined); // connection errors: ioredis reconnects; logged by the app's lock client

  const pending = async (): Promise<number> => {
    const c = await queue.getJobCounts("active", "wait", "waiting", "delayed", "prioritized", "paused", "waiting-children");
    return Object.values(c).reduce((a, b) => a + b, 0) + active;
  };

  return {
    kind: "bullmq",
    async enqueue(job) {
      await queue.add(job.group, job);
      counts.enqueued++;
    },
    async idle() {
      while ((await pending()) > 0) await new Promise((resolve) => setTimeout(resolve, 25));
    },
    counts: () => ({ ...counts, waiting: 0, active }),
    async rerunFailed(max = FAILED_KEPT) {
      const jobs = await queue.getFailed(0, max - 1);
      let n = 0;
      for (const job of jobs) {
        // Another replica's sweep may have taken it first.
        if (await job.retry("failed", { resetAttemptsMade: true }).then(() => true, () => false)) n++;
      }
      return n;
    },
    pending,
    async close(graceMs = 10_000) {
      const within = <R>(work: Promise<R>, ms: number) => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), ms)));
        return Promise.race([work, late]).finally(() => clearTimeout(timer));
      };
      // Waits for running jobs; queued ones stay in Redis for the other replicas or the next start.
      const outcome = await within(worker.close(), graceMs);
      const left = outcome === "late" ? active : 0;
      if (outcome === "late") void worker.close(true).catch(() => undefined); // their locks expire: another replica reruns them
      await within(queue.close().catch(() => undefined), 1_000);
      for (const connection of connections) connection.disconnect();
      return left;
    },
  };
}
