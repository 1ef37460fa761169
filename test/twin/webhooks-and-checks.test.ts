import { createRequire } from "node:module";
import { verify } from "@octokit/webhooks-methods";
import type { Octokit } from "@octokit/rest";
import { createClock, type RepoHandle, type Twin } from "../../tools/twin/index.js";
import { appOctokit, installationOctokit, SECRET, startSink, twinWith } from "./helpers.js";

type Example = { name: string; examples: Array<Record<string, unknown>> };
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples/api.github.com/index.json") as Example[];

function example(event: string, action?: string): Record<string, unknown> {
  const found = examples.find((e) => e.name === event)?.examples.find((x) => action === undefined || x.action === action);
  if (!found) throw new Error(`no example for ${event}.${action ?? ""}`);
  return found;
}

/** Keys present in `expected` (recursively for objects) that `actual` lacks. */
function missingKeys(expected: unknown, actual: unknown, path = ""): string[] {
  if (expected === null || typeof expected !== "object" || Array.isArray(expected)) return [];
  if (actual === null || typeof actual !== "object") return [path || "(root)"];
  const a = actual as Record<string, unknown>;
  return Object.entries(expected as Record<string, unknown>).flatMap(([key, value]) =>
    key in a ? missingKeys(value, a[key], `${path}.${key}`) : [`${path}.${key}`],
  );
}

let twin: Twin;
let repo: RepoHandle;
let octokit: Octokit;
let sink: Awaited<ReturnType<typeof startSink>>;
const clock = createClock("2025-03-01T12:00:00Z");
const ci = { id: 99, slug: "ci" };

beforeAll(async () => {
  sink = await startSink();
  twin = await twinWith({ webhookUrl: sink.url, clock });
  repo = twin.createRepo({ owner: "acme", name: "forecast", defaultBranch: "production", collaborators: { alice: "write", bob: "admin" } });
  octokit = installationOctokit(twin);
});

afterAll(async () => {
  await twin.close();
  await sink.close();
});

beforeEach(() => {
  sink.received.length = 0;
});

describe("webhooks", () => {
  it("signs deliveries and shapes pull_request.opened like GitHub's example", async () => {
    repo.commit("feat/a", { message: "a", files: { "a.txt": "a" }, author: "alice", from: "production" });
    const n = repo.openPR({ head: "feat/a", base: "production", title: "A", user: "alice" });
    await twin.idle();
    expect(sink.received.map((r) => r.event)).toEqual(["create", "push", "pull_request"]);
    for (const r of sink.received) {
      expect(await verify(SECRET, r.body, String(r.headers["x-hub-signature-256"]))).toBe(true);
      expect(r.headers).toMatchObject({ "x-github-hook-installation-target-type": "integration", "user-agent": "GitHub-Hookshot/twin" });
    }
    const opened = sink.received[2]?.payload as Record<string, unknown>;
    expect(opened).toMatchObject({ action: "opened", number: n, installation: { id: twin.installationId }, sender: { login: "alice" }, organization: { login: "acme" } });
    expect(missingKeys(example("pull_request", "opened"), opened)).toEqual([]);
    const push = sink.received[1]?.payload as Record<string, unknown>;
    expect(missingKeys(example("push"), push).filter((k) => !k.startsWith(".repository."))).toEqual([]);
    expect(push).toMatchObject({ ref: "refs/heads/feat/a", created: true, deleted: false, forced: false });
  });

  it("emits synchronize with before/after, and edited with changes.base on retarget", async () => {
    repo.createBranch("development", "production");
    repo.commit("feat/b", { message: "b1", files: { "b.txt": "1" }, author: "alice", from: "production" });
    const n = repo.openPR({ head: "feat/b", base: "production", title: "B", user: "alice" });
    const before = repo.pr(n).headSha;
    const after = repo.commit("feat/b", { message: "b2", files: { "b.txt": "2" }, author: "alice" });
    const productionTip = repo.branchHead("production");
    repo.retarget(n, "development", "bob");
    await twin.idle();
    const prEvents = sink.received.filter((r) => r.event === "pull_request").map((r) => r.payload);
    expect(prEvents.map((p) => p.action)).toEqual(["opened", "synchronize", "edited"]);
    expect(prEvents[1]).toMatchObject({ before, after });
    expect(prEvents[2]).toMatchObject({ changes: { base: { ref: { from: "production" }, sha: { from: productionTip } } }, sender: { login: "bob" } });
  });

  it("sends check_run with pull_requests for same-repo PRs, check_suite.completed, and issue_comment", async () => {
    repo.commit("feat/c", { message: "c", files: { "c.txt": "c" }, author: "alice", from: "production" });
    const n = repo.openPR({ head: "feat/c", base: "production", title: "C", user: "alice" });
    const sha = repo.pr(n).headSha;
    repo.reportCheck(sha, { name: "inference-tests", conclusion: "success", app: ci });
    repo.comment(n, "alice", "/steward recheck");
    await twin.idle();
    const run = sink.received.find((r) => r.event === "check_run" && r.payload.action === "completed")?.payload as { check_run: Record<string, unknown> };
    expect(run.check_run).toMatchObject({ name: "inference-tests", status: "completed", conclusion: "success", app: { id: 99, slug: "ci" } });
    expect(run.check_run.pull_requests).toEqual([expect.objectContaining({ number: n })]);
    expect(missingKeys(example("check_run", "completed").check_run, run.check_run).filter((k) => !k.startsWith(".check_suite.") && !k.startsWith(".app."))).toEqual([]);
    expect(sink.received.some((r) => r.event === "check_suite" && r.payload.action === "completed")).toBe(true);
    const comment = sink.received.find((r) => r.event === "issue_comment")?.payload as { issue: Record<string, unknown>; comment: Record<string, unknown> };
    expect(comment.issue.pull_request).toBeDefined();
    expect(missingKeys(example("issue_comment", "created").comment, comment.comment)).toEqual([]);
  });

  it("uses the bot as sender for the app's own writes", async () => {
    repo.commit("feat/d", { message: "d", files: { "d.txt": "d" }, author: "alice", from: "production" });
    const n = repo.openPR({ head: "feat/d", base: "production", title: "D", user: "alice" });
    await octokit.rest.issues.addLabels({ owner: "acme", repo: "forecast", issue_number: n, labels: ["flow:ok"] });
    await twin.idle();
    const labeled = sink.received.find((r) => r.payload.action === "labeled")?.payload;
    expect(labeled).toMatchObject({ label: { name: "flow:ok" }, sender: { login: "branch-steward[bot]", type: "Bot" } });
  });

  it("drops, duplicates, goes offline and redelivers through the deliveries API", async () => {
    twin.dropNext(1);
    repo.comment(1, "alice", "dropped");
    await twin.idle();
    expect(sink.received).toHaveLength(0);
    expect(twin.deliveries[twin.deliveries.length - 1]).toMatchObject({ event: "issue_comment", statusCode: 0 });

    twin.setWebhookKnobs({ duplicateRate: 1 });
    repo.comment(1, "alice", "twice");
    await twin.idle();
    twin.setWebhookKnobs({ duplicateRate: 0 });
    expect(sink.received).toHaveLength(2);
    expect(sink.received[0]?.headers["x-github-delivery"]).toBe(sink.received[1]?.headers["x-github-delivery"]);

    twin.setOnline(false);
    repo.comment(1, "alice", "offline");
    await twin.idle();
    twin.setOnline(true);
    const app = appOctokit(twin);
    const { data: list } = await app.request("GET /app/hook/deliveries", { per_page: 1 });
    const failed = list[0] as { id: number; guid: string; status_code: number; redelivery: boolean };
    expect(failed).toMatchObject({ status_code: 0, redelivery: false });
    await app.request("POST /app/hook/deliveries/{delivery_id}/attempts", { delivery_id: failed.id });
    await twin.idle();
    const redelivered = sink.received[sink.received.length - 1];
    expect(redelivered?.headers["x-github-delivery"]).toBe(failed.guid);
    const { data: latest } = await app.request("GET /app/hook/deliveries", { per_page: 1 });
    expect(latest[0]).toMatchObject({ guid: failed.guid, redelivery: true, status_code: 200 });
  });

  it("timestamps come from the controllable clock", async () => {
    clock.set("2025-03-02T08:00:00Z");
    repo.commit("feat/e", { message: "e", files: { "e.txt": "e" }, author: "alice", from: "production" });
    const n = repo.openPR({ head: "feat/e", base: "production", title: "E", user: "alice" });
    clock.advance(90_000);
    const id = repo.comment(n, "alice", "later");
    await twin.idle();
    const pr = await octokit.rest.pulls.get({ owner: "acme", repo: "forecast", pull_number: n });
    expect(pr.data.created_at).toBe("2025-03-02T08:00:00Z");
    const comment = await octokit.rest.issues.getComment({ owner: "acme", repo: "forecast", comment_id: id });
    expect(comment.data.created_at).toBe("2025-03-02T08:01:30Z");
    expect(twin.deliveries[twin.deliveries.length - 1]?.deliveredAt).toBe("2025-03-02T08:01:30Z");
  });
});

describe("check runs over REST", () => {
  it("filter=latest keeps the newest run per name per app; filter=all keeps every run", async () => {
    const sha = repo.branchHead("production") as string;
    repo.reportCheck(sha, { name: "lint", conclusion: "failure", app: ci });
    repo.reportCheck(sha, { name: "lint", conclusion: "success", app: ci });
    const created = await octokit.rest.checks.create({ owner: "acme", repo: "forecast", name: "lint", head_sha: sha, status: "in_progress", output: { title: "t", summary: "s", text: "x" } });
    expect(created.data).toMatchObject({ status: "in_progress", app: { slug: "branch-steward" }, output: { title: "t", summary: "s", text: "x" } });
    const latest = await octokit.rest.checks.listForRef({ owner: "acme", repo: "forecast", ref: sha, check_name: "lint" });
    expect(latest.data.total_count).toBe(2);
    expect(latest.data.check_runs.map((r) => [r.app?.slug, r.conclusion])).toEqual([["branch-steward", null], ["ci", "success"]]);
    const all = await octokit.rest.checks.listForRef({ owner: "acme", repo: "forecast", ref: sha, check_name: "lint", filter: "all" });
    expect(all.data.total_count).toBe(3);
    const done = await octokit.rest.checks.update({ owner: "acme", repo: "forecast", check_run_id: created.data.id, conclusion: "neutral" });
    expect(done.data).toMatchObject({ status: "completed", conclusion: "neutral" });
    const invalid = octokit.rest.checks.create({ owner: "acme", repo: "forecast", name: "x", head_sha: sha, status: "completed" });
    await expect(invalid).rejects.toMatchObject({ status: 422 });
  });

  it("combines commit statuses", async () => {
    const sha = repo.branchHead("production") as string;
    repo.setStatus(sha, { context: "ci/a", state: "success", creator: "alice" });
    await octokit.rest.repos.createCommitStatus({ owner: "acme", repo: "forecast", sha, state: "pending", context: "steward" });
    const combined = await octokit.rest.repos.getCombinedStatusForRef({ owner: "acme", repo: "forecast", ref: sha });
    expect(combined.data).toMatchObject({ state: "pending", total_count: 2 });
  });
});
