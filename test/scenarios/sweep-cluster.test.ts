/**
 * One sweep per cluster: replicas that share a round (in process, or through Redis) sweep every
 * repository exactly once between them, at the cost of one replica's sweep; and the sweep backs
 * off when the installation's remaining rate limit runs low, leaving the budget to events.
 */
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { appIdentity } from "../../src/github/identity.js";
import { createMemoryCoordinator, createRedisCoordinator, type SweepCoordinator } from "../../src/infra/sweep-coordinator.js";
import { DEFAULT_SWEEP, sweep, type SweepSummary } from "../../src/reconcile/sweep.js";
import { SANDBOX_APP_ID, startStack, type Stack } from "../../tools/sandbox/stack.js";
import { SANDBOX_CONFIG } from "../../tools/sandbox/story.js";
import { redisAvailable, startRedis, type TestRedis } from "../support/redis.js";

const REPOS = 6;
let stack: Stack;

/** `REPOS` repositories of acme, each with two open feature PRs into development. */
function seed(s: Stack): void {
  for (let r = 0; r < REPOS; r++) {
    const repo = s.twin.createRepo({ owner: "acme", name: `svc-${r}`, defaultBranch: "production", collaborators: { alice: "write" }, files: { "README.md": "x\n", ".github/branch-steward.yml": SANDBOX_CONFIG } });
    repo.createBranch("development", "production", "alice");
    for (let p = 0; p < 2; p++) {
      repo.commit(`feature/f${p}`, { message: `F${p}`, files: { [`f${p}.txt`]: "1\n" }, author: "alice", from: "development" });
      repo.openPR({ head: `feature/f${p}`, base: "development", title: `F${p}`, user: "alice" });
    }
  }
}

/** Probot spaces writes a second apart; the twin has no secondary limits to protect (as in the sandbox stack). */
const unthrottled = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, throttle: { ...(o.throttle as object), enabled: false } }));

/** A replica of the app: its own Probot against the same twin (a sweep needs nothing else). */
function replica(s: Stack): Probot {
  return new Probot({ appId: SANDBOX_APP_ID, privateKey: s.privateKey, baseUrl: s.twin.url, log: pino({ level: "silent" }), Octokit: unthrottled });
}

/** Counted requests (access tokens aside) that `work` made against the twin. */
async function cost(work: () => Promise<unknown>): Promise<number> {
  const before = stack.twin.requests.length;
  await work();
  const made = stack.twin.requests.slice(before).filter((r) => !r.route?.includes("access_tokens") && r.status !== 304);
  if (process.env.DEBUG_COST) console.log(made.map((r) => r.route).sort().join("\n"));
  return made.length;
}

const identities = new WeakMap<Probot, ReturnType<typeof appIdentity>>();
/** One sweep round as a replica runs it (its identity is asked once per process, then cached). */
function sweepAs(probot: Probot, coordinator: SweepCoordinator, round: string, extra: Partial<typeof DEFAULT_SWEEP> = {}): Promise<SweepSummary> {
  const identity = identities.get(probot) ?? appIdentity(probot);
  identities.set(probot, identity);
  return sweep(probot, identity, { ...DEFAULT_SWEEP, ...extra, cluster: { coordinator, round } });
}

beforeEach(async () => {
  stack = await startStack();
  seed(stack);
  await stack.twin.idle({ timeoutMs: 60_000 });
});
afterEach(async () => {
  await stack.close();
});

async function threeAtTheCostOfOne(coordinators: readonly SweepCoordinator[]): Promise<void> {
  const replicas = coordinators.map(() => replica(stack));
  // The first round converges (and warms up identities); the next ones change nothing.
  await sweepAs(replicas[0] as Probot, coordinators[0] as SweepCoordinator, "warm-up");
  for (const p of replicas.slice(1)) await sweepAs(p, createMemoryCoordinator(), "warm-up"); // each asks who it is once
  let alone: SweepSummary | undefined;
  const one = await cost(async () => (alone = await sweepAs(replicas[0] as Probot, coordinators[0] as SweepCoordinator, "alone")));
  let summaries: SweepSummary[] = [];
  const three = await cost(async () => (summaries = await Promise.all(replicas.map((p, i) => sweepAs(p, coordinators[i] as SweepCoordinator, "together")))));
  expect(alone?.repositories).toBe(REPOS);
  expect(summaries.reduce((n, s) => n + s.repositories, 0)).toBe(REPOS); // each repository once
  expect(summaries.filter((s) => s.repositories > 0).length).toBeGreaterThan(1); // spread over replicas
  expect(three).toBe(one);
  console.info(`sweep of ${REPOS} repositories: 1 replica ${one} requests, 3 replicas ${three} requests (${summaries.map((s) => s.repositories).join(" + ")} repositories)`);
}

it("three app instances sharing a round in process sweep each repository once, at the cost of one", async () => {
  const shared = createMemoryCoordinator();
  await threeAtTheCostOfOne([shared, shared, shared]);
}, 120_000);

(redisAvailable() ? describe : describe.skip)("with Redis", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  it("three replicas sharing Redis sweep each repository once, at the cost of one", async () => {
    const prefix = `test-sweep-${Date.now()}:`;
    const coordinators = await Promise.all([1, 2, 3].map(() => createRedisCoordinator({ redisUrl: redis.url, ttlMs: 60_000, prefix })));
    try {
      await threeAtTheCostOfOne(coordinators);
    } finally {
      await Promise.all(coordinators.map((c) => c.close()));
    }
  }, 120_000);
});

it("backs off when the remaining rate limit is below the reserve: the rest waits for the next round, events go on", async () => {
  const probot = replica(stack);
  // A reserve above what is left after the first repository: the sweep stops there.
  const summary = await sweepAs(probot, createMemoryCoordinator(), "low", { rateLimitReserve: 0.999 });
  expect(summary.repositories).toBe(1);
  expect(summary.rateLimited).toBe(REPOS - 1);
  expect(summary.errors).toBe(0);
  // Events still run on the same budget.
  const repo = stack.twin.repo("acme/svc-0");
  const sha = repo.commit("feature/late", { message: "Late", files: { "late.txt": "1\n" }, author: "alice", from: "development" });
  repo.openPR({ head: "feature/late", base: "development", title: "Late", user: "alice" });
  await stack.twin.idle({ timeoutMs: 30_000 });
  expect(repo.checkRuns(sha).some((r) => r.name === "branch-steward / development")).toBe(true);
}, 120_000);
