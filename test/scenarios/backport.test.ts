/** Backport scenarios in the twin: duplicates, conflicts, already-contained, human close, /backport. */
import { startStack, type Stack } from "../../tools/sandbox/stack.js";
import { seedRepository } from "../../tools/sandbox/story.js";
import type { RepoHandle } from "../../tools/twin/index.js";

let stack: Stack;
afterEach(async () => {
  await stack?.close();
});

function mergeHotfix(repo: RepoHandle, name: string, files: Record<string, string>, method: "merge" | "squash" | "rebase" = "squash"): number {
  repo.commit(`hotfix/${name}`, { message: `Fix ${name}`, files, author: "alice", from: "production" });
  const pr = repo.openPR({ head: `hotfix/${name}`, base: "production", title: `Fix ${name}`, user: "alice" });
  repo.approve(pr, "bob");
  repo.merge(pr, { method, user: "carol" });
  return pr;
}
const backports = (repo: RepoHandle, source: number) =>
  [...repo.state.issues.values()].filter((i) => i.pull?.headRef === `backport/development/pr-${source}`).map((i) => repo.pr(i.number));
const botComments = (repo: RepoHandle, pr: number, marker: string) => repo.comments(pr).filter((c) => c.user === "branch-steward[bot]" && c.body.startsWith(marker));

it.each(["merge", "squash", "rebase"] as const)("backports a %s-merged hotfix exactly once when every delivery arrives twice", async (method) => {
  stack = await startStack({ twin: { webhooks: { duplicateRate: 1 } } });
  const repo = seedRepository(stack.twin);
  const hotfix = mergeHotfix(repo, "x", { "model/thresholds.yml": "drift: 0.1\n" }, method);
  await stack.twin.idle({ timeoutMs: 20_000 });

  expect(stack.twin.deliveries.filter((d) => d.duplicate).length).toBeGreaterThan(0);
  const [backport, ...more] = backports(repo, hotfix);
  expect(more).toEqual([]);
  expect(backport).toMatchObject({ baseRef: "development", state: "open", merged: false, labels: ["backport"] });
  expect(repo.ref(`heads/backport/development/pr-${hotfix}`)).toBe(repo.pr(hotfix).mergeCommitSha);
  expect(botComments(repo, hotfix, "<!-- branch-steward:backport -->")).toHaveLength(1);
  expect(repo.labels(hotfix)).toEqual(["backport-pending"]);

  repo.merge(backport?.number ?? 0, { method: "merge", user: "bob" });
  await stack.twin.idle({ timeoutMs: 20_000 });
  expect(repo.isAncestor(repo.branchHead("production") ?? "", repo.branchHead("development") ?? "")).toBe(true);
  expect(repo.labels(hotfix)).toEqual(["backported"]);
});

it("opens a conflicting backport anyway, labels it and posts exact commands, never conflict markers", async () => {
  stack = await startStack();
  const repo = seedRepository(stack.twin);
  repo.commit("development", { message: "Retune thresholds", files: { "model/thresholds.yml": "drift: 0.30\n" }, author: "bob" });
  const hotfix = mergeHotfix(repo, "thresholds", { "model/thresholds.yml": "drift: 0.12\n" });
  await stack.twin.idle({ timeoutMs: 20_000 });

  const [backport] = backports(repo, hotfix);
  expect(backport).toMatchObject({ mergeable: false, labels: ["backport", "backport-conflict"] });
  const [comment] = botComments(repo, backport?.number ?? 0, "<!-- branch-steward:backport-conflict -->");
  expect(comment?.body).toContain(`git switch --track origin/backport/development/pr-${hotfix}\ngit merge origin/development`);
  expect(Object.values(repo.files(`backport/development/pr-${hotfix}`)).join("")).not.toMatch(/^(<<<<<<<|>>>>>>>)/m);
});

it("opens no PR when development already contains the change", async () => {
  stack = await startStack();
  const repo = seedRepository(stack.twin);
  repo.commit("hotfix/dev-has-it", { message: "Docs", files: { "README.md": "# forecast\nDocs.\n" }, author: "alice", from: "production" });
  const pr = repo.openPR({ head: "hotfix/dev-has-it", base: "production", title: "Docs", user: "alice" });
  repo.merge(pr, { method: "merge", user: "carol" });
  // Development takes production (fast-forward) before branch-steward hears of the merge.
  stack.twin.setOnline(false);
  await stack.twin.idle();
  repo.forcePush("development", repo.branchHead("production") ?? "", "carol");
  stack.twin.setOnline(true);
  const merged = stack.twin.deliveries.find((d) => d.event === "pull_request" && d.action === "closed");
  expect(merged).toBeDefined();
  repo.comment(pr, "carol", "/backport");
  await stack.twin.idle({ timeoutMs: 20_000 });

  expect(backports(repo, pr)).toEqual([]);
  expect(repo.labels(pr)).toEqual(["backport-not-needed"]);
  expect(botComments(repo, pr, "<!-- branch-steward:backport -->")[0]?.body).toContain("Already in `development`");
});

it("does not reopen a backport a human closed, until someone with write access says /backport", async () => {
  stack = await startStack();
  const repo = seedRepository(stack.twin);
  const hotfix = mergeHotfix(repo, "y", { "pipeline/infer.py": "def infer():\n    return 'v1.0.1'\n" });
  await stack.twin.idle({ timeoutMs: 20_000 });
  const [backport] = backports(repo, hotfix);
  repo.close(backport?.number ?? 0, "bob");
  await stack.twin.idle();

  repo.comment(hotfix, "dave", "/backport"); // read access only
  await stack.twin.idle({ timeoutMs: 20_000 });
  expect(repo.pr(backport?.number ?? 0).state).toBe("closed");
  expect(repo.comments(hotfix).some((c) => c.body.includes("reserved for people with write access"))).toBe(true);

  repo.comment(hotfix, "bob", "/backport");
  await stack.twin.idle({ timeoutMs: 20_000 });
  expect(backports(repo, hotfix).map((p) => p.state)).toEqual(["open"]);
  expect(botComments(repo, hotfix, "<!-- branch-steward:backport -->")).toHaveLength(1);
});

it("merges a sync back so that production stays an ancestor of development", async () => {
  stack = await startStack();
  const repo = seedRepository(stack.twin);
  repo.commit("development", { message: "Feature", files: { "f.txt": "1\n" }, author: "alice" });
  const sync = repo.openPR({ head: "development", base: "production", title: "Sync", user: "carol" });
  repo.merge(sync, { method: "merge", user: "carol" });
  await stack.twin.idle({ timeoutMs: 20_000 });
  const [back] = backports(repo, sync);
  expect(back).toMatchObject({ title: `[development] Merge production back after sync #${sync}`, mergeable: true });
  repo.merge(back?.number ?? 0, { method: "merge", user: "bob" });
  expect(repo.isAncestor(repo.branchHead("production") ?? "", repo.branchHead("development") ?? "")).toBe(true);
});

describe("cherry-pick mode (opt-in)", () => {
  const CONFIG = (onConflict: string) => `backport:\n  strategy: cherry-pick\n  on_cherry_pick_conflict: ${onConflict}\nvalidation:\n  sync: { required: [], opt_out: true }\n`;
  function seedWith(config: string): RepoHandle {
    const repo = seedRepository(stack.twin);
    repo.commit("production", { message: "Config", files: { ".github/branch-steward.yml": config }, author: "carol" });
    repo.commit("development", { message: "Dev work", files: { "pipeline/features.py": "REGIONS = 12\n", ".github/branch-steward.yml": config }, author: "bob" });
    return repo;
  }
  const tempBranches = (repo: RepoHandle) => [...repo.state.refs.keys()].filter((r) => r.includes("-pick-"));

  it.each(["squash", "rebase", "merge"] as const)("picks the net change of a %s merge onto development, leaves no scratch branch", async (method) => {
    stack = await startStack();
    const repo = seedWith(CONFIG("merge-back"));
    repo.commit("hotfix/pick", { message: "Fix part 1", files: { "model/thresholds.yml": "drift: 0.11\n" }, author: "alice", from: "production" });
    repo.commit("hotfix/pick", { message: "Fix part 2", files: { "pipeline/infer.py": "def infer():\n    return 'v1.0.1'\n" }, author: "alice" });
    const pr = repo.openPR({ head: "hotfix/pick", base: "production", title: "Fix drift", user: "alice" });
    repo.merge(pr, { method, user: "carol" });
    await stack.twin.idle({ timeoutMs: 20_000 });

    const [backport] = backports(repo, pr);
    expect(backport).toMatchObject({ mergeable: true, labels: ["backport"] });
    const head = repo.commitOf(`backport/development/pr-${pr}`);
    expect(head.parents).toEqual([repo.branchHead("development")]);
    expect(head.message).toContain(`(cherry picked from commit ${repo.pr(pr).mergeCommitSha}`);
    expect(repo.files(`backport/development/pr-${pr}`)).toMatchObject({
      "model/thresholds.yml": "drift: 0.11\n",
      "pipeline/infer.py": "def infer():\n    return 'v1.0.1'\n",
      "pipeline/features.py": "REGIONS = 12\n", // development's own work is kept
    });
    expect(tempBranches(repo)).toEqual([]);
  });

  it("falls back to a merge-back PR on conflict, commits no markers, and cleans up", async () => {
    stack = await startStack({ logLevel: process.env.DEBUG_STACK ? "warn" : "silent" });
    const repo = seedWith(CONFIG("merge-back"));
    repo.commit("development", { message: "Retune", files: { "model/thresholds.yml": "drift: 0.30\n" }, author: "bob" });
    const pr = mergeHotfix(repo, "conflict", { "model/thresholds.yml": "drift: 0.12\n" });
    await stack.twin.idle({ timeoutMs: 20_000 });

    const [backport] = backports(repo, pr);
    expect(repo.ref(`heads/backport/development/pr-${pr}`)).toBe(repo.pr(pr).mergeCommitSha);
    expect(backport).toMatchObject({ labels: ["backport", "backport-conflict"] });
    expect(repo.state.issues.get(backport?.number ?? 0)?.body).toContain("The cherry-pick conflicted, so this is a merge-back PR instead.");
    expect(tempBranches(repo)).toEqual([]);
  });

  it("opens one tracking issue on conflict when configured, even if the merge is delivered twice", async () => {
    stack = await startStack({ twin: { webhooks: { duplicateRate: 1 } }, logLevel: process.env.DEBUG_STACK ? "warn" : "silent" });
    const repo = seedWith(CONFIG("issue"));
    repo.commit("development", { message: "Retune", files: { "model/thresholds.yml": "drift: 0.30\n" }, author: "bob" });
    const pr = mergeHotfix(repo, "conflict", { "model/thresholds.yml": "drift: 0.12\n" });
    await stack.twin.idle({ timeoutMs: 20_000 });

    expect(backports(repo, pr)).toEqual([]);
    const issues = [...repo.state.issues.values()].filter((i) => !i.pull && i.title.startsWith(`Backport #${pr}`));
    expect(issues).toHaveLength(1);
    expect(botComments(repo, pr, "<!-- branch-steward:backport -->")[0]?.body).toContain(`tracking issue #${issues[0]?.number}`);
    expect(tempBranches(repo)).toEqual([]);
  });
});
