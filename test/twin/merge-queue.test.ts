/** The twin's merge queue: read-only branches, group commits, merge_group webhooks, merging as GitHub does. */
import type { Octokit } from "@octokit/rest";
import type { RepoHandle, Twin } from "../../tools/twin/index.js";
import { installationOctokit, startSink, twinWith } from "./helpers.js";

let twin: Twin;
let repo: RepoHandle;
let octokit: Octokit;
let sink: Awaited<ReturnType<typeof startSink>>;
const owner = "acme";
const name = "queue";

beforeAll(async () => {
  sink = await startSink();
  twin = await twinWith({ webhookUrl: sink.url });
  repo = twin.createRepo({ owner, name, defaultBranch: "production", files: { "model.py": "v1\n" }, collaborators: { alice: "write", bob: "admin" } });
  repo.protect("production", { requiredChecks: ["ci"] });
  octokit = installationOctokit(twin);
});

afterAll(async () => {
  await twin.close();
  await sink.close();
});

const CI = { id: 77, slug: "ci" };
function pr(branch: string): number {
  repo.commit(branch, { message: branch, files: { [`${branch}.txt`]: "1\n" }, author: "alice", from: "production" });
  return repo.openPR({ head: branch, base: "production", title: `Add ${branch}`, user: "alice" });
}
const groups = () => sink.received.filter((r) => r.event === "merge_group").map((r) => ({ action: r.payload.action, reason: r.payload.reason, group: r.payload.merge_group as Record<string, unknown> }));

it("enqueue builds the group on the queue's read-only branch and asks for checks; the queue merges it as the PR's merge commit", async () => {
  const n = pr("feat/a");
  const head = repo.pr(n).headSha;
  repo.reportCheck(head, { name: "ci", app: CI, conclusion: "success" });
  const base = repo.branchHead("production") as string;
  await twin.idle();
  sink.received.length = 0;

  const group = repo.enqueue(n, "alice");
  await twin.idle();
  const ref = `refs/heads/gh-readonly-queue/production/pr-${n}-${base}`;
  expect(repo.mergeQueue("production")).toEqual([{ number: n, ref, sha: group, parent: base }]);
  expect(repo.commitOf(group).parents).toEqual([base, head]);
  expect(groups()).toEqual([{ action: "checks_requested", reason: undefined, group: expect.objectContaining({ head_sha: group, head_ref: ref, base_sha: base, base_ref: "refs/heads/production" }) }]);
  expect(groups()[0]?.group.head_commit).toMatchObject({ id: group, message: expect.stringMatching(new RegExp(`^Merge pull request #${n} from acme/feat/a`)) });
  expect(sink.received.map((r) => `${r.event}.${String(r.payload.action ?? "")}`)).toEqual(["pull_request.enqueued", "create.", "push.", "merge_group.checks_requested"]);
  // The queue branch is a branch like any other over REST.
  const { data } = await octokit.rest.git.listMatchingRefs({ owner, repo: name, ref: "heads/gh-readonly-queue/" });
  expect(data.map((r) => [r.ref, r.object.sha])).toEqual([[ref, group]]);

  expect(repo.processMergeQueue("production")).toBe("waiting"); // ci has not reported on the group
  const run = repo.reportCheck(group, { name: "ci", app: CI, status: "in_progress" });
  expect(repo.processMergeQueue("production")).toBe("waiting");
  repo.updateCheck(run, { conclusion: "success" });
  await twin.idle();
  sink.received.length = 0;
  expect(repo.processMergeQueue("production")).toBe("merged");
  await twin.idle();
  expect(repo.pr(n)).toMatchObject({ state: "closed", merged: true, mergeCommitSha: group, mergedBy: "alice" });
  expect(repo.branchHead("production")).toBe(group);
  expect(repo.ref(ref)).toBeNull();
  expect(sink.received.map((r) => `${r.event}.${String(r.payload.action ?? "")}`)).toEqual(["pull_request.closed", "push.", "merge_group.destroyed", "push.", "delete."]);
  expect(groups()).toEqual([{ action: "destroyed", reason: "merged", group: expect.objectContaining({ head_sha: group }) }]);
  const closed = sink.received.find((r) => r.event === "pull_request")?.payload.pull_request as Record<string, unknown>;
  expect(closed).toMatchObject({ merged: true, merge_commit_sha: group });
});

it("a second entry is built on the first; dequeuing the first destroys it and rebuilds the second on the base (invalidated)", async () => {
  const a = pr("feat/b");
  const b = pr("feat/c");
  for (const n of [a, b]) repo.reportCheck(repo.pr(n).headSha, { name: "ci", app: CI, conclusion: "success" });
  const base = repo.branchHead("production") as string;
  const first = repo.enqueue(a, "alice");
  const second = repo.enqueue(b, "alice");
  expect(repo.commitOf(second).parents[0]).toBe(first);
  expect(repo.isAncestor(first, second)).toBe(true);
  await twin.idle();
  sink.received.length = 0;

  repo.dequeue(a, "alice");
  await twin.idle();
  const [rebuilt] = repo.mergeQueue("production");
  expect(rebuilt).toMatchObject({ number: b, parent: base });
  expect(rebuilt?.sha).not.toBe(second);
  expect(groups().map((g) => [g.action, g.reason, g.group.head_sha])).toEqual([
    ["destroyed", "dequeued", first],
    ["destroyed", "invalidated", second],
    ["checks_requested", undefined, rebuilt?.sha],
  ]);
  expect(sink.received.find((r) => r.event === "pull_request")?.payload).toMatchObject({ action: "dequeued", reason: "MANUAL" });
  repo.dequeue(b, "alice");
});

it("only an admin enqueues a PR whose required checks did not pass; a failed group check removes it from the queue", async () => {
  const n = pr("feat/d");
  expect(() => repo.enqueue(n, "alice")).toThrow(/Required status check "ci" is expected/);
  const group = repo.enqueue(n, "bob");
  repo.reportCheck(group, { name: "ci", app: CI, conclusion: "failure" });
  await twin.idle();
  sink.received.length = 0;
  expect(repo.processMergeQueue("production")).toBe("removed");
  await twin.idle();
  expect(repo.mergeQueue()).toEqual([]);
  expect(repo.pr(n)).toMatchObject({ state: "open", merged: false });
  expect(groups()).toEqual([{ action: "destroyed", reason: "dequeued", group: expect.objectContaining({ head_sha: group }) }]);
  expect(sink.received.find((r) => r.event === "pull_request")?.payload).toMatchObject({ action: "dequeued", reason: "CI_FAILURE" });
  expect(() => repo.dequeue(n, "bob")).toThrow(/not queued/);
});
