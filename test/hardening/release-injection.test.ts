/**
 * The release notes renderer (src/render/release.ts, owned by the release work): user text in
 * the GitHub Release body. These tests pin what is safe today; the gaps found are reported to
 * its owner rather than fixed here (see the hardening report): check names in the evidence
 * table pass through `cell()` only, and `@` in titles and commit messages is not neutralised.
 */

import type { ObservedCheck } from "../../src/policy/types.js";
import type { ReleaseNotesData } from "../../src/policy/release.js";
import { renderReleaseNotes } from "../../src/render/release.js";

const HTML = "</details><img src=x onerror=alert(1)>";
const LINK = "[x](javascript:alert(1))";

function notes(text: string, checkName = "inference-tests"): ReleaseNotesData {
  const check: ObservedCheck = { source: "check_run", name: checkName, reporter: "staging-ci", status: "completed", conclusion: "success", url: "https://ci.example/1", startedAt: "2026-01-01T00:00:00Z", completedAt: "2026-01-01T00:01:00Z", id: 1 };
  return {
    repoHtmlUrl: "https://github.com/acme/forecast",
    tag: "v1.0.1",
    previous: "v1.0.0",
    bumpReason: "Patch: the hotfix.",
    pull: { number: 3, title: text, url: "https://github.com/acme/forecast/pull/3", author: "alice", mergedBy: "bob", mergedAt: "2026-01-01T00:02:00Z", approvers: ["carol"] },
    flow: "hotfix",
    mergeSha: "a".repeat(40),
    headSha: "b".repeat(40),
    includedPulls: [{ number: 2, title: text }],
    commits: [{ sha: "c".repeat(40), message: `${text}\n\nbody ${HTML}`, author: "alice", parents: [] }],
    totalCommits: 1,
    evidence: [{ name: "inference-tests", head: [check, { ...check, id: 2, name: `${checkName}-2` }], merge: [] }],
    validationFlow: "hotfix",
    runningOnMerge: [],
    revertedBy: [],
    ignoredTags: [],
  };
}

/** Raw HTML outside code spans, ignoring the renderer's own markers and <sub>/<br>. */
function rawHtml(markdown: string): string[] {
  const withoutCode = markdown.replace(/(`+)[\s\S]*?\1/g, "").replace(/\\[<>]/g, "");
  return (withoutCode.match(/<(?!!-- branch-steward|\/?sub>|br>)[A-Za-z/!][^>]*>?/g) ?? []);
}

it("escapes HTML and links in PR titles and commit messages", () => {
  for (const text of [HTML, LINK, "<script>alert(1)</script>", "a | b", "`code` </details>"]) {
    const body = renderReleaseNotes(notes(text));
    expect(rawHtml(body)).toEqual([]);
    expect(body).not.toMatch(/(?<!\\)\]\(javascript:/);
    expect(body.split("\n").filter((l) => l.startsWith("| `inference-tests`"))).toHaveLength(1);
  }
});

it("keeps commit message bodies out of the notes (first line only)", () => {
  expect(renderReleaseNotes(notes("fix"))).not.toContain("body ");
});
