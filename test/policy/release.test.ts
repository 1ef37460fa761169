import fc from "fast-check";
import { observedCheck } from "../support/checks.js";
import {
  approversOf,
  collectEvidence,
  detectRevert,
  firstParentPredecessors,
  isEvidenceCheck,
  parseTagMetadata,
  pullsFromCommits,
  revertedByIn,
  runningOnMerge,
  type CommitFact,
  type TagMetadata,
} from "../../src/policy/release.js";
import { renderIncludedPulls, renderReleaseNotes, renderTagMessage, versionInReleaseComment, renderReleaseComment, withRevertedBy } from "../../src/render/release.js";
import { compiledChecks } from "../support/policy.js";

const OPTS = { revertLabel: "revert", prefix: "v", repoFullName: "acme/forecast" };
const check = observedCheck;

describe("rollback detection", () => {
  it("recognises GitHub's revert title and finds the PR it reverts", () => {
    expect(detectRevert({ title: 'Revert "Fix drift threshold"', body: "Reverts acme/forecast#12", labels: [] }, OPTS)).toEqual({
      tag: null,
      pullNumber: 12,
      cause: { kind: "title" },
    });
    expect(detectRevert({ title: "Undo the threshold", body: "This reverts #31.", labels: ["revert"] }, OPTS)).toMatchObject({ pullNumber: 31, cause: { kind: "label", label: "revert" } });
  });

  it("prefers a version named in the title or body", () => {
    expect(detectRevert({ title: 'Revert "v1.1.1 threshold"', body: "", labels: [] }, OPTS)?.tag).toBe("v1.1.1");
    expect(detectRevert({ title: "Roll back", body: "Rolls back v2.3.0-rc.1.\nReverts #4", labels: ["revert"] }, OPTS)).toMatchObject({ tag: "v2.3.0-rc.1", pullNumber: 4 });
    expect(detectRevert({ title: "Roll back", body: "see xv1.2.3 and v1.2", labels: ["revert"] }, OPTS)?.tag).toBeNull();
  });

  it("ignores references to other repositories, and PRs that are not rollbacks", () => {
    expect(detectRevert({ title: 'Revert "x"', body: "Reverts other/repo#9", labels: [] }, OPTS)?.pullNumber).toBeNull();
    expect(detectRevert({ title: "Reverting the cache is discussed", body: "Reverts #3", labels: [] }, OPTS)).toBeNull();
  });
});

describe("evidence", () => {
  const required = compiledChecks([{ name: "inference-tests", app: "staging-ci" }, { name: "perf-*" }]);

  it("takes the latest result per name, from the pinned app, on the head and the merge commit", () => {
    const head = [check("inference-tests", { conclusion: "failure", startedAt: "2026-11-26T10:00:00Z" }), check("inference-tests"), check("inference-tests", { reporter: "mallory" }), check("perf-gpu")];
    const merge = [check("inference-tests", { status: "in_progress", conclusion: null, completedAt: null })];
    const rows = collectEvidence(required, head, merge);
    expect(rows.map((r) => [r.name, r.head.map((c) => `${c.name}:${c.conclusion}:${c.reporter}`), r.merge.length])).toEqual([
      ["inference-tests", ["inference-tests:success:staging-ci"], 1],
      ["perf-*", ["perf-gpu:success:staging-ci"], 0],
    ]);
    expect(runningOnMerge(rows)).toEqual(["inference-tests"]);
  });

  it("knows which check names matter for release evidence", () => {
    expect(isEvidenceCheck("perf-cpu", required)).toBe(true);
    expect(isEvidenceCheck("lint", required)).toBe(false);
  });
});

describe("approvers, included PRs, predecessors", () => {
  it("counts each reviewer's latest review that counts", () => {
    expect(
      approversOf([
        { id: 1, user: "bob", state: "APPROVED" },
        { id: 2, user: "bob", state: "COMMENTED" },
        { id: 3, user: "dave", state: "APPROVED" },
        { id: 4, user: "dave", state: "CHANGES_REQUESTED" },
        { id: 5, user: "alice", state: "CHANGES_REQUESTED" },
        { id: 6, user: "alice", state: "APPROVED" },
        { id: 7, user: null, state: "APPROVED" },
      ]),
    ).toEqual(["alice", "bob"]);
  });

  const commit = (sha: string, message: string, parents: string[] = []): CommitFact => ({ sha, message, author: "a", parents });

  it("derives PRs from merge commits and squash titles, once each, without the released PR", () => {
    const commits = [
      commit("1", "Merge pull request #3 from acme/feature/a\n\nAdd regional features"),
      commit("2", "Tune drift (#4)\n\n* wip"),
      commit("3", "Merge pull request #3 from acme/feature/a\n\nAgain"),
      commit("4", "Merge pull request #9 from acme/development\n\nSync"),
      commit("5", "Plain commit"),
    ];
    expect(pullsFromCommits(commits, 9)).toEqual([
      { number: 3, title: "Add regional features" },
      { number: 4, title: "Tune drift" },
    ]);
  });

  it("walks the first-parent chain back to the previous version", () => {
    // previous tag at T; production: T ← A (hotfix squash) ← P (direct push) ← M (sync merge, 2nd parent D from development)
    const commits = [commit("D", "dev", ["T"]), commit("A", "Fix A (#5)", ["T"]), commit("P", "push", ["A"]), commit("M", "Merge pull request #6", ["P", "D"])];
    expect(firstParentPredecessors("M", commits)).toEqual(["A", "P"]);
    expect(firstParentPredecessors("A", commits)).toEqual([]);
    expect(firstParentPredecessors("X", commits)).toEqual([]);
  });

  it("property: predecessors are a first-parent chain ending at the merge's parent", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), (n) => {
        const commits = Array.from({ length: n }, (_, i) => commit(`c${i}`, "m", [i === 0 ? "base" : `c${i - 1}`, `side${i}`]));
        expect(firstParentPredecessors(`c${n - 1}`, commits)).toEqual(commits.slice(0, -1).map((c) => c.sha));
      }),
    );
  });
});

describe("tag metadata and texts", () => {
  const meta: TagMetadata = {
    version: "1.1.0",
    tag: "v1.1.0",
    previous: "v1.0.0",
    pull: 5,
    merge_sha: "m".repeat(40),
    bump: "minor",
    bump_reason: "Minor: a sync of `development` into production.",
    flow: "sync",
    reverts: null,
    bypassed_check: false,
    evidence: [{ name: "inference-tests", on: "head", status: "completed", conclusion: "success", url: "https://ci/x", completed_at: "2026-11-26T11:10:00Z" }],
  };

  it("round-trips the metadata through the tag message, whose first line reads well", () => {
    const message = renderTagMessage(meta, "Sync development → production");
    expect(message.split("\n")[0]).toBe("v1.1.0: Sync development → production (#5)");
    expect(parseTagMetadata(message)).toEqual(meta);
    expect(parseTagMetadata("v1.0.0")).toBeNull();
    expect(parseTagMetadata("x\n\nbranch-steward release metadata:\n{broken")).toBeNull();
  });

  it("points a reverted release to its roll-forward once, and keeps that line when the notes are re-rendered", () => {
    const once = withRevertedBy("notes", "v1.1.2", "https://github.com/acme/forecast");
    expect(withRevertedBy(once, "v1.1.2", "https://github.com/acme/forecast")).toBe(once);
    expect(revertedByIn(once)).toEqual(["v1.1.2"]);
    const notes = renderReleaseNotes({
      repoHtmlUrl: "https://github.com/acme/forecast",
      tag: "v1.1.1",
      previous: "v1.1.0",
      bumpReason: "Patch.",
      pull: { number: 7, title: "Fix", url: "u", author: "alice", mergedBy: "carol", mergedAt: null, approvers: [] },
      flow: "hotfix",
      mergeSha: "m".repeat(40),
      headSha: "h".repeat(40),
      includedPulls: [],
      commits: [],
      totalCommits: 0,
      evidence: [],
      validationFlow: null,
      runningOnMerge: [],
      revertedBy: revertedByIn(once),
      ignoredTags: Array.from({ length: 12 }, (_, i) => `junk-${i}`),
    });
    expect(notes).toContain("⏪ **Reverted by [v1.1.2](https://github.com/acme/forecast/releases/tag/v1.1.2).**");
    expect(notes).toContain("ignored tags: `junk-0`, `junk-1`");
    expect(notes).toContain("and 2 more");
    expect(notes).toContain("No validation checks are configured for the hotfix flow.");
  });

  it("the release comment carries its version for a later revert to find", () => {
    const body = renderReleaseComment({ tag: "v1.2.0", releaseUrl: "u", previous: "v1.1.0", bumpReason: "Minor." });
    expect(versionInReleaseComment(body)).toBe("v1.2.0");
  });
});

describe("the included pull requests line", () => {
  const pulls = (n: number, title = "Change") => Array.from({ length: n }, (_, i) => ({ number: i + 1, title: `${title} ${i + 1}` }));
  const compare = "[compare v1.0.0...v1.1.0](https://github.com/acme/forecast/compare/v1.0.0...v1.1.0)";

  it("lists every PR when they fit, with no 'more'", () => {
    expect(renderIncludedPulls(pulls(2), 0, compare)).toBe("Pull requests: #1 Change 1; #2 Change 2.");
    expect(renderIncludedPulls([], 0, compare)).toBeNull();
  });

  it("caps by count and by characters, and counts the rest exactly", () => {
    const byCount = renderIncludedPulls(pulls(400), 0, compare, { count: 100, chars: 1e6 }) ?? "";
    expect([...byCount.matchAll(/#\d+ /g)]).toHaveLength(100);
    expect(byCount).toMatch(/#100 Change 100; and 300 more \(\[compare v1\.0\.0\.\.\.v1\.1\.0\]\(https:.*\)\)\.$/);
    const byChars = renderIncludedPulls(pulls(400, "x".repeat(250)), 0, null) ?? "";
    expect(byChars.length).toBeLessThan(31_000);
    const shown = [...byChars.matchAll(/#\d+ /g)].length;
    expect(byChars).toContain(`; and ${400 - shown} more.`);
  });

  it("when commits were not read, says their PRs may be missing instead of presenting the list as complete", () => {
    expect(renderIncludedPulls(pulls(3), 500, compare)).toBe(
      "Pull requests: #1 Change 1; #2 Change 2; #3 Change 3. 500 commits were not read, so they may name more pull requests: [compare v1.0.0...v1.1.0](https://github.com/acme/forecast/compare/v1.0.0...v1.1.0).",
    );
    expect(renderIncludedPulls([], 1, null)).toBe("Pull requests: none found in the commits read. 1 commit was not read, so it may name more pull requests.");
  });

  it("never loses a PR: shown + 'more' is always the number found", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 1, max: 150 }), fc.integer({ min: 50, max: 20_000 }), (n, count, chars) => {
        const line = renderIncludedPulls(pulls(n), 0, null, { count, chars });
        if (n === 0) return expect(line).toBeNull();
        const shown = [...(line ?? "").matchAll(/#\d+ Change/g)].length;
        const more = Number(/; and (\d+) more/.exec(line ?? "")?.[1] ?? 0);
        expect(shown + more).toBe(n);
        expect(shown).toBeLessThanOrEqual(count);
      }),
    );
  });
});
