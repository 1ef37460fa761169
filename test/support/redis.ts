/**
 * A real Redis for tests: REDIS_URL when set (CI starts one), else a throwaway redis-server on a
 * free loopback port when the binary exists. Without either, Redis tests are skipped with a
 * warning on a developer machine, and fail under CI=true so CI can never skip them silently.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { freePort } from "../../tools/sandbox/stack.js";

export interface TestRedis {
  readonly url: string;
  stop(): Promise<void>;
}

const hasBinary = (): boolean => spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;

export const redisAvailable = (): boolean => Boolean(process.env.REDIS_URL) || hasBinary();

if (!redisAvailable()) {
  if (process.env.CI === "true") throw new Error("CI must provide Redis: set REDIS_URL or install redis-server (.ci/run does)");
  console.warn("redis-server not found and REDIS_URL unset: Redis tests are skipped on this machine (CI runs them)");
}


export async function startRedis(): Promise<TestRedis> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  const port = await freePort();
  const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const url = `redis://127.0.0.1:${port}`;
  const { Redis } = await import("ioredis");
  for (let i = 0; i < 50; i++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch {
      probe.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}
