/**
 * Nothing lost, nothing duplicated: the same lifecycle under triple delivery, injected API
 * faults, and webhooks dropped while the app is down, must end in the state of a clean run
 * once the reconciliation sweep has run. The figures go to docs/reliability.md.
 */
import { writeFileSync } from "node:fs";
import { startStack, type Stack } from "../../tools/sandbox/stack.js";
import { CI_APP, seedRepository, VALIDATION_CHECKS } from "../../tools/sandbox/story.js";
import type { RepoHandle } from "../../tools/twin/index.js";

/** End states are compared across runs by PR number: the dashboard issue (numbered with them, at a moment that differs with the faults) stays out. */
const NO_DASHBOARD = { dashboards: false } as const;

const FIGURES = process.env.RELIABILITY_FIGURES; // a path: record the figures there (npm run reliability)
const figures: Record<string, unknown> = {};
let stack: Stack;
afterEach(async () => {
  await stack?.close();
});
afterAll(() => {
  if (FIGURES) writeFileSync(FIGURES, JSON.stringify(figures, null, 2));
});

/** The same actors, in the same order, in every run. */
async function lifecycle(repo: RepoHandle): Promise<void> {
  repo.commit("feature/x", { message: "Feature x", files: { "x.txt": "x\n" }, author: "alice", from: "development" });
  const feature = repo.openPR({ head: "feature/x", base: "development", title: "Feature x", user: "alice" });
  repo.approve(feature, "bob");
  repo.merge(feature, { method: "merge", user: "bob" });
  repo.commit("feature/y", { message: "Feature y", files: { "y.txt": "y\n" }, author: "bob", from: "development" });
  repo.openPR({ head: "feature/y", base: "production", title: "Feature y", user: "bob" });
  repo.commit("hotfix/h", { message: "Fix h", files: { "model/thresholds.yml": "drift: 0.18\n" }, author: "alice", from: "production" });
  const hotfix = repo.openPR({ head: "hotfix/h", base: "production", title: "Fix h", user: "alice" });
  repo.reportCheck(repo.pr(hotfix).headSha, { name: "inference-tests", app: CI_APP, status: "completed", conclusion: "success" });
  repo.approve(hotfix, "bob");
  repo.merge(hotfix, { method: "squash", user: "carol" });
  const sync = repo.openPR({ head: "development", base: "production", title: "Sync", user: "carol" });
  for (const name of VALIDATION_CHECKS) repo.reportCheck(repo.pr(sync).headSha, { name, app: CI_APP, status: "completed", conclusion: "success" });
}

interface PullState {
  title: string;
  base: string;
  state: string;
  labels: string[];
  checks: string[];
  comments: string[];
}

/** What a user sees, minus SHAs and timestamps; plus a duplicate count that must stay 0. */
function endState(repo: RepoHandle): { pulls: PullState[]; duplicates: number; tags: string[] } {
  let duplicates = 0;
  const pulls = [...repo.state.issues.values()]
    .filter((i) => i.pull)
    .sort((a, b) => a.number - b.number)
    .map((i) => {
      const pr = repo.pr(i.number);
      // A closed PR's flow check and status comment no longer matter (a sweep only revisits open PRs).
      const live = (body: string) => pr.state === "open" || !body.startsWith("<!-- branch-steward -->");
      const ours = pr.state === "open" ? repo.checkRuns(pr.headSha).filter((r) => r.app.slug === "branch-steward") : [];
      const latest = new Map(ours.map((r) => [r.name, `${r.name}: ${r.status}/${r.conclusion ?? "-"}`]));
      const comments = repo.comments(i.number).filter((c) => c.user === "branch-steward[bot]" && live(c.body));
      const markers = comments.map((c) => c.body.split("\n")[0]);
      duplicates += markers.length - new Set(markers).size;
      return { title: pr.title, base: pr.baseRef, state: pr.state, labels: [...pr.labels].sort(), checks: [...latest.values()].sort(), comments: comments.map((c) => c.body).sort() };
    });
  const heads = pulls.map((p) => `${p.title}→${p.base}`);
  duplicates += heads.length - new Set(heads).size; // two backport PRs for one source would show here
  const tags = repo.tags().map((t) => t.name).sort();
  duplicates += tags.length - new Set(tags).size;
  return { pulls, duplicates, tags };
}

async function cleanRun(): Promise<ReturnType<typeof endState>> {
  const clean = await startStack(NO_DASHBOARD);
  try {
    const repo = seedRepository(clean.twin);
    await lifecycle(repo);
    await clean.twin.idle({ timeoutMs: 30_000 });
    return endState(repo);
  } finally {
    await clean.close();
  }
}

const repoWrites = (s: Stack) => s.twin.requests.filter((r) => r.write && !r.route?.startsWith("POST /app/")).length;

it("every lifecycle event delivered three times: no duplicate anything", async () => {
  const expected = await cleanRun();
  stack = await startStack({ ...NO_DASHBOARD, twin: { webhooks: { duplicateRate: 1 } } });
  const repo = seedRepository(stack.twin);
  await lifecycle(repo);
  await stack.twin.idle({ timeoutMs: 30_000 });
  // The third copy: redeliver every delivery through GitHub's API, as a sweep would.
  const writesBefore = repoWrites(stack);
  const originals = stack.twin.deliveries.filter((d) => !d.duplicate && !d.redelivery);
  const { createAppAuth } = await import("@octokit/auth-app");
  const { token } = await createAppAuth({ appId: 1001, privateKey: stack.privateKey })({ type: "app" });
  for (const d of originals) {
    await fetch(`${stack.twin.url}/app/hook/deliveries/${d.id}/attempts`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  }
  await stack.twin.idle({ timeoutMs: 30_000 });

  const got = endState(repo);
  expect(got.duplicates).toBe(0);
  expect(got).toEqual(expected);
  expect(repoWrites(stack) - writesBefore).toBe(0);
  figures.tripleDelivery = { events: originals.length, deliveries: stack.twin.deliveries.length, duplicatesFound: got.duplicates, writesOnRepeats: repoWrites(stack) - writesBefore };
}, 90_000);

it("20% injected faults (500, 502, 403 secondary limit, timeouts): after retries and one sweep, the end state equals the fault-free run", async () => {
  const expected = await cleanRun();
  stack = await startStack({
    ...NO_DASHBOARD,
    retryBaseMs: 20,
    twin: { faults: { rate: 0.2, seed: 7, timeoutMs: 300, retryAfterSeconds: 1 }, webhooks: { timeoutMs: 2_000 } },
  });
  const repo = seedRepository(stack.twin);
  await lifecycle(repo);
  await stack.twin.idle({ timeoutMs: 60_000, quietMs: 1_500 });
  const injected = stack.twin.requests.filter((r) => r.fault).length;
  const underFaults = stack.twin.requests.filter((r) => !r.route?.includes("access_tokens")).length;
  const failedDeliveries = stack.twin.deliveries.filter((d) => d.statusCode < 200 || d.statusCode >= 300).length;

  stack.twin.setFaults(null);
  const first = await stack.sweep();
  await stack.twin.idle({ timeoutMs: 60_000, quietMs: 500 });
  const got = endState(repo);
  expect(injected).toBeGreaterThan(10);
  expect(got.duplicates).toBe(0);
  expect(got).toEqual(expected);

  const second = await stack.sweep();
  await stack.twin.idle({ timeoutMs: 30_000 });
  expect(second.checks.rewritten + second.backports.fixed + second.redeliveries.redelivered).toBe(0);
  figures.faults = {
    requestsUnderFaults: underFaults,
    faultsInjected: injected,
    failedDeliveries,
    redelivered: first.redeliveries.redelivered,
    checksRepaired: first.checks.rewritten,
    backportsRepaired: first.backports.fixed,
    sweepRequests: first.requests,
    secondSweepRequests: second.requests,
    duplicatesFound: got.duplicates,
  };
});

it("webhooks dropped while the app is down: the sweep at start-up restores every check and backport", async () => {
  const expected = await cleanRun();
  stack = await startStack(NO_DASHBOARD);
  const repo = seedRepository(stack.twin);
  stack.twin.setOnline(false);
  await lifecycle(repo);
  await stack.twin.idle({ timeoutMs: 30_000 });
  const dropped = stack.twin.deliveries.filter((d) => d.statusCode === 0).length;
  expect(endState(repo)).not.toEqual(expected);

  stack.twin.setOnline(true);
  const summary = await stack.sweep();
  await stack.twin.idle({ timeoutMs: 30_000 });
  const got = endState(repo);
  if (got.duplicates) console.log(JSON.stringify(got, null, 1));
  expect(got.duplicates).toBe(0);
  expect(got).toEqual(expected);
  figures.appDown = { droppedDeliveries: dropped, redelivered: summary.redeliveries.redelivered, sweepRequests: summary.requests, duplicatesFound: got.duplicates };
});

it("reconcilers alone (no redelivery possible) restore the same state", async () => {
  const expected = await cleanRun();
  stack = await startStack({ ...NO_DASHBOARD, logLevel: process.env.DEBUG_STACK ? "warn" : "silent" });
  const repo = seedRepository(stack.twin);
  stack.twin.setOnline(false);
  await lifecycle(repo);
  await stack.twin.idle({ timeoutMs: 30_000 });
  stack.twin.setOnline(true);
  const summary = await stack.sweep({ maxRedeliveries: 0 });
  await stack.twin.idle({ timeoutMs: 30_000 });
  if (process.env.DEBUG_STACK) console.log(JSON.stringify(summary), stack.twin.unhandled);
  expect(summary.redeliveries.redelivered).toBe(0);
  expect(endState(repo)).toEqual(expected);
  figures.reconcilersOnly = { checksRepaired: summary.checks.rewritten, backportsRepaired: summary.backports.fixed, sweepRequests: summary.requests };
});

it("a GitHub answer slower than the 9 s webhook window: every delivery is answered once queued, the job finishes in the background", async () => {
  stack = await startStack({ ...NO_DASHBOARD, twin: { webhooks: { timeoutMs: 15_000 } } });
  const repo = seedRepository(stack.twin);
  let slowed = 0;
  stack.twin.setLatency((route) => (route.startsWith("POST ") && route.includes("/check-runs") && slowed++ === 0 ? 9_500 : 0));
  repo.commit("feature/slow", { message: "Slow", files: { "s.txt": "1\n" }, author: "alice", from: "development" });
  const pr = repo.openPR({ head: "feature/slow", base: "development", title: "Slow", user: "alice" });
  await stack.twin.idle({ timeoutMs: 30_000, quietMs: 1_000 });
  expect(slowed).toBeGreaterThan(0);
  // No delivery waited for the slow call: each was answered before it (the work is a job).
  const slowest = Math.max(...stack.twin.deliveries.map((d) => d.durationMs));
  expect(slowest).toBeLessThan(9_500);
  expect(stack.twin.deliveries.every((d) => d.statusCode >= 200 && d.statusCode < 300)).toBe(true);
  expect(repo.checkRuns(repo.pr(pr).headSha).filter((r) => r.app.slug === "branch-steward").map((r) => r.conclusion)).toEqual(["success"]);
  const opened = stack.twin.deliveries.find((d) => d.event === "pull_request");
  figures.slowGitHub = { event: `${opened?.event}`, ackStatus: opened?.statusCode, slowestAckMs: Math.round(slowest) };
}, 40_000);

it("out-of-order delivery: a stale synchronize arriving after a newer one leaves the check for the newest head", async () => {
  stack = await startStack(NO_DASHBOARD);
  const repo = seedRepository(stack.twin);
  repo.commit("feature/z", { message: "z1", files: { "z.txt": "1\n" }, author: "alice", from: "development" });
  const pr = repo.openPR({ head: "feature/z", base: "production", title: "Z", user: "alice" });
  await stack.twin.idle();
  stack.twin.setOnline(false);
  repo.commit("feature/z", { message: "z2", files: { "z.txt": "2\n" }, author: "alice" });
  repo.retarget(pr, "development", "alice");
  await stack.twin.idle();
  stack.twin.setOnline(true);
  // Deliver the newest event first (the retarget), then the older synchronize.
  const [sync, edited] = stack.twin.deliveries.filter((d) => d.statusCode === 0 && d.event === "pull_request");
  const { createAppAuth } = await import("@octokit/auth-app");
  const { token } = await createAppAuth({ appId: 1001, privateKey: stack.privateKey })({ type: "app" });
  for (const d of [edited, sync]) {
    await fetch(`${stack.twin.url}/app/hook/deliveries/${d?.id}/attempts`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    await stack.twin.idle();
  }
  const head = repo.pr(pr).headSha;
  const checks = repo.checkRuns(head).filter((r) => r.app.slug === "branch-steward");
  expect(checks.map((r) => `${r.name}:${r.conclusion}`)).toEqual(["branch-steward / development:success"]);
  const comments = repo.comments(pr).filter((c) => c.user === "branch-steward[bot]");
  expect(comments).toHaveLength(1);
  expect(comments[0]?.body).toContain("allowed: the feature flow");
});
