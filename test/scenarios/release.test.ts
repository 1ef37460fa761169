/**
 * Versions and releases against the GitHub twin over HTTP: a sync, a hotfix, a redelivery, a
 * rollback, evidence that completes after the release, and two production merges handled
 * concurrently by two app servers (replicas) that both receive every delivery.
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { Probot, ProbotOctokit, Server } from "probot";
import { createApp, queueOf } from "../../src/index.js";
import { backoff } from "../../src/workflows/release.js";
import { freePort, SANDBOX_APP_ID, startStack, type Stack } from "../../tools/sandbox/stack.js";
import { CI_APP, OWNER, REPO, SANDBOX_CONFIG, seedRepository, VALIDATION_CHECKS } from "../../tools/sandbox/story.js";
import type { RepoHandle } from "../../tools/twin/index.js";

let stack: Stack;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(() => {
  backoff.baseMs = 5;
});
afterEach(async () => {
  stack?.twin.setWebhookUrl(null); // nothing may reach the replicas once they stop
  await stack?.close();
  for (const c of cleanups.splice(0)) await c();
});

const writes = (s: Stack) => s.twin.requests.filter((r) => r.write && !r.route?.startsWith("POST /app/")).map((r) => r.route);
const RELEASE_MARKER = "<!-- branch-steward:release -->";
const releaseComments = (repo: RepoHandle, pr: number) => repo.comments(pr).filter((c) => c.user === "branch-steward[bot]" && c.body.startsWith(RELEASE_MARKER));
const release = (repo: RepoHandle, tag: string) => {
  const found = repo.releases().filter((r) => r.tagName === tag);
  expect(found).toHaveLength(1);
  return found[0]?.body ?? "";
};
const tagAt = (repo: RepoHandle, name: string) => repo.tags().find((t) => t.name === name);

/** The seeded repository, with backports off (they have their own tests) and development = production. */
function seed(s: Stack): RepoHandle {
  const repo = seedRepository(s.twin);
  repo.commit("production", {
    message: "Configure branch-steward for releases",
    files: { ".github/branch-steward.yml": `${SANDBOX_CONFIG}backport:\n  enabled: false\n` },
    author: "carol",
  });
  repo.forcePush("development", repo.branchHead("production") ?? "", "carol");
  return repo;
}

const ci = (repo: RepoHandle, sha: string, name: string, status: "completed" | "in_progress" = "completed") =>
  repo.reportCheck(sha, {
    name,
    app: CI_APP,
    status,
    ...(status === "completed" ? { conclusion: "success" } : {}),
    detailsUrl: `https://ci.example/${name}/${sha.slice(0, 7)}`,
  });

function hotfix(repo: RepoHandle, branch: string, file: string, title: string): number {
  repo.commit(branch, { message: title, files: { [file]: `${branch}\n` }, author: "alice", from: "production" });
  const pr = repo.openPR({ head: branch, base: "production", title, user: "alice" });
  ci(repo, repo.pr(pr).headSha, "inference-tests");
  repo.approve(pr, "bob");
  return pr;
}

it("versions a sync, a hotfix and a rollback, with the evidence in the notes; a redelivery changes nothing", async () => {
  stack = await startStack();
  const repo = seed(stack);

  // A feature reaches development, then the sync brings it to production.
  repo.commit("feature/regions", { message: "Add regional features", files: { "pipeline/features.py": "REGIONS = 12\n" }, author: "alice", from: "development" });
  const feature = repo.openPR({ head: "feature/regions", base: "development", title: "Add regional features", user: "alice" });
  repo.approve(feature, "bob");
  repo.merge(feature, { method: "merge", user: "bob" });
  const sync = repo.openPR({ head: "development", base: "production", title: "Sync development → production", user: "carol" });
  for (const name of VALIDATION_CHECKS) ci(repo, repo.pr(sync).headSha, name);
  repo.approve(sync, "alice");
  repo.approve(sync, "bob");
  await stack.twin.idle({ timeoutMs: 20_000 });
  const syncMerge = repo.merge(sync, { method: "merge", user: "carol" });
  const running = ci(repo, syncMerge, "inference-tests", "in_progress"); // CI on the merge commit, still running
  await stack.twin.idle({ timeoutMs: 20_000 });

  expect(tagAt(repo, "v1.1.0")).toEqual({ name: "v1.1.0", sha: syncMerge, annotated: true });
  let notes = release(repo, "v1.1.0");
  expect(notes).toContain("[compare v1.0.0...v1.1.0](https://github.com/acme/forecast/compare/v1.0.0...v1.1.0)");
  expect(notes).toContain("Minor: a sync of `development` into production.");
  expect(notes).toContain("Approved by @alice, @bob.");
  expect(notes).toContain("Merged by @carol");
  expect(notes).toContain(`Pull requests: #${feature} Add regional features.`);
  expect(notes).toMatch(/\| `drift-detection` \(from staging-ci\) \| ✅ \[success\]\(https:\/\/github\.com\/acme\/forecast\/runs\/\d+\) by staging-ci, completed .* UTC \| — not reported \|/);
  expect(notes).toContain("⏳ Still running on the merge commit: `inference-tests`");
  expect(notes).not.toContain("⚠️");
  expect(releaseComments(repo, sync)).toHaveLength(1);
  expect(releaseComments(repo, sync)[0]?.body).toContain("released as **[v1.1.0](https://github.com/acme/forecast/releases/tag/v1.1.0)**");

  // The merge commit's check completes: the notes are updated, once.
  repo.updateCheck(running, { status: "completed", conclusion: "success" });
  await stack.twin.idle({ timeoutMs: 20_000 });
  notes = release(repo, "v1.1.0");
  expect(notes).not.toContain("Still running");
  expect(notes).toMatch(/\| `inference-tests` \(from staging-ci\) \| ✅ .* \| ✅ \[success\]\(https:\/\/github\.com\/acme\/forecast\/runs\/\d+\) by staging-ci, completed/);

  // A hotfix: patch.
  const fix = hotfix(repo, "hotfix/drift-threshold", "model/thresholds.yml", "Fix drift threshold");
  await stack.twin.idle({ timeoutMs: 20_000 });
  const fixMerge = repo.merge(fix, { method: "squash", user: "carol" });
  await stack.twin.idle({ timeoutMs: 20_000 });
  expect(tagAt(repo, "v1.1.1")?.sha).toBe(fixMerge);
  expect(release(repo, "v1.1.1")).toContain("Patch: the hotfix `hotfix/drift-threshold`.");

  // The same delivery again: reads only.
  const before = writes(stack).length;
  const closed = stack.twin.deliveries.filter((d) => d.event === "pull_request" && d.action === "closed").at(-1);
  const { createAppAuth } = await import("@octokit/auth-app");
  const { token } = await createAppAuth({ appId: SANDBOX_APP_ID, privateKey: stack.privateKey })({ type: "app" });
  const res = await fetch(`${stack.twin.url}/app/hook/deliveries/${closed?.id}/attempts`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(202);
  await stack.twin.idle({ timeoutMs: 20_000 });
  expect(writes(stack).slice(before)).toEqual([]);

  // Roll back the hotfix as a roll-forward: a revert PR, released as a patch.
  repo.commit("hotfix/revert-drift-threshold", {
    message: 'Revert "Fix drift threshold"',
    files: { "model/thresholds.yml": "drift: 0.20\n" },
    author: "carol",
    from: "production",
  });
  const revert = repo.openPR({
    head: "hotfix/revert-drift-threshold",
    base: "production",
    title: 'Revert "Fix drift threshold"',
    body: `Reverts ${OWNER}/${REPO}#${fix}`,
    user: "carol",
  });
  ci(repo, repo.pr(revert).headSha, "inference-tests");
  repo.approve(revert, "bob");
  await stack.twin.idle({ timeoutMs: 20_000 });
  const revertMerge = repo.merge(revert, { method: "squash", user: "carol" });
  await stack.twin.idle({ timeoutMs: 20_000 });
  expect(tagAt(repo, "v1.1.2")?.sha).toBe(revertMerge);
  expect(release(repo, "v1.1.2")).toContain("⏪ **Reverts v1.1.1**");
  expect(release(repo, "v1.1.2")).toContain("Patch: the PR is a rollback");
  expect(release(repo, "v1.1.1")).toContain("⏪ **Reverted by [v1.1.2](https://github.com/acme/forecast/releases/tag/v1.1.2).**");

  expect(repo.tags().map((t) => t.name).sort()).toEqual(["v1.0.0", "v1.1.0", "v1.1.1", "v1.1.2"]);
  expect(repo.releases()).toHaveLength(3);
  expect(stack.twin.unhandled).toEqual([]);
  expect(stack.twin.deliveries.every((d) => d.statusCode >= 200 && d.statusCode < 300)).toBe(true);
});

/** A second replica of the app: same credentials, its own process state (and its own lock). */
async function secondServer(s: Stack): Promise<string> {
  const log = pino({ level: "silent" });
  const Octokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, throttle: { ...(o.throttle as object), enabled: false } }));
  const server = new Server({
    Probot: Probot.defaults({ appId: SANDBOX_APP_ID, privateKey: s.privateKey, secret: s.webhookSecret, baseUrl: s.twin.url, log, Octokit }),
    host: "127.0.0.1",
    port: await freePort(),
    log,
  });
  const app = createApp({ redisUrl: undefined, sweepMinutes: 0 });
  let probot: Probot | undefined;
  await server.load((p, o) => ((probot = p), app(p, o)));
  await server.start();
  // Its deliveries are answered once queued: the twin's idle() waits for its jobs too.
  const queue = probot ? queueOf(probot) : undefined;
  if (queue) s.twin.watch(() => queue.pending());
  cleanups.push(async () => {
    await server.stop();
    await queue?.close(5_000);
  });
  return `http://127.0.0.1:${server.port}/api/github/webhooks`;
}


/** A load balancer gone wrong: every delivery goes to both replicas at once. */
async function fanOut(targets: readonly string[]): Promise<string> {
  const server: HttpServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
      void Promise.all(targets.map((t) => fetch(t, { method: "POST", headers, body }).then((r) => r.status))).then(
        (codes) => res.writeHead(Math.max(...codes)).end(),
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

it("two production merges within a second, on two replicas that both get every delivery: distinct, increasing versions, no duplicate", async () => {
  stack = await startStack({ twin: { webhooks: { concurrency: 8 } } });
  const repo = seed(stack);
  const replica = await secondServer(stack);
  stack.twin.setWebhookUrl(await fanOut([stack.webhookUrl, replica]));

  const first = hotfix(repo, "hotfix/a", "a.txt", "Fix A");
  const second = hotfix(repo, "hotfix/b", "b.txt", "Fix B");
  await stack.twin.idle({ timeoutMs: 20_000 });
  const mergeA = repo.merge(first, { method: "squash", user: "carol" });
  const mergeB = repo.merge(second, { method: "squash", user: "carol" });
  await stack.twin.idle({ timeoutMs: 30_000 });

  const versions = repo.tags().filter((t) => t.name !== "v1.0.0");
  expect(versions.map((t) => [t.name, t.sha]).sort()).toEqual([
    ["v1.0.1", mergeA],
    ["v1.0.2", mergeB],
  ]);
  expect(repo.releases().map((r) => r.tagName).sort()).toEqual(["v1.0.1", "v1.0.2"]);
  expect(releaseComments(repo, first)).toHaveLength(1);
  expect(releaseComments(repo, second)).toHaveLength(1);
  expect(releaseComments(repo, first)[0]?.body).toContain("v1.0.1");
  expect(releaseComments(repo, second)[0]?.body).toContain("v1.0.2");
  expect(release(repo, "v1.0.2")).toContain("[compare v1.0.1...v1.0.2]");
  expect(stack.twin.deliveries.every((d) => d.statusCode >= 200 && d.statusCode < 300)).toBe(true);
  // Four handlers (two merges × two replicas) raced for the refs: exactly two won, the rest read back a 422.
  const refWrites = stack.twin.requests.filter((r) => r.route === "POST /repos/{owner}/{repo}/git/refs").map((r) => r.status);
  expect(refWrites.filter((status) => status === 201)).toHaveLength(2);
  expect(refWrites.every((status) => status === 201 || status === 422)).toBe(true);
});

it("a release missed while the app was down is restored by the reconciliation sweep", async () => {
  stack = await startStack();
  const repo = seed(stack);
  const fix = hotfix(repo, "hotfix/missed", "m.txt", "Fix while down");
  await stack.twin.idle({ timeoutMs: 20_000 });
  stack.twin.setOnline(false);
  const merge = repo.merge(fix, { method: "squash", user: "carol" });
  await stack.twin.idle({ timeoutMs: 20_000 });
  expect(tagAt(repo, "v1.0.1")).toBeUndefined();

  stack.twin.setOnline(true);
  const first = await stack.sweep({ maxRedeliveries: 0 });
  await stack.twin.idle({ timeoutMs: 20_000 });
  expect(first.extra).toEqual({ found: 1, fixed: 1 });
  expect(tagAt(repo, "v1.0.1")?.sha).toBe(merge);
  expect(release(repo, "v1.0.1")).toContain("Patch: the hotfix `hotfix/missed`.");
  expect(releaseComments(repo, fix)).toHaveLength(1);

  const second = await stack.sweep({ maxRedeliveries: 0 });
  expect(second.extra).toEqual({ found: 0, fixed: 0 });
});
