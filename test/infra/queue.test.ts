/**
 * The job queue's promises, held by both implementations: the in-process default and BullMQ on a
 * real Redis. Keys serialize, groups bound concurrency, failures retry with backoff, a job that
 * fails every attempt is counted and kept for the sweep, and nothing is run twice.
 */
import { randomBytes } from "node:crypto";
import { createBullQueue } from "../../src/infra/queue-bullmq.js";
import { backoffDelay, createMemoryQueue, type Job, type JobQueue, type QueueOptions } from "../../src/infra/queue.js";
import { redisAvailable, startRedis, type TestRedis } from "../support/redis.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Data = { readonly n: number; readonly failTimes?: number };
type Factory = (options: QueueOptions<Data>) => Promise<JobQueue<Data>>;

const job = (key: string, n: number, group = "installation:1", failTimes = 0): Job<Data> => ({ key, group, data: { n, failTimes } });

/** `ordered`: jobs of one key also run in arrival order (in process; BullMQ fetches several jobs at once, so on Redis only one-at-a-time is promised). */
function contract(name: string, factory: () => Factory, ordered: boolean): void {
  describe(name, () => {
    const open: JobQueue<Data>[] = [];
    const make = async (options: QueueOptions<Data>) => {
      const q = await factory()(options);
      open.push(q);
      return q;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((q) => q.close(1_000)));
    });

    it(`runs the jobs of one key one at a time${ordered ? ", in arrival order" : ", each once"}`, async () => {
      const order: number[] = [];
      let inside = 0;
      let overlap = 0;
      const q = await make({
        run: async ({ n }) => {
          overlap = Math.max(overlap, ++inside);
          await sleep(5);
          order.push(n);
          inside--;
        },
      });
      for (let n = 0; n < 10; n++) await q.enqueue(job("acme/forecast#1:check", n));
      await q.idle();
      expect(overlap).toBe(1);
      expect(ordered ? order : [...order].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it("runs other keys side by side, at most `concurrency` of one installation at once", async () => {
      let inside = 0;
      let overlap = 0;
      const seen = new Set<number>();
      const q = await make({
        concurrency: 3,
        run: async ({ n }) => {
          overlap = Math.max(overlap, ++inside);
          await sleep(20);
          seen.add(n);
          inside--;
        },
      });
      for (let n = 0; n < 12; n++) await q.enqueue(job(`acme/forecast#${n}:check`, n));
      await q.idle();
      expect(seen.size).toBe(12);
      expect(overlap).toBe(3);
    });

    it("retries a failing job with exponential backoff until it succeeds", async () => {
      const attempts: number[] = [];
      const retried: number[] = [];
      const q = await make({
        backoffMs: 10,
        run: async ({ failTimes = 0 }, attempt) => {
          attempts.push(attempt.number);
          if (attempt.number <= failTimes) throw new Error(`attempt ${attempt.number} fails`);
        },
        onRetry: (_job, _error, delayMs) => retried.push(delayMs),
      });
      await q.enqueue(job("k", 1, "installation:1", 2));
      await q.idle();
      expect(attempts).toEqual([1, 2, 3]);
      expect(retried).toEqual([10, 20]);
      expect(q.counts()).toMatchObject({ completed: 1, retried: 2, failed: 0 });
    });

    it("a job that fails every attempt is counted once, kept, and run again by rerunFailed", async () => {
      const failed: unknown[] = [];
      let broken = true;
      let runs = 0;
      const q = await make({
        attempts: 3,
        backoffMs: 5,
        run: async () => {
          runs++;
          if (broken) throw new Error("GitHub is down");
        },
        onFailed: (_job, error) => failed.push(error),
      });
      await q.enqueue(job("k", 1));
      await q.idle();
      expect(runs).toBe(3);
      expect(failed).toHaveLength(1);
      expect(q.counts()).toMatchObject({ failed: 1, completed: 0 });
      broken = false;
      expect(await q.rerunFailed()).toBe(1);
      await q.idle();
      expect(runs).toBe(4);
      expect(q.counts()).toMatchObject({ completed: 1 });
      expect(await q.rerunFailed()).toBe(0);
    });

    it("close lets a running job finish and reports nothing left", async () => {
      let finished = false;
      const q = await make({
        run: async () => {
          await sleep(50);
          finished = true;
        },
      });
      await q.enqueue(job("k", 1));
      while ((await q.pending()) > 0 && q.counts().active === 0) await sleep(2);
      expect(await q.close(5_000)).toBe(0);
      expect(finished).toBe(true);
    });
  });
}

it("backoff doubles from the base", () => {
  expect([1, 2, 3, 4].map((n) => backoffDelay(1000, n))).toEqual([1000, 2000, 4000, 8000]);
});

contract("in process", () => async (options) => createMemoryQueue(options), true);

(redisAvailable() ? describe : describe.skip)("on Redis (BullMQ)", () => {
  let redis: TestRedis;
  let prefix = "";
  beforeAll(async () => {
    redis = await startRedis();
  });
  beforeEach(() => {
    prefix = `test-queue-${randomBytes(4).toString("hex")}`;
  });
  afterAll(async () => {
    await redis.stop();
  });

  contract("BullMQ", () => (options) => createBullQueue({ ...options, redisUrl: redis.url, prefix }), false);

  it("two replicas share the queue: every job runs exactly once, on either", async () => {
    const runs = new Map<number, number>();
    const by = new Set<string>();
    const replica = (name: string) =>
      createBullQueue<Data>({
        redisUrl: redis.url,
        prefix,
        run: async ({ n }) => {
          runs.set(n, (runs.get(n) ?? 0) + 1);
          by.add(name);
          await sleep(10);
        },
      });
    const [a, b] = [await replica("a"), await replica("b")];
    try {
      for (let n = 0; n < 40; n++) await (n % 2 ? a : b).enqueue(job(`acme/forecast#${n}:check`, n));
      await a.idle();
      expect([...runs.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
      expect([...runs.values()].every((count) => count === 1)).toBe(true);
      expect(by).toEqual(new Set(["a", "b"]));
    } finally {
      await Promise.all([a.close(1_000), b.close(1_000)]);
    }
  });

  it("a replica killed mid-job: the job's lock expires and another replica runs it", async () => {
    const ran: string[] = [];
    const hang = new Promise<never>(() => undefined);
    const killed = await createBullQueue<Data>({ redisUrl: redis.url, prefix, lockMs: 500, run: async () => {
      ran.push("killed");
      return hang;
    } });
    await killed.enqueue(job("k", 1));
    while (!ran.includes("killed")) await sleep(10);
    await killed.close(0); // gone without finishing: its job stays active, its lock is no longer renewed
    const survivor = await createBullQueue<Data>({ redisUrl: redis.url, prefix, lockMs: 500, run: async () => {
      ran.push("survivor");
    } });
    try {
      await survivor.idle();
      expect(ran).toEqual(["killed", "survivor"]);
    } finally {
      await survivor.close(1_000);
    }
  }, 20_000);
});
