/**
 * Serializes work that races (a release, a backport, the check of one PR) by key: always
 * within this process (KeyedLock), and across replicas too when REDIS_URL is set (a Redis lock
 * with expiry). The Redis lock only avoids wasted work: correctness never depends on it, because
 * the writes themselves are atomic and idempotent (creating a ref, finding our comment by marker).
 * If Redis is slow, down or the lock stays busy, the work proceeds after a bounded wait.
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { KeyedLock } from "./keyed-lock.js";

export interface WorkLock {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface WorkLockOptions {
  readonly redisUrl?: string | undefined;
  /** Expiry of a Redis lock: longer than any single piece of work. */
  readonly ttlMs?: number;
  /** How long to wait for a busy Redis lock before proceeding anyway. */
  readonly waitMs?: number;
  readonly prefix?: string;
  readonly log: Pick<Logger, "warn" | "debug">;
}

/** Deletes the key only if it still holds our token (a lock that expired and was retaken is not ours). */
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

interface RedisLike {
  set(key: string, value: string, px: "PX", ttl: number, nx: "NX"): Promise<string | null>;
  eval(script: string, keys: number, ...args: string[]): Promise<unknown>;
  quit(): Promise<unknown>;
}

export async function createWorkLock(options: WorkLockOptions): Promise<WorkLock> {
  const local = new KeyedLock();
  if (!options.redisUrl) return { run: (key, work) => local.run(key, work), close: async () => {} };

  const { Redis } = await import("ioredis");
  const client = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
  client.on("error", (error: Error) => options.log.warn({ err: error }, "redis error; locks fall back to this process only"));
  await client.connect().catch((error: unknown) => options.log.warn({ err: error }, "redis unreachable at start; locks are per process until it answers"));
  const redis = client as unknown as RedisLike;
  const ttl = options.ttlMs ?? 60_000;
  const wait = options.waitMs ?? 15_000;
  const prefix = options.prefix ?? "branch-steward:lock:";

  async function acquire(key: string, token: string): Promise<boolean> {
    const deadline = Date.now() + wait;
    for (let delay = 25; ; delay = Math.min(delay * 2, 500)) {
      try {
        if ((await redis.set(prefix + key, token, "PX", ttl, "NX")) === "OK") return true;
      } catch (error) {
        options.log.warn({ err: error, key }, "could not take the redis lock; proceeding without it");
        return false;
      }
      if (Date.now() + delay > deadline) {
        options.log.warn({ key }, "redis lock still busy; proceeding (writes are idempotent)");
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  return {
    run: (key, work) =>
      local.run(key, async () => {
        const token = randomBytes(12).toString("hex");
        const held = await acquire(key, token);
        try {
          return await work();
        } finally {
          if (held) await redis.eval(RELEASE, 1, prefix + key, token).catch(() => undefined);
        }
      }),
    close: async () => {
      await redis.quit().catch(() => undefined);
    },
  };
}
