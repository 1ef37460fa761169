/**
 * One sweep per cluster. Sweep rounds are named by the interval they fall in (every replica
 * computes the same name). In each round:
 *
 * - one replica leads: it takes the round's lease (`SET … NX PX`), redelivers failed deliveries
 *   and lists the installations' repositories, once for the cluster, and publishes them;
 * - every replica, the leader included, then takes repositories from that list one at a time
 *   (`LPOP`) until none is left: each repository is swept once per round, and the repositories
 *   spread over the replicas.
 *
 * Redis keys (with REDIS_URL), all expiring with the round:
 *   `branch-steward:sweep:<round>:lead`  the leader's id;
 *   `branch-steward:sweep:<round>:repos` the repositories still to sweep (a list of JSON);
 *   `branch-steward:sweep:<round>:ready` set once the list is complete.
 *
 * Without Redis, a replica is alone: {@link soloCoordinator}. {@link createMemoryCoordinator}
 * shares a round between app instances of one process (tests).
 */
import { randomBytes } from "node:crypto";

/** One repository to sweep. */
export interface RepoUnit {
  readonly installationId: number;
  readonly owner: string;
  readonly repo: string;
  readonly htmlUrl: string;
}

export interface SweepCoordinator {
  /** True for the one replica that redelivers and lists the repositories in this round. */
  lead(round: string): Promise<boolean>;
  /** The leader's list of the round's repositories. */
  publish(round: string, units: readonly RepoUnit[]): Promise<void>;
  /** The next repository of the round for this replica; undefined when none is left (waits while the leader lists). */
  take(round: string): Promise<RepoUnit | undefined>;
  close(): Promise<void>;
}

/** The round an instant falls in, for sweeps every `intervalMs`. */
export const roundOf = (now: number, intervalMs: number): string => `every-${intervalMs}-${Math.floor(now / intervalMs)}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a follower waits for the leader's list before it gives the round up. */
export const LIST_WAIT_MS = 120_000;

/** Rounds shared by the app instances of one process (and one alone: the default without Redis). */
export function createMemoryCoordinator(): SweepCoordinator {
  const rounds = new Map<string, { units?: RepoUnit[] }>();
  return {
    async lead(round) {
      if (rounds.has(round)) return false;
      if (rounds.size > 100) rounds.delete(rounds.keys().next().value as string);
      rounds.set(round, {});
      return true;
    },
    async publish(round, units) {
      rounds.set(round, { units: [...units] });
    },
    async take(round) {
      for (const until = Date.now() + LIST_WAIT_MS; Date.now() < until; await sleep(20)) {
        const units = rounds.get(round)?.units;
        if (units) return units.shift();
      }
      return undefined;
    },
    close: async () => {},
  };
}

/** A replica alone: it leads every round. */
export const soloCoordinator = (): SweepCoordinator => createMemoryCoordinator();

interface RedisLike {
  set(key: string, value: string, px: "PX", ttl: number, nx: "NX"): Promise<string | null>;
  set(key: string, value: string, px: "PX", ttl: number): Promise<string | null>;
  rpush(key: string, ...values: string[]): Promise<number>;
  pexpire(key: string, ms: number): Promise<number>;
  lpop(key: string): Promise<string | null>;
  exists(key: string): Promise<number>;
  quit(): Promise<unknown>;
}

export interface RedisCoordinatorOptions {
  readonly redisUrl: string;
  /** How long a round's keys live (longer than a sweep). */
  readonly ttlMs: number;
  readonly prefix?: string;
}

export async function createRedisCoordinator(options: RedisCoordinatorOptions): Promise<SweepCoordinator> {
  const { Redis } = await import("ioredis");
  const client = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
  client.on("error", () => undefined); // a failing call fails the sweep's step, which is counted and logged
  const redis = client as unknown as RedisLike;
  const prefix = options.prefix ?? "branch-steward:sweep:";
  const id = randomBytes(8).toString("hex");
  const key = (round: string, what: string) => `${prefix}${round}:${what}`;
  return {
    lead: async (round) => (await redis.set(key(round, "lead"), id, "PX", options.ttlMs, "NX")) === "OK",
    async publish(round, units) {
      const list = key(round, "repos");
      for (let i = 0; i < units.length; i += 500) await redis.rpush(list, ...units.slice(i, i + 500).map((u) => JSON.stringify(u)));
      if (units.length) await redis.pexpire(list, options.ttlMs);
      await redis.set(key(round, "ready"), "1", "PX", options.ttlMs);
    },
    async take(round) {
      for (const until = Date.now() + LIST_WAIT_MS; Date.now() < until; await sleep(100)) {
        const next = await redis.lpop(key(round, "repos"));
        if (next) return JSON.parse(next) as RepoUnit;
        if (await redis.exists(key(round, "ready"))) return undefined;
      }
      return undefined;
    },
    close: async () => {
      await redis.quit().catch(() => undefined);
    },
  };
}
