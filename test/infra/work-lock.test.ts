import { createWorkLock, type WorkLock } from "../../src/infra/work-lock.js";
import { redisAvailable, startRedis, type TestRedis } from "../support/redis.js";

const log = { warn: () => undefined, debug: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `n` jobs on one key across the given locks; returns the maximum overlap seen. */
async function maxOverlap(locks: WorkLock[], n: number): Promise<number> {
  let inside = 0;
  let max = 0;
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      (locks[i % locks.length] as WorkLock).run("acme/forecast:release", async () => {
        max = Math.max(max, ++inside);
        await sleep(5);
        inside--;
      }),
    ),
  );
  return max;
}

it("serializes work on one key inside one process without Redis", async () => {
  const lock = await createWorkLock({ log });
  expect(await maxOverlap([lock], 20)).toBe(1);
});

it("two locks without Redis are two replicas that overlap: the lock alone cannot be relied on", async () => {
  const [a, b] = [await createWorkLock({ log }), await createWorkLock({ log })];
  expect(await maxOverlap([a, b], 20)).toBe(2);
});

(redisAvailable() ? describe : describe.skip)("with a real Redis", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it("serializes work on one key across two replicas", async () => {
    const prefix = `t1:${Date.now()}:`;
    const [a, b] = [await createWorkLock({ log, redisUrl: redis.url, prefix }), await createWorkLock({ log, redisUrl: redis.url, prefix })];
    try {
      expect(await maxOverlap([a, b], 20)).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("proceeds after a bounded wait when the lock stays busy (a stuck holder)", async () => {
    const prefix = `t2:${Date.now()}:`;
    const holder = await createWorkLock({ log, redisUrl: redis.url, prefix, ttlMs: 300 });
    const waiter = await createWorkLock({ log, redisUrl: redis.url, prefix, waitMs: 100 });
    try {
      let released!: () => void;
      const stuck = holder.run("k", () => new Promise<void>((resolve) => (released = resolve)));
      await sleep(20);
      const started = Date.now();
      await waiter.run("k", async () => undefined);
      expect(Date.now() - started).toBeLessThan(1000);
      released();
      await stuck;
    } finally {
      await holder.close();
      await waiter.close();
    }
  });
});
