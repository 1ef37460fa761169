/** Release texts within GitHub's limits, with what they leave out said and the user text inert. */
import { decideBump } from "../../src/policy/version.js";
import { REVERTED_BY_MARKER, revertedByIn, type ReleaseNotesData, type TagMetadata } from "../../src/policy/release.js";
import { COMMENT_BODY, RELEASE_BODY } from "../../src/render/limits.js";
import {
  RELEASE_COMMENT_MARKER,
  bumpReasonText,
  releaseName,
  releaseProblemText,
  renderReleaseProblem,
  revertWhyText,
  renderReleaseComment,
  renderReleaseNotes,
  renderReleaseProblemComment,
  renderTagMessage,
  versionInReleaseComment,
  withRevertedBy,
} from "../../src/render/release.js";

const repoHtmlUrl = "https://github.com/acme/forecast";
const notes = (over: Partial<ReleaseNotesData> = {}): ReleaseNotesData => ({
  repoHtmlUrl,
  tag: "v1.1.0",
  previous: "v1.0.0",
  bumpReason: "Minor: a sync of `development` into production.",
  pull: { number: 3, title: "Sync", url: `${repoHtmlUrl}/pull/3`, author: "alice", mergedBy: "bob", mergedAt: "2026-01-01T00:02:00Z", approvers: ["carol"] },
  flow: "sync",
  mergeSha: "a".repeat(40),
  headSha: "b".repeat(40),
  includedPulls: [],
  commits: [],
  totalCommits: 0,
  evidence: [],
  validationFlow: null,
  runningOnMerge: [],
  revertedBy: [],
  ignoredTags: [],
  ...over,
});

describe("release notes", () => {
  it("stay within 125,000 characters with 10,000 included PRs and long commit messages, say so with the compare link, and keep the reverted-by lines", () => {
    const includedPulls = Array.from({ length: 10_000 }, (_, i) => ({ number: i + 10, title: `Feature ${i} ${"x".repeat(80)}` }));
    // The PR list and the commit list are each capped; together they still pass 125,000.
    const commits = Array.from({ length: 40 }, (_, i) => ({ sha: String(i).padStart(40, "c"), message: `Commit ${i} ${"y".repeat(10_000)}`, author: "alice", parents: [] }));
    const body = renderReleaseNotes(notes({ includedPulls, commits, totalCommits: 40, revertedBy: ["v1.1.1"] }));
    expect(body).toContain("and 9900 more");
    expect(body.length).toBeLessThanOrEqual(RELEASE_BODY.chars);
    expect(body.startsWith("<!-- branch-steward:release-notes -->\n## v1.1.0")).toBe(true);
    expect(body).toContain(`… shortened: GitHub limits release notes to 125,000 characters. Every change: [compare v1.0.0...v1.1.0](${repoHtmlUrl}/compare/v1.0.0...v1.1.0).`);
    expect(revertedByIn(body)).toEqual(["v1.1.1"]);
    expect(body.endsWith(`⏪ **Reverted by [v1.1.1](${repoHtmlUrl}/releases/tag/v1.1.1).**`)).toBe(true);
  });

  it("name how many commits are left out and where they are", () => {
    const commits = Array.from({ length: 250 }, (_, i) => ({ sha: `${i}`.padStart(40, "c"), message: `Commit ${i}`, author: null, parents: [] }));
    const body = renderReleaseNotes(notes({ commits, totalCommits: 900 }));
    expect(body).toContain(`- … and 870 more commits: [compare v1.0.0...v1.1.0](${repoHtmlUrl}/compare/v1.0.0...v1.1.0)`);
  });

  it("point a reverted release at its roll-forward within the limit, once", () => {
    const full = `<!-- branch-steward:release-notes -->\n## v1.0.0\n\n${"- a line of notes\n".repeat(10_000)}`.slice(0, RELEASE_BODY.chars);
    const once = withRevertedBy(full, "v1.0.1", repoHtmlUrl);
    expect(once.length).toBeLessThanOrEqual(RELEASE_BODY.chars);
    expect(once).toContain(`${REVERTED_BY_MARKER}v1.0.1 -->`);
    expect(once.endsWith(`⏪ **Reverted by [v1.0.1](${repoHtmlUrl}/releases/tag/v1.0.1).**`)).toBe(true);
    expect(withRevertedBy(once, "v1.0.1", repoHtmlUrl)).toBe(once);
  });
});

describe("the release comment", () => {
  it("quotes a branch with a backtick exactly in the bump reason and keeps the version marker", () => {
    const flow = { name: "hotfix", kind: "hotfix" as const };
    const reason = bumpReasonText(decideBump({ flow, source: "hotfix/a`b", title: "Fix", body: "", labels: [], labelNames: { major: "m", minor: "n", patch: "p", revert: "r" }, revert: false }));
    expect(reason).toBe("Patch: the hotfix ``hotfix/a`b``.");
    const body = renderReleaseComment({ tag: "v1.0.1", releaseUrl: `${repoHtmlUrl}/releases/tag/v1.0.1`, previous: "v1.0.0", bumpReason: reason });
    expect(body).toContain("\n\nPatch: the hotfix ``hotfix/a`b``.");
    expect(versionInReleaseComment(body)).toBe("v1.0.1");
  });

  it("keeps an old bump reason (stored in a tag) inert, and the comment within its limit", () => {
    const body = renderReleaseComment({ tag: "v1.0.1", releaseUrl: "u", previous: null, bumpReason: `Patch: the hotfix \`x\`<img src=x> @everyone ${"y".repeat(100_000)}` });
    expect(body).toContain("`x`&lt;img src=x> @&#8203;everyone");
    expect(body.length).toBeLessThanOrEqual(COMMENT_BODY.chars);
    expect(body.startsWith(RELEASE_COMMENT_MARKER)).toBe(true);
  });
});

describe("the not-released comment", () => {
  it("quotes config key paths exactly and lists at most 20 problems", () => {
    const issues = [
      { path: "backport.label`s", message: 'unknown key "label`s"' },
      { path: "<img src=x>", message: "@everyone" },
      ...Array.from({ length: 98 }, (_, i) => ({ path: `k${i}`, message: "unknown key" })),
    ];
    const { problem } = releaseProblemText({ code: "config-invalid", issues });
    expect(problem).toMatch(/^`\.github\/branch-steward\.yml` is invalid: ``backport\.label`s``: unknown key "label\\`s"; `<img src=x>`: @&#8203;everyone; /);
    expect(problem).toContain("; and 80 more (the branch-steward check of any governed PR lists them all).");
    const comment = renderReleaseProblemComment(problem, "Fix .github/branch-steward.yml on the default branch.");
    expect(comment).toContain("``backport.label`s``");
    expect(comment).not.toMatch(/(?<!`)<img/);
  });
});

describe("names and tag messages", () => {
  it("are shortened between characters", () => {
    const name = releaseName("v1.2.3", `${"a".repeat(110)}😀😀😀`);
    expect(name.length).toBeLessThanOrEqual(120);
    expect(name).toBe(`v1.2.3: ${"a".repeat(110)}…`);
    const meta = { tag: "v1.2.3", pull: 7 } as TagMetadata;
    const line = renderTagMessage(meta, `${"b".repeat(180)}😀😀😀😀😀`).split("\n")[0] ?? "";
    expect(line.length).toBeLessThanOrEqual(200);
    expect(line.endsWith("… (#7)")).toBe(true);
    expect(line).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe("bump reasons and release problems in words", () => {
  it("says each bump cause in today's words, byte for byte (they are stored in tag metadata)", () => {
    const cases: [Parameters<typeof bumpReasonText>[0], string][] = [
      [{ bump: "minor", cause: { kind: "sync", flow: "sync", source: "development" } }, "Minor: a sync of `development` into production."],
      [{ bump: "patch", cause: { kind: "hotfix", flow: "hotfix", source: "hotfix/x" } }, "Patch: the hotfix `hotfix/x`."],
      [{ bump: "patch", cause: { kind: "other-flow", flow: "custom", source: "x" } }, "Patch: `x` took the custom flow, which is neither a sync nor a hotfix."],
      [{ bump: "patch", cause: { kind: "no-flow", source: "feature/x" } }, "Patch: `feature/x` is not an allowed flow into production (merged anyway, e.g. by an admin), so it is treated as a fix."],
      [{ bump: "patch", cause: { kind: "label", label: "release:patch", outranks: [] } }, "Patch: the PR carries the label `release:patch`."],
      [{ bump: "major", cause: { kind: "label", label: "release:major", outranks: ["release:minor"] } }, "Major: the PR carries the label `release:major` (it outranks `release:minor`)."],
      [{ bump: "patch", cause: { kind: "revert" } }, "Patch: the PR is a rollback (a revert), released as a roll-forward."],
      [{ bump: "major", cause: { kind: "breaking-title" } }, "Major: the PR title marks a breaking change (`!` after the type)."],
      [{ bump: "major", cause: { kind: "breaking-body" } }, "Major: the PR description contains `BREAKING CHANGE`."],
    ];
    for (const [decision, text] of cases) expect(bumpReasonText(decision)).toBe(text);
  });

  it("says why a PR is a rollback", () => {
    expect(revertWhyText({ kind: "title" })).toBe("GitHub's revert title");
    expect(revertWhyText({ kind: "label", label: "revert" })).toBe("the `revert` label");
  });

  it("says each release problem with its fix", () => {
    const sha = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
    expect(releaseProblemText({ code: "version-conflict", previous: "v1.1.0", next: "v1.2.0", highest: "v1.2.0", mergeSha: sha })).toEqual({
      problem:
        "The previous version on this commit's history is `v1.1.0`, so this merge would be `v1.2.0`, but `v1.2.0` already exists on a commit that is not in this commit's history. Versions must increase along production's history, so branch-steward will not guess.",
      fix: "Tag the merge commit `a1b2c3d` by hand with the version you intend, or delete the misplaced tag if it was a mistake; branch-steward then publishes the release on redelivery.",
    });
    expect(releaseProblemText({ code: "no-ancestor-tag", checked: 50, mergeSha: sha }).problem).toBe("None of the 50 highest version tags is in the history of `a1b2c3d`.");
    expect(releaseProblemText({ code: "tag-race-exhausted", attempts: 5 }).problem).toBe("Another merge took the computed version 5 times in a row.");
    const config = renderReleaseProblem({ code: "config-invalid", issues: [{ path: "flows[0].from", message: "unknown placeholder {x}" }] });
    expect(config).toContain("⚠️ **branch-steward**: this merge was **not** tagged or released.");
    expect(config).toContain("`.github/branch-steward.yml` is invalid: `flows[0].from`: unknown placeholder {x}.");
    expect(config).toContain("then redeliver the `pull_request` closed webhook");
  });
});
