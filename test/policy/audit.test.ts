import { parseConfig } from "../../src/config/parse.js";
import type { CompiledConfig } from "../../src/config/compile.js";
import {
  auditExitCode,
  auditRepository,
  refPatternMatches,
  type AuditFacts,
  type BranchFacts,
  type EffectiveRuleFact,
  type FindingId,
} from "../../src/policy/audit.js";
import { UNPROTECTED } from "../../src/policy/protection.js";
import { RULESET_NAMES, type Ruleset } from "../../src/policy/rulesets.js";

const APP = 4242;
const NOW = "2025-03-01T00:00:00Z";

function config(raw: Record<string, unknown> = {}): CompiledConfig {
  const result = parseConfig({ validation: { sync: { required: ["staging / e2e"] } }, ...raw });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

const rule = (type: string, parameters?: Record<string, unknown>, rulesetId = 1): EffectiveRuleFact => ({
  type,
  ...(parameters ? { parameters } : {}),
  rulesetId,
  sourceType: "Repository",
  source: "acme/model",
});

function branchRules(branch: string, approvals: number, strict: boolean, rulesetId: number): EffectiveRuleFact[] {
  return [
    rule("pull_request", { required_approving_review_count: approvals }, rulesetId),
    rule("required_status_checks", { strict_required_status_checks_policy: strict, required_status_checks: [{ context: `branch-steward / ${branch}`, integration_id: APP }] }, rulesetId),
    rule("non_fast_forward", undefined, rulesetId),
    rule("deletion", undefined, rulesetId),
  ];
}

const ok = <T>(value: T) => ({ ok: true as const, value });
const denied = { ok: false as const, status: 403, reason: "Resource not accessible by integration" };

const rs = (over: Partial<Ruleset>): Ruleset => ({
  id: 1,
  name: RULESET_NAMES.production,
  target: "branch",
  sourceType: "Repository",
  source: "acme/model",
  enforcement: "active",
  include: ["refs/heads/production"],
  exclude: [],
  otherConditions: {},
  bypassActors: [],
  rules: [],
  ...over,
});

/** A repository that passes every rule. */
function clean(): AuditFacts {
  return {
    repo: "acme/model",
    now: NOW,
    appId: APP,
    branches: [
      { role: "production", branch: "production", rules: ok(branchRules("production", 2, true, 1)), classic: ok(null) },
      { role: "development", branch: "development", rules: ok(branchRules("development", 1, false, 2)), classic: ok(null) },
    ],
    rulesets: ok([
      rs({}),
      rs({ id: 2, name: RULESET_NAMES.development, include: ["refs/heads/development"] }),
      rs({
        id: 3,
        name: RULESET_NAMES.tags,
        target: "tag",
        include: ["refs/tags/v*"],
        bypassActors: [{ actorId: APP, actorType: "Integration", bypassMode: "always" }],
        rules: [{ type: "creation" }, { type: "update" }, { type: "deletion" }],
      }),
    ]),
    appEvents: ok(["pull_request", "merge_group"]),
    tags: ok({ names: ["v1.0.0", "v1.1.0"], commits: { "v1.1.0": "s2", "v1.0.0": "h1" }, relations: { "v1.1.0": "identical", "v1.0.0": "ancestor" } }),
    productionMerges: ok([
      { number: 8, source: "development", mergedAt: "2025-02-27T00:00:00Z", mergeCommitSha: "s2" },
      { number: 5, source: "hotfix/login", mergedAt: "2025-02-01T00:00:00Z", mergeCommitSha: "h1" },
    ]),
    hotfixes: ok([{ number: 5, source: "hotfix/login", mergedAt: "2025-02-01T00:00:00Z", mergeCommitSha: "h1", backport: { number: 6, merged: true } }]),
    missingFromDevelopment: ok(0),
  };
}

type Edit = (f: AuditFacts) => AuditFacts;
const onBranch = (name: string, edit: (b: BranchFacts) => BranchFacts): Edit => (f) => ({ ...f, branches: f.branches.map((b) => (b.branch === name ? edit(b) : b)) });
const withoutRule = (type: string) => (b: BranchFacts): BranchFacts => ({ ...b, rules: ok((b.rules.ok ? b.rules.value : []).filter((r) => r.type !== type)) });
const mapRule = (type: string, edit: (r: EffectiveRuleFact) => EffectiveRuleFact) => (b: BranchFacts): BranchFacts => ({
  ...b,
  rules: ok((b.rules.ok ? b.rules.value : []).map((r) => (r.type === type ? edit(r) : r))),
});

const CASES: Array<{ id: FindingId; why: string; edit: Edit; cfg?: CompiledConfig }> = ([
  ["not-pr-only", "production has no pull_request rule", onBranch("production", withoutRule("pull_request"))],
  ["force-push-allowed", "development has no non_fast_forward rule", onBranch("development", withoutRule("non_fast_forward"))],
  ["deletion-allowed", "production has no deletion rule", onBranch("production", withoutRule("deletion"))],
  [
    "check-not-required",
    "development requires another check only",
    onBranch("development", mapRule("required_status_checks", (r) => ({ ...r, parameters: { ...r.parameters, required_status_checks: [{ context: "ci" }] } }))),
  ],
  [
    "check-not-pinned",
    "production's check comes from any app",
    onBranch("production", mapRule("required_status_checks", (r) => ({ ...r, parameters: { ...r.parameters, required_status_checks: [{ context: "branch-steward / production" }] } }))),
  ],
  ["not-up-to-date", "production is not strict", onBranch("production", mapRule("required_status_checks", (r) => ({ ...r, parameters: { ...r.parameters, strict_required_status_checks_policy: false } })))],
  ["too-few-approvals", "production asks 1 approval", onBranch("production", mapRule("pull_request", (r) => ({ ...r, parameters: { required_approving_review_count: 1 } })))],
  ["admins-bypass", "classic protection exempts admins", onBranch("development", (b) => ({ ...b, classic: ok({ ...UNPROTECTED, reviews: null }) }))],
  [
    "bypass-actors",
    "a team may bypass production's ruleset",
    (f) => ({ ...f, rulesets: ok((f.rulesets.ok ? f.rulesets.value : []).map((r) => (r.id === 1 ? { ...r, bypassActors: [{ actorId: 9, actorType: "Team", bypassMode: "always" }] } : r))) }),
  ],
  ["ruleset-not-enforced", "our development ruleset is in evaluate mode", (f) => ({ ...f, rulesets: ok((f.rulesets.ok ? f.rulesets.value : []).map((r) => (r.id === 2 ? { ...r, enforcement: "evaluate" } : r))) })],
  ["sync-unvalidated", "no validation for the sync flow", (f) => f, config({ validation: {} })],
  ["merge-queue-unhandled", "a merge queue on production, no merge_group", (f) => onBranch("production", (b) => ({ ...b, rules: ok([...(b.rules.ok ? b.rules.value : []), rule("merge_queue", {})]) }))({ ...f, appEvents: ok(["pull_request"]) })],
  ["tags-unprotected", "no tag ruleset", (f) => ({ ...f, rulesets: ok((f.rulesets.ok ? f.rulesets.value : []).filter((r) => r.target !== "tag")) })],
  ["untagged-merge", "the latest merge has no tag", (f) => ({ ...f, tags: ok({ ...(f.tags.ok ? f.tags.value : { names: [], relations: {} }), commits: { "v1.0.0": "h1" } }) })],
  ["tag-off-production", "v1.1.0 is on another line", (f) => ({ ...f, tags: ok({ ...(f.tags.ok ? f.tags.value : { names: [], commits: {} }), relations: { "v1.1.0": "unrelated", "v1.0.0": "ancestor" } }) })],
  ["non-semver-tags", "a v-tag that is no version", (f) => ({ ...f, tags: ok({ ...(f.tags.ok ? f.tags.value : { commits: {}, relations: {} }), names: ["v1.0.0", "v1.1.0", "v2"] }) })],
  ["hotfix-not-backported", "the hotfix's backport is open", (f) => ({ ...f, hotfixes: ok([{ number: 5, source: "hotfix/login", mergedAt: "2025-02-01T00:00:00Z", mergeCommitSha: "h1", backport: { number: 6, merged: false } }]) })],
  ["missing-from-development", "production is ahead of development", (f) => ({ ...f, missingFromDevelopment: ok(2) })],
  ["stale-sync", "the last sync is 60 days old", (f) => ({ ...f, now: "2025-04-28T00:00:00Z" })],
  ["unreadable", "the tags cannot be read", (f) => ({ ...f, tags: denied })],
  ["unverified", "classic protection of development unreadable, its rules lack deletion", onBranch("development", (b) => ({ ...withoutRule("deletion")(b), classic: denied }))],
] as Array<[FindingId, string, Edit, CompiledConfig?]>).map(([id, why, edit, cfg]) => ({ id, why, edit, ...(cfg ? { cfg } : {}) }));

describe("auditRepository", () => {
  it("finds nothing in a repository that follows the flow", () => {
    const result = auditRepository(config(), clean());
    expect(result.findings).toEqual([]);
    expect(result.summary).toEqual({ daysSinceSync: 2, unreadable: [] });
    expect(auditExitCode(result.findings, "info")).toBe(0);
  });

  it.each(CASES)("$id fails once: $why", ({ id, edit, cfg }) => {
    const findings = auditRepository(cfg ?? config(), edit(clean())).findings;
    // "unreadable tags" also hides what depends on them; every other case changes exactly one thing.
    expect(findings.map((f) => f.id)).toEqual(id === "unverified" ? ["unreadable", "unverified"] : [id]);
  });

  it("covers every finding id in the table", () => {
    const all: FindingId[] = CASES.map((c) => c.id);
    expect(new Set(all).size).toBe(CASES.length);
    expect(all.length).toBe(21);
  });

  it("gives severities and Scorecard tiers, most severe first, and the exit code per --fail-on", () => {
    const facts = onBranch("development", (b) => ({ ...b, rules: ok([]), classic: ok(null) }))({ ...clean(), missingFromDevelopment: ok(1), tags: ok({ names: ["vx"], commits: { "v1.1.0": "s2", "v1.0.0": "h1" }, relations: {} }) });
    const findings = auditRepository(config(), facts).findings;
    expect(findings.map((f) => [f.id, f.severity, f.tier])).toEqual([
      ["not-pr-only", "error", null],
      ["force-push-allowed", "error", 1],
      ["deletion-allowed", "error", 1],
      ["check-not-required", "error", 3],
      ["missing-from-development", "warning", null],
      ["non-semver-tags", "info", null],
    ]);
    expect(auditExitCode(findings, "error")).toBe(1);
    expect(auditExitCode(findings.filter((f) => f.severity !== "error"), "error")).toBe(0);
    expect(auditExitCode(findings.filter((f) => f.severity === "info"), "warning")).toBe(0);
    expect(auditExitCode(findings.filter((f) => f.severity === "info"), "info")).toBe(1);
  });

  it("pull requests without any approval: an error of Scorecard tier 2; fewer than two: a warning of tier 4", () => {
    const approvals = (n: number) => onBranch("production", mapRule("pull_request", (r) => ({ ...r, parameters: { required_approving_review_count: n } })))(clean());
    expect(auditRepository(config(), approvals(0)).findings.map((f) => [f.id, f.severity, f.tier])).toEqual([["too-few-approvals", "error", 2]]);
    expect(auditRepository(config(), approvals(1)).findings.map((f) => [f.id, f.severity, f.tier])).toEqual([["too-few-approvals", "warning", 4]]);
  });

  it("classic protection counts where rulesets say nothing; unreadable classic protection leaves rules unverified, never passed", () => {
    const classicOnly = onBranch("production", (b) => ({
      ...b,
      rules: ok([]),
      classic: ok({ ...UNPROTECTED, enforceAdmins: true, statusChecks: { strict: true, checks: [{ context: "branch-steward / production", appId: APP }] }, reviews: { requiredApprovals: 2, dismissStaleReviews: false, requireCodeOwnerReviews: false, requireLastPushApproval: false, dismissalRestrictions: null, bypassAllowances: null } }),
    }))(clean());
    expect(auditRepository(config(), classicOnly).findings).toEqual([]);
    const unreadable = onBranch("production", (b) => ({ ...b, rules: ok([]), classic: denied }))(clean());
    const findings = auditRepository(config(), unreadable).findings;
    expect(findings.filter((f) => f.id === "unverified").map((f) => (f.id === "unverified" ? f.rule : ""))).toEqual([
      "not-pr-only",
      "force-push-allowed",
      "deletion-allowed",
      "check-not-required",
      "not-up-to-date",
      "too-few-approvals",
    ]);
    expect(auditRepository(config(), unreadable).summary.unreadable).toEqual(["classic protection of production"]);
  });

  it("the merge queue: events unknown is a warning; releases and backports off skip their rules", () => {
    const queued = onBranch("production", (b) => ({ ...b, rules: ok([...(b.rules.ok ? b.rules.value : []), rule("merge_queue", {})]) }))({ ...clean(), appEvents: denied });
    expect(auditRepository(config(), queued).findings.map((f) => [f.id, f.severity])).toEqual([["merge-queue-unhandled", "warning"]]);
    const off = config({ release: { enabled: false }, backport: { enabled: false } });
    const broken = { ...clean(), rulesets: ok([]), tags: ok({ names: ["vnext"], commits: {}, relations: {} }), hotfixes: ok([{ number: 5, source: "hotfix/x", mergedAt: NOW, mergeCommitSha: null, backport: null }]) };
    expect(auditRepository(off, broken).findings).toEqual([]);
  });
});

describe("refPatternMatches", () => {
  it("matches GitHub's fnmatch patterns", () => {
    expect(refPatternMatches("refs/tags/v*", "refs/tags/v1.0.0")).toBe(true);
    expect(refPatternMatches("refs/tags/v*", "refs/tags/x/v1")).toBe(false);
    expect(refPatternMatches("refs/tags/**", "refs/tags/x/v1")).toBe(true);
    expect(refPatternMatches("~ALL", "refs/tags/anything")).toBe(true);
    expect(refPatternMatches("refs/tags/v1.0.0", "refs/tags/v1x0x0")).toBe(false);
  });
});
