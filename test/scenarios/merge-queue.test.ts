/**
 * The merge queue end to end: the real app and the twin over HTTP. The story (tools/sandbox)
 * asserts an allowed PR, a blocked PR enqueued by an admin and a sync validated on its group;
 * these tests add `destroyed` and the sweep repairing a lost `merge_group` delivery.
 */
import { startStack, type Stack } from "../../tools/sandbox/stack.js";
import { CI_APP, MERGE_QUEUE_CONFIG, runMergeQueueStory, seedRepository } from "../../tools/sandbox/story.js";
import type { RepoHandle } from "../../tools/twin/index.js";

let stack: Stack;
afterEach(async () => {
  await stack?.close();
});

/** Quiet: every delivery answered (generous: the suite shares the machine with the rest of the run). */
const idle = () => stack.twin.idle({ timeoutMs: 60_000 });
const writes = (s: Stack) => s.twin.requests.filter((r) => r.write && !r.route?.startsWith("POST /app/")).map((r) => `${r.route} ${r.path}`);
const ours = (repo: RepoHandle, sha: string) => repo.checkRuns(sha).filter((r) => r.name === "branch-steward / production" && r.app.slug === "branch-steward");

/** A hotfix PR with its inference-tests green on its head, checked by the app: ready to enqueue. */
async function readyHotfix(repo: RepoHandle, branch: string): Promise<number> {
  repo.commit(branch, { message: `Fix ${branch}`, files: { [`${branch}.txt`]: "1\n" }, author: "alice", from: "production" });
  const n = repo.openPR({ head: branch, base: "production", title: `Fix ${branch}`, user: "alice" });
  repo.reportCheck(repo.pr(n).headSha, { name: "inference-tests", app: CI_APP, conclusion: "success" });
  await idle();
  return n;
}

it("plays the merge queue story: an allowed hotfix (released from its group commit), an admin-enqueued blocked PR, a sync validated on its group", async () => {
  stack = await startStack();
  await runMergeQueueStory(stack);
  expect(stack.twin.unhandled).toEqual([]);
  expect(stack.twin.deliveries.filter((d) => d.event === "merge_group").map((d) => d.action)).toEqual([
    "checks_requested",
    "destroyed",
    "checks_requested",
    "destroyed",
    "checks_requested",
    "destroyed",
  ]);
  expect(stack.twin.deliveries.every((d) => d.statusCode >= 200 && d.statusCode < 300)).toBe(true);
}, 90_000);

it("destroyed (dequeued) writes nothing; the group's last check stays as it was", async () => {
  stack = await startStack();
  const repo = seedRepository(stack.twin, { config: MERGE_QUEUE_CONFIG });
  const n = await readyHotfix(repo, "hotfix/dequeue-me");
  const group = repo.enqueue(n, "alice");
  await idle();
  expect(ours(repo, group)).toMatchObject([{ status: "completed", conclusion: "success" }]);

  const before = writes(stack).length;
  repo.dequeue(n, "alice");
  await idle();
  expect(stack.twin.deliveries.filter((d) => d.event === "merge_group").map((d) => d.action)).toEqual(["checks_requested", "destroyed"]);
  expect(writes(stack).slice(before)).toEqual([]);
  expect(ours(repo, group)).toHaveLength(1);
}, 60_000);

it("a lost checks_requested delivery is repaired by the sweep: the group gets its check, a second sweep writes nothing", async () => {
  stack = await startStack();
  const repo = seedRepository(stack.twin, { config: MERGE_QUEUE_CONFIG });
  const n = await readyHotfix(repo, "hotfix/lost-group");
  stack.twin.setOnline(false); // the merge_group delivery fails
  const group = repo.enqueue(n, "alice");
  await idle();
  stack.twin.setOnline(true);
  expect(ours(repo, group)).toEqual([]);

  // No redelivery: the merge-groups reconciler alone finds the group through its queue branch.
  const summary = await stack.sweep({ maxRedeliveries: 0 });
  await idle();
  expect(summary.redeliveries.redelivered).toBe(0);
  expect(ours(repo, group)).toMatchObject([{ status: "completed", conclusion: "success", output: { title: `merge group allowed: #${n}` } }]);
  const before = writes(stack).length;
  await stack.sweep({ maxRedeliveries: 0 });
  await idle();
  expect(writes(stack).slice(before)).toEqual([]);
}, 60_000);

it("a group of two: the second entry's group holds the first PR too, so an admin-enqueued blocked PR ahead fails both groups", async () => {
  stack = await startStack();
  const repo = seedRepository(stack.twin, { config: MERGE_QUEUE_CONFIG });
  repo.commit("feature/ahead", { message: "Jump the queue", files: { "ahead.txt": "1\n" }, author: "alice", from: "development" });
  const blocked = repo.openPR({ head: "feature/ahead", base: "production", title: "Jump the queue", user: "alice" });
  const allowed = await readyHotfix(repo, "hotfix/behind");
  const first = repo.enqueue(blocked, "carol"); // carol is an admin
  const second = repo.enqueue(allowed, "alice");
  await idle();

  expect(ours(repo, first)).toMatchObject([{ conclusion: "failure", output: { title: `#${blocked}: feature/ahead → production is not an allowed flow` } }]);
  const [check] = ours(repo, second);
  expect(check).toMatchObject({ conclusion: "failure", output: { title: `#${blocked}: feature/ahead → production is not an allowed flow` } });
  expect(check?.output.summary).toContain(`Merge queue group of 2 pull requests into \`production\`: #${blocked}, #${allowed}.`);

  // The blocked PR leaves the queue: the second entry is rebuilt on production and now passes alone.
  repo.dequeue(blocked, "carol");
  await idle();
  const [rebuilt] = repo.mergeQueue("production");
  expect(rebuilt?.number).toBe(allowed);
  expect(ours(repo, rebuilt?.sha ?? "")).toMatchObject([{ conclusion: "success", output: { title: `merge group allowed: #${allowed}` } }]);
}, 60_000);
