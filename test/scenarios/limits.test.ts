/**
 * Oversized and hostile input over HTTP, against the twin (which refuses what GitHub refuses):
 * a hotfix whose title is too long for `[development] <title> (backport #N)`, and a hotfix
 * branch whose name would break out of a code span.
 */
import { startStack, type Stack } from "../../tools/sandbox/stack.js";
import { CI_APP, seedRepository } from "../../tools/sandbox/story.js";
import type { RepoHandle } from "../../tools/twin/index.js";

let stack: Stack;
afterEach(async () => {
  await stack?.close();
});

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ours = (repo: RepoHandle, pr: number, marker: string) => repo.comments(pr).filter((c) => c.user === "branch-steward[bot]" && c.body.startsWith(marker));
const backports = (repo: RepoHandle, source: number) =>
  [...repo.state.issues.values()].filter((i) => i.pull?.headRef === `backport/development/pr-${source}`).map((i) => repo.pr(i.number));

function mergeHotfix(repo: RepoHandle, branch: string, title: string): number {
  repo.commit(branch, { message: "Fix the drift threshold", files: { "model/thresholds.yml": "drift: 0.12\n" }, author: "alice", from: "production" });
  const pr = repo.openPR({ head: branch, base: "production", title, user: "alice" });
  repo.reportCheck(repo.pr(pr).headSha, { name: "inference-tests", app: CI_APP, status: "completed", conclusion: "success" });
  repo.approve(pr, "bob");
  repo.merge(pr, { method: "squash", user: "carol" });
  return pr;
}

it("backports a hotfix whose title is 250 characters: the backport title is shortened to 256, never split inside a character", async () => {
  stack = await startStack();
  const repo = seedRepository(stack.twin);
  // `[development] ` + title + ` (backport #N)` is 278 characters; the cut falls inside the emoji.
  const title = `Fix ${"drift threshold ".repeat(14).slice(0, 222)}🛠️ and the rest of a very long hotfix title`.slice(0, 249).padEnd(250, ".");
  expect(title).toHaveLength(250);
  const hotfix = mergeHotfix(repo, "hotfix/long-title", title);
  await stack.twin.idle({ timeoutMs: 20_000 });

  const [backport, ...more] = backports(repo, hotfix);
  expect(more).toEqual([]);
  expect(backport?.state).toBe("open");
  const opened = backport?.title ?? "";
  expect(opened.length).toBeLessThanOrEqual(256);
  expect(opened.startsWith(`[development] ${title.slice(0, 200)}`)).toBe(true);
  expect(opened.endsWith(`… (backport #${hotfix})`)).toBe(true);
  expect(opened).not.toMatch(LONE_SURROGATE);
  expect(ours(repo, hotfix, "<!-- branch-steward:backport -->")[0]?.body).toContain(`Backport to \`development\`: #${backport?.number} (open)`);
  // The release of the same merge: a fitted name, and no request GitHub would refuse.
  const [release] = repo.releases();
  expect(release?.name?.startsWith("v1.0.1: Fix drift threshold")).toBe(true);
  expect(release?.name?.length).toBeLessThanOrEqual(120);
  expect(stack.twin.requests.filter((r) => r.status === 422 && r.route !== "POST /repos/{owner}/{repo}/git/refs")).toEqual([]);
});

it("quotes a hotfix branch named with a backtick exactly, and keeps a hostile title inert, in the backport PR and the release", async () => {
  stack = await startStack();
  const repo = seedRepository(stack.twin);
  const branch = "hotfix/a`b<img>$(id)";
  const hotfix = mergeHotfix(repo, branch, "Fix @everyone <img src=x onerror=alert(1)> [x](javascript:alert(1))");
  await stack.twin.idle({ timeoutMs: 20_000 });

  const [comment] = ours(repo, hotfix, "<!-- branch-steward:release -->");
  expect(comment?.body).toContain("Patch: the hotfix ``hotfix/a`b<img>$(id)``.");
  const notes = repo.releases()[0]?.body ?? "";
  expect(notes).toContain("**Bump:** Patch: the hotfix ``hotfix/a`b<img>$(id)``.");
  const [backport] = backports(repo, hotfix);
  for (const text of [notes, backport?.body ?? ""].map((t) => t.replaceAll("``hotfix/a`b<img>$(id)``", "(quoted branch)"))) {
    expect(text).not.toContain("@everyone");
    expect(text).not.toMatch(/(?<![\\`])<img/);
    expect(text).not.toMatch(/(?<!\\)\]\(javascript:/);
  }
});
