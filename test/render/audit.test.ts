import type { AuditFinding, AuditResult } from "../../src/policy/audit.js";
import { auditJson, explainFinding, renderAuditMarkdown, renderAuditText } from "../../src/render/audit.js";
import { CHECK_TEXT, COMMENT_BODY, fits } from "../../src/render/limits.js";

const W = { repo: "acme/model" };

const EVERY: AuditFinding[] = [
  { id: "unreadable", part: "classic protection of main", status: 403, reason: "Resource not accessible by integration", severity: "warning", tier: null },
  { id: "unverified", branch: "main", rule: "force-push-allowed", missing: ["classic protection of main"], severity: "warning", tier: null },
  { id: "not-pr-only", branch: "main", severity: "error", tier: null },
  { id: "force-push-allowed", branch: "main", severity: "error", tier: 1 },
  { id: "deletion-allowed", branch: "main", severity: "error", tier: 1 },
  { id: "check-not-required", branch: "main", check: "branch-steward / main", severity: "error", tier: 3 },
  { id: "check-not-pinned", branch: "main", check: "branch-steward / main", pinnedTo: 15368, appId: 4242, severity: "warning", tier: null },
  { id: "not-up-to-date", branch: "main", severity: "warning", tier: 2 },
  { id: "too-few-approvals", branch: "main", required: 2, actual: 1, severity: "warning", tier: 4 },
  { id: "admins-bypass", branch: "main", severity: "warning", tier: 1 },
  { id: "bypass-actors", branch: "main", ruleset: "team", actors: [{ actorId: 5, actorType: "RepositoryRole", bypassMode: "always" }], severity: "warning", tier: null },
  { id: "ruleset-not-enforced", ruleset: "branch-steward (production)", enforcement: "evaluate", severity: "warning", tier: null },
  { id: "sync-unvalidated", flow: "sync", optedOut: false, severity: "error", tier: null },
  { id: "merge-queue-unhandled", branch: "main", known: true, severity: "error", tier: null },
  { id: "tags-unprotected", pattern: "refs/tags/v*", missing: ["creation"], appBypass: true, severity: "warning", tier: null },
  { id: "untagged-merge", number: 12, mergeCommitSha: "abc", mergedAt: "2025-01-01T00:00:00Z", severity: "warning", tier: null },
  { id: "tag-off-production", tag: "v9.0.0", severity: "warning", tier: null },
  { id: "non-semver-tags", tags: ["vnext"], severity: "info", tier: null },
  { id: "hotfix-not-backported", number: 7, ageDays: 1, backport: 8, severity: "warning", tier: null },
  { id: "missing-from-development", count: 1, severity: "warning", tier: null },
  { id: "stale-sync", days: 45, severity: "warning", tier: null },
];

const result = (findings: readonly AuditFinding[], unreadable: string[] = []): AuditResult => ({ repo: "acme/model", findings, summary: { daysSinceSync: 45, unreadable } });

describe("explainFinding", () => {
  it.each(EVERY.map((f) => [f.id, f] as const))("words %s: a title, what it means and the exact fix", (_id, f) => {
    const e = explainFinding(f, W);
    expect(e.title.length).toBeGreaterThan(10);
    expect(e.meaning.length).toBeGreaterThan(20);
    expect(e.fix.length).toBeGreaterThan(10);
    expect(e.title).not.toMatch(/undefined|null|\[object/);
  });

  it("points protection findings at protect, with the repository", () => {
    expect(explainFinding(EVERY[3] as AuditFinding, W).fix).toBe(
      "run `branch-steward protect --rulesets --repo acme/model` (or `branch-steward protect --repo acme/model` for classic protection)",
    );
    expect(explainFinding(EVERY[18] as AuditFinding, W)).toMatchObject({ title: "hotfix #7 merged 1 day ago has no merged backport (backport #8 is not merged)", fix: "review and merge backport PR #8" });
  });
});

describe("renderAuditText / renderAuditMarkdown", () => {
  it("says a clean result in two lines, and an incomplete one is never clean", () => {
    expect(renderAuditText(result([]), "warning")).toEqual(["branch-steward audit acme/model: no findings (fails on warning and above)", "Last sync: 45 days ago."]);
    expect(renderAuditText(result([EVERY[0] as AuditFinding], ["classic protection of main"]), "warning").slice(0, 2)).toEqual([
      "branch-steward audit acme/model: 1 warning (fails on warning and above)",
      "Incomplete: could not read classic protection of main.",
    ]);
  });

  it("escapes names people chose (a ruleset, a branch) in markdown", () => {
    const hostile: AuditFinding = { id: "bypass-actors", branch: "main", ruleset: "<img src=x onerror=alert(1)> @org/admins", actors: [], severity: "warning", tier: null };
    const md = renderAuditMarkdown(result([hostile]));
    // Only escaped forms remain: `\<img` (markdown escape) or `&lt;img` (entity).
    expect(md).not.toMatch(/(?<!\\)<img/);
    expect(md).toContain("&lt;img");
    expect(md).not.toMatch(/(^|[^\w&#;])@org/);
  });

  it("fits a check run's and a comment's limit whatever the number of findings, and says where the rest is", () => {
    const many = Array.from({ length: 5000 }, (_, i): AuditFinding => ({ id: "untagged-merge", number: i + 1, mergeCommitSha: "f".repeat(40), mergedAt: "2025-01-01T00:00:00Z", severity: "warning", tier: null }));
    for (const limit of [CHECK_TEXT, COMMENT_BODY]) {
      const md = renderAuditMarkdown(result(many), limit);
      expect(fits(md, limit)).toBe(true);
      expect(md.endsWith("… more findings: run `branch-steward audit` for the whole report.")).toBe(true);
    }
    expect(renderAuditMarkdown(result(EVERY))).not.toContain("more findings");
  });
});

describe("auditJson", () => {
  it("has stable keys: the document, and each finding with its words and its facts", () => {
    const doc = auditJson(result(EVERY.slice(3, 5)), "warning", 1);
    expect(Object.keys(doc)).toEqual(["version", "repository", "fail_on", "exit_code", "complete", "unreadable", "days_since_sync", "counts", "findings"]);
    expect(doc).toMatchObject({ version: 1, repository: "acme/model", fail_on: "warning", exit_code: 1, complete: true, counts: { error: 2, warning: 0, info: 0 } });
    const findings = doc.findings as Array<Record<string, unknown>>;
    expect(Object.keys(findings[0] ?? {})).toEqual(["id", "severity", "scorecard_tier", "title", "meaning", "fix", "facts"]);
    expect(findings[0]).toMatchObject({ id: "force-push-allowed", scorecard_tier: 1, facts: { branch: "main" } });
  });
});
