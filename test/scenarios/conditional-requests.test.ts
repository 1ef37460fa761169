/**
 * The rate limit is the budget: the app and the twin over HTTP, counting the requests GitHub
 * would count (every answer but a 304). With conditional requests (on, as in src/main.ts):
 * a check no flow requires, an unchanged PR evaluated again and a sweep of an unchanged
 * repository cost (almost) nothing; and nothing is ever stale: a state change is seen at once.
 */
import { SANDBOX_APP_ID, startStack, type Stack } from "../../tools/sandbox/stack.js";
import { CI_APP, seedRepository, VALIDATION_CHECKS } from "../../tools/sandbox/story.js";
import type { RepoHandle } from "../../tools/twin/index.js";

let stack: Stack;
afterEach(async () => {
  await stack?.close();
}, 240_000);

/** Requests GitHub counts against the installation's rate limit: not 304s, not the token exchange. */
const counted = (from: number) => stack.twin.requests.slice(from).filter((r) => r.status !== 304 && !r.route?.startsWith("POST /app/"));
const routes = (from: number) => counted(from).map((r) => r.route);
const OPEN = 6;
/** Generous: a loaded machine slows the app, never changes what it counts. */
const IDLE = { timeoutMs: 90_000 };

/** The seeded repository with OPEN feature PRs into development and one sync PR, all evaluated once. */
async function repository(): Promise<{ repo: RepoHandle; sync: number }> {
  const repo = seedRepository(stack.twin);
  for (let i = 0; i < OPEN; i++) {
    repo.commit(`feature/f${i}`, { message: `F${i}`, files: { [`f${i}.txt`]: "1\n" }, author: "alice", from: "development" });
    repo.openPR({ head: `feature/f${i}`, base: "development", title: `F${i}`, user: "alice" });
  }
  repo.commit("development", { message: "Sync me", files: { "s.txt": "1\n" }, author: "alice" });
  const sync = repo.openPR({ head: "development", base: "production", title: "Sync", user: "carol" });
  await stack.twin.idle(IDLE);
  return { repo, sync };
}

async function settled<T>(action: () => T): Promise<{ from: number; result: T }> {
  const from = stack.twin.requests.length;
  const result = action();
  await stack.twin.idle(IDLE);
  return { from, result };
}

/** Redelivers a delivery through GitHub's API, as the app's settings page would. */
async function redeliver(id: number | undefined): Promise<void> {
  const { createAppAuth } = await import("@octokit/auth-app");
  const { token } = await createAppAuth({ appId: SANDBOX_APP_ID, privateKey: stack.privateKey })({ type: "app" });
  const res = await fetch(`${stack.twin.url}/app/hook/deliveries/${id}/attempts`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(202);
}

const ourCheck = (repo: RepoHandle, sha: string, target: string) => repo.checkRuns(sha).filter((r) => r.name === `branch-steward / ${target}` && r.app.slug === "branch-steward").at(-1);

it("a CI check no flow requires costs no counted request once the config is cached", async () => {
  stack = await startStack();
  const { repo } = await repository();
  const sha = repo.pr(1).headSha;
  await settled(() => repo.reportCheck(sha, { name: "warm-up", app: CI_APP, status: "completed", conclusion: "success" })); // caches the config

  const created = await settled(() => repo.reportCheck(sha, { name: "lint", app: CI_APP, status: "in_progress" }));
  expect(stack.twin.requests.slice(created.from).map((r) => `${r.status} ${r.route}`)).toEqual(["304 GET /repos/{owner}/{repo}/contents/{path}"]);
  const completed = await settled(() => repo.updateCheck(created.result, { status: "completed", conclusion: "success" }));
  const deliveries = stack.twin.deliveries.slice(-2).map((d) => `${d.event}.${d.action}`);
  expect(deliveries).toEqual(["check_run.completed", "check_suite.completed"]);
  // check_run.completed: the config (304). check_suite.completed (a suite names none of its runs, and
  // this repository requires checks): the config and open PR list (304s) and the head's check runs, which did change.
  expect(routes(completed.from)).toEqual(["GET /repos/{owner}/{repo}/commits/{ref}/check-runs"]);
}, 240_000);

it("an unchanged PR evaluated again costs no counted request, and the first change is read at once", async () => {
  stack = await startStack();
  const { repo, sync } = await repository();
  const sha = repo.pr(sync).headSha;
  // A required check starts: the sync PR is evaluated again (its check runs changed: read once).
  const first = await settled(() => repo.reportCheck(sha, { name: "inference-tests", app: CI_APP, status: "in_progress" }));
  expect(routes(first.from)).toContain("GET /repos/{owner}/{repo}/commits/{ref}/check-runs");
  // The same event again (GitHub redelivers it): nothing changed but our own check, written after
  // the first read (so read once more); then every read is a 304.
  const last = stack.twin.deliveries.at(-1);
  expect(last).toMatchObject({ event: "check_run", action: "created" });
  const once = await settled(() => redeliver(last?.id));
  await once.result;
  await stack.twin.idle(IDLE);
  expect(routes(once.from)).toEqual(["GET /repos/{owner}/{repo}/commits/{ref}/check-runs"]);
  const twice = await settled(() => redeliver(last?.id));
  await twice.result;
  await stack.twin.idle(IDLE);
  expect(routes(twice.from)).toEqual([]);
  expect(stack.twin.requests.slice(twice.from).filter((r) => r.status === 304).length).toBeGreaterThanOrEqual(4); // config, PR list, check runs, statuses, compare

  // Staleness: every required check passes; the verdict follows from fresh reads, not the cache.
  for (const name of VALIDATION_CHECKS) {
    const id = repo.reportCheck(sha, { name, app: CI_APP, status: "in_progress" });
    repo.updateCheck(id, { status: "completed", conclusion: "success" });
  }
  repo.setStatus(sha, { context: "inference-tests", state: "success", creator: "carol" });
  await stack.twin.idle(IDLE);
  expect(ourCheck(repo, sha, "production")).toMatchObject({ status: "completed", conclusion: "success" });
}, 240_000);

it("a sweep of an unchanged repository costs no counted request per repository; a change made behind its back is seen", async () => {
  stack = await startStack();
  const { repo, sync } = await repository();
  const noRedelivery = { maxRedeliveries: 0 };
  await stack.sweep(noRedelivery); // warms the cache (the first read of each URL with this token)
  const idle = await settled(() => stack.sweep(noRedelivery));
  const summary = await idle.result;
  expect(summary.checks.evaluated).toBe(OPEN + 1);
  // Per repository: nothing counted. The two app-level reads may be: they carry the app's JWT,
  // which changes every second, and GitHub's ETags are per token.
  expect(routes(idle.from).filter((r) => !r?.startsWith("GET /app/"))).toEqual([]);
  expect(routes(idle.from).length).toBeLessThanOrEqual(2);
  expect(summary.requests).toBeGreaterThan(OPEN + 1); // every request is still made: 304s are free, not absent

  // Staleness: the required checks pass while no webhook reaches the app; the sweep alone sees it.
  const sha = repo.pr(sync).headSha;
  expect(ourCheck(repo, sha, "production")?.conclusion).not.toBe("success");
  stack.twin.setOnline(false);
  for (const name of VALIDATION_CHECKS) repo.reportCheck(sha, { name, app: CI_APP, status: "completed", conclusion: "success" });
  await stack.twin.idle(IDLE); // every delivery fails: the app hears nothing
  stack.twin.setOnline(true);
  expect(ourCheck(repo, sha, "production")?.conclusion).not.toBe("success");
  const repaired = await stack.sweep(noRedelivery);
  await stack.twin.idle(IDLE);
  expect(repaired.checks.rewritten).toBe(1);
  expect(ourCheck(repo, sha, "production")).toMatchObject({ status: "completed", conclusion: "success" });
}, 240_000);
