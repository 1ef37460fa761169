/**
 * `branch-steward audit`, the pure core: plain facts about a repository in (what github/audit-facts.ts
 * reads, or any other reader: the dashboard's), findings out, as data. render/audit.ts words them
 * (title, meaning, exact fix) for the command line, the JSON output and the dashboard.
 *
 * Anchored on OpenSSF Scorecard's Branch-Protection tiers (each finding names its tier, or none
 * when the flow asks for more than Scorecard does). A part that could not be read is a finding
 * itself, and every rule it leaves undecided is reported as unverified: the audit never passes
 * silently.
 */
import type { CompiledConfig } from "../config/compile.js";
import { checkName } from "./evaluation.js";
import { matches } from "./patterns.js";
import { protectionRuleFor, type Protection } from "./protection.js";
import { RULESET_NAMES, tagRefPattern, type BypassActor, type Ruleset, type RulesetRule } from "./rulesets.js";
import { parseVersionTags, type Relation } from "./version.js";

export type Severity = "error" | "warning" | "info";
/** Highest first. */
export const SEVERITIES: readonly Severity[] = ["error", "warning", "info"];
/**
 * `--fail-on` when none is given: warnings fail the command too, so that an audit that could not
 * read a part (a warning) never exits 0; only notices (info) pass.
 */
export const DEFAULT_FAIL_ON: Severity = "warning";

/** Scorecard's Branch-Protection tiers (1–5); null: beyond Scorecard, the flow's own rule. */
export type Tier = 1 | 2 | 3 | 4 | 5 | null;

/** A fact, or why it could not be read. */
export type Readable<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly status: number | null; readonly reason: string };

export interface EffectiveRuleFact extends RulesetRule {
  readonly rulesetId: number | null;
  readonly sourceType: string;
  readonly source: string;
}

export interface BranchFacts {
  readonly role: "production" | "development";
  readonly branch: string;
  /** `GET /rules/branches/{branch}`: the rules of every active ruleset. */
  readonly rules: Readable<readonly EffectiveRuleFact[]>;
  /** Classic protection; null: the branch is not protected. */
  readonly classic: Readable<Protection | null>;
}

export interface MergeFact {
  readonly number: number;
  readonly source: string;
  readonly mergedAt: string;
  readonly mergeCommitSha: string | null;
}

export interface HotfixFact extends MergeFact {
  /** The backport PR on the app's branch for it, if any. */
  readonly backport: { readonly number: number; readonly merged: boolean } | null;
}

export interface TagFacts {
  /** Every tag name. */
  readonly names: readonly string[];
  /** Version tags checked (the highest ones) → the commit each points at. */
  readonly commits: Readonly<Record<string, string>>;
  /** Version tags checked → how each relates to production's head (compare `tag...production`). */
  readonly relations: Readonly<Record<string, Relation>>;
}

export interface AuditFacts {
  readonly repo: string;
  /** ISO time the facts were read at. */
  readonly now: string;
  /** The app the check must come from; null: not known (then any pinning app is accepted). */
  readonly appId: number | null;
  readonly branches: readonly BranchFacts[];
  readonly rulesets: Readable<readonly Ruleset[]>;
  /** The webhook events the app receives (its installation's or registration's). */
  readonly appEvents: Readable<readonly string[]>;
  readonly tags: Readable<TagFacts>;
  /** The most recent PRs merged into production, newest first. */
  readonly productionMerges: Readable<readonly MergeFact[]>;
  /** Merged hotfix PRs among them, each with its backport. */
  readonly hotfixes: Readable<readonly HotfixFact[]>;
  /** Commits in production that development lacks (GitHub's compare count). */
  readonly missingFromDevelopment: Readable<number>;
}

/** Days after which a missing sync is worth a warning. */
export const STALE_SYNC_DAYS = 30;

/** What a finding is about, as data; render/audit.ts says it. */
export type FindingFacts =
  | { readonly id: "unreadable"; readonly part: string; readonly status: number | null; readonly reason: string }
  | { readonly id: "unverified"; readonly branch: string; readonly rule: string; readonly missing: readonly string[] }
  | { readonly id: "not-pr-only"; readonly branch: string }
  | { readonly id: "force-push-allowed"; readonly branch: string }
  | { readonly id: "deletion-allowed"; readonly branch: string }
  | { readonly id: "check-not-required"; readonly branch: string; readonly check: string }
  | { readonly id: "check-not-pinned"; readonly branch: string; readonly check: string; readonly pinnedTo: number | null; readonly appId: number | null }
  | { readonly id: "not-up-to-date"; readonly branch: string }
  | { readonly id: "too-few-approvals"; readonly branch: string; readonly required: number; readonly actual: number }
  | { readonly id: "admins-bypass"; readonly branch: string }
  | { readonly id: "bypass-actors"; readonly branch: string; readonly ruleset: string; readonly actors: readonly BypassActor[] }
  | { readonly id: "ruleset-not-enforced"; readonly ruleset: string; readonly enforcement: string }
  | { readonly id: "sync-unvalidated"; readonly flow: string; readonly optedOut: boolean }
  | { readonly id: "merge-queue-unhandled"; readonly branch: string; readonly known: boolean }
  | { readonly id: "tags-unprotected"; readonly pattern: string; readonly missing: readonly string[]; readonly appBypass: boolean }
  | { readonly id: "untagged-merge"; readonly number: number; readonly mergeCommitSha: string | null; readonly mergedAt: string }
  | { readonly id: "tag-off-production"; readonly tag: string }
  | { readonly id: "non-semver-tags"; readonly tags: readonly string[] }
  | { readonly id: "hotfix-not-backported"; readonly number: number; readonly ageDays: number; readonly backport: number | null }
  | { readonly id: "missing-from-development"; readonly count: number }
  | { readonly id: "stale-sync"; readonly days: number | null };

export type FindingId = FindingFacts["id"];

export type AuditFinding = FindingFacts & { readonly severity: Severity; readonly tier: Tier };

export interface AuditSummary {
  /** Days since the last sync merged into production; null when none was found. */
  readonly daysSinceSync: number | null;
  /** Parts that could not be read (the report is incomplete). */
  readonly unreadable: readonly string[];
}

export interface AuditResult {
  readonly repo: string;
  readonly findings: readonly AuditFinding[];
  readonly summary: AuditSummary;
}

const DAY_MS = 86_400_000;
const daysBetween = (from: string, to: string): number => Math.max(0, Math.floor((Date.parse(to) - Date.parse(from)) / DAY_MS));

const escapeRegex = (s: string): string => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");

/** GitHub's ref-name patterns (fnmatch: `*` within a segment, `**` across; `~ALL`, `~DEFAULT_BRANCH` never assumed). */
export function refPatternMatches(pattern: string, ref: string): boolean {
  if (pattern === "~ALL") return true;
  const source = pattern
    .split("**")
    .map((part) => part.split("*").map(escapeRegex).join("[^/]*"))
    .join(".*");
  return new RegExp(`^${source}$`).test(ref);
}

/** Whether a rule holds on a branch: by its rulesets, by classic protection, or not known. */
type Decision = "yes" | "no" | "unknown";

function decide(b: BranchFacts, byRules: (rules: readonly EffectiveRuleFact[]) => boolean, byClassic: (p: Protection) => boolean): Decision {
  if (b.rules.ok && byRules(b.rules.value)) return "yes";
  if (b.classic.ok && b.classic.value !== null && byClassic(b.classic.value)) return "yes";
  return b.rules.ok && b.classic.ok ? "no" : "unknown";
}

const unreadableParts = (b: BranchFacts): string[] => [
  ...(b.rules.ok ? [] : [`rules of ${b.branch}`]),
  ...(b.classic.ok ? [] : [`classic protection of ${b.branch}`]),
];

function statusChecks(rules: readonly EffectiveRuleFact[]): Array<{ context: string; integrationId: number | null; strict: boolean }> {
  return rules
    .filter((r) => r.type === "required_status_checks")
    .flatMap((r) => {
      const p = r.parameters ?? {};
      const list = Array.isArray(p.required_status_checks) ? (p.required_status_checks as Array<{ context?: unknown; integration_id?: unknown }>) : [];
      return list
        .filter((c) => typeof c.context === "string")
        .map((c) => ({ context: c.context as string, integrationId: typeof c.integration_id === "number" ? c.integration_id : null, strict: p.strict_required_status_checks_policy === true }));
    });
}

const approvalsOf = (rules: readonly EffectiveRuleFact[]): number =>
  Math.max(0, ...rules.filter((r) => r.type === "pull_request").map((r) => Number(r.parameters?.required_approving_review_count ?? 0)));

function branchFindings(config: CompiledConfig, facts: AuditFacts, b: BranchFacts): FindingFacts[] {
  const out: FindingFacts[] = [];
  const verdict = (rule: FindingId, d: Decision, failing: FindingFacts): void => {
    if (d === "no") out.push(failing);
    if (d === "unknown") out.push({ id: "unverified", branch: b.branch, rule, missing: unreadableParts(b) });
  };
  const has = (type: string) => (rules: readonly EffectiveRuleFact[]) => rules.some((r) => r.type === type);

  const prOnly = decide(b, has("pull_request"), (p) => p.reviews !== null);
  verdict("not-pr-only", prOnly, { id: "not-pr-only", branch: b.branch });
  verdict("force-push-allowed", decide(b, has("non_fast_forward"), (p) => !p.allowForcePushes), { id: "force-push-allowed", branch: b.branch });
  verdict("deletion-allowed", decide(b, has("deletion"), (p) => !p.allowDeletions), { id: "deletion-allowed", branch: b.branch });

  const check = checkName(b.branch);
  const required = decide(
    b,
    (rules) => statusChecks(rules).some((c) => c.context === check),
    (p) => (p.statusChecks?.checks ?? []).some((c) => c.context === check),
  );
  verdict("check-not-required", required, { id: "check-not-required", branch: b.branch, check });
  if (required === "yes") {
    const pins = [
      ...(b.rules.ok ? statusChecks(b.rules.value).filter((c) => c.context === check).map((c) => c.integrationId) : []),
      ...(b.classic.ok && b.classic.value ? (b.classic.value.statusChecks?.checks ?? []).filter((c) => c.context === check).map((c) => c.appId) : []),
    ];
    const pinnedRight = (id: number | null) => id !== null && (facts.appId === null || id === facts.appId);
    if (!pins.some(pinnedRight)) out.push({ id: "check-not-pinned", branch: b.branch, check, pinnedTo: pins.find((p) => p !== null) ?? null, appId: facts.appId });
  }

  if (config.compiled.upToDate.some((u) => matches(u, b.branch))) {
    verdict(
      "not-up-to-date",
      decide(b, (rules) => statusChecks(rules).some((c) => c.strict), (p) => p.statusChecks?.strict === true),
      { id: "not-up-to-date", branch: b.branch },
    );
  }

  // Without pull requests there are no approvals either: not-pr-only says it once.
  const wanted = protectionRuleFor(config, b.branch)?.required_approvals ?? 0;
  if (wanted > 0 && prOnly !== "no") {
    const byRules = b.rules.ok ? approvalsOf(b.rules.value) : 0;
    const byClassic = b.classic.ok ? (b.classic.value?.reviews?.requiredApprovals ?? 0) : 0;
    const actual = Math.max(byRules, byClassic);
    if (actual < wanted) {
      if (b.rules.ok && b.classic.ok) out.push({ id: "too-few-approvals", branch: b.branch, required: wanted, actual });
      else out.push({ id: "unverified", branch: b.branch, rule: "too-few-approvals", missing: unreadableParts(b) });
    }
  }

  if (b.classic.ok && b.classic.value !== null && !b.classic.value.enforceAdmins) {
    out.push({ id: "admins-bypass", branch: b.branch });
  }

  if (b.rules.ok && b.rules.value.some((r) => r.type === "merge_queue")) {
    const events = facts.appEvents;
    if (!events.ok) out.push({ id: "merge-queue-unhandled", branch: b.branch, known: false });
    else if (!events.value.includes("merge_group")) out.push({ id: "merge-queue-unhandled", branch: b.branch, known: true });
  }
  return out;
}

/** Who may get around the rulesets in effect on a branch (the app itself excepted). */
function bypassFindings(facts: AuditFacts, b: BranchFacts): FindingFacts[] {
  if (!b.rules.ok || !facts.rulesets.ok) return [];
  const ids = new Set(b.rules.value.map((r) => r.rulesetId));
  const out: FindingFacts[] = [];
  for (const ruleset of facts.rulesets.value.filter((r) => r.id !== null && ids.has(r.id))) {
    if (ruleset.bypassActors === null) {
      out.push({ id: "unreadable", part: `bypass actors of ruleset "${ruleset.name}"`, status: null, reason: "GitHub shows them only to those who can edit the ruleset" });
      continue;
    }
    const actors = ruleset.bypassActors.filter((a) => !(a.actorType === "Integration" && facts.appId !== null && a.actorId === facts.appId));
    if (actors.length > 0) out.push({ id: "bypass-actors", branch: b.branch, ruleset: ruleset.name, actors });
  }
  return out;
}

function rulesetFindings(facts: AuditFacts): FindingFacts[] {
  if (!facts.rulesets.ok) return [];
  const ours = new Set(Object.values(RULESET_NAMES));
  return facts.rulesets.value
    .filter((r) => r.sourceType === "Repository" && ours.has(r.name) && r.enforcement !== "active")
    .map((r) => ({ id: "ruleset-not-enforced" as const, ruleset: r.name, enforcement: r.enforcement }));
}

function syncValidationFindings(config: CompiledConfig): FindingFacts[] {
  return config.flows
    .filter((f) => f.kind === "sync")
    .flatMap((f): FindingFacts[] => {
      const v = config.validation[f.name];
      if (!v) return [{ id: "sync-unvalidated" as const, flow: f.name, optedOut: false }];
      if (v.required.length === 0 && v.opt_out) return [{ id: "sync-unvalidated" as const, flow: f.name, optedOut: true }];
      return [];
    });
}

function tagRulesetFindings(config: CompiledConfig, facts: AuditFacts): FindingFacts[] {
  if (!config.release.enabled || !facts.rulesets.ok) return [];
  const pattern = tagRefPattern(config.release.tag_prefix);
  const sample = `refs/tags/${config.release.tag_prefix}1.0.0`;
  const covering = facts.rulesets.value.filter(
    (r) => r.target === "tag" && r.enforcement === "active" && r.include.some((p) => refPatternMatches(p, sample)) && !r.exclude.some((p) => refPatternMatches(p, sample)),
  );
  const present = new Set(covering.flatMap((r) => r.rules.map((x) => x.type)));
  const missing = ["creation", "update", "deletion"].filter((t) => !present.has(t));
  // Only the app may hold the tags: it must be able to bypass the rules that stop people.
  const appBypass = facts.appId === null || covering.every((r) => r.bypassActors === null || r.bypassActors.some((a) => a.actorType === "Integration" && a.actorId === facts.appId));
  return missing.length > 0 || !appBypass ? [{ id: "tags-unprotected", pattern, missing, appBypass }] : [];
}

function releaseFindings(config: CompiledConfig, facts: AuditFacts): FindingFacts[] {
  if (!config.release.enabled || !facts.tags.ok) return [];
  const prefix = config.release.tag_prefix;
  const tags = facts.tags.value;
  const parsed = parseVersionTags(tags.names, { prefix, includePrereleases: config.release.include_prereleases });
  const out: FindingFacts[] = [];
  const inTheWay = parsed.ignored.filter((t) => t.startsWith(prefix) && prefix !== "");
  if (inTheWay.length > 0) out.push({ id: "non-semver-tags", tags: inTheWay });
  for (const [tag, relation] of Object.entries(tags.relations)) if (relation === "unrelated") out.push({ id: "tag-off-production", tag });
  if (facts.productionMerges.ok) {
    const tagged = new Set(Object.values(tags.commits));
    for (const m of facts.productionMerges.value) {
      if (m.mergeCommitSha === null || !tagged.has(m.mergeCommitSha)) out.push({ id: "untagged-merge", number: m.number, mergeCommitSha: m.mergeCommitSha, mergedAt: m.mergedAt });
    }
  }
  return out;
}

function backportFindings(config: CompiledConfig, facts: AuditFacts): FindingFacts[] {
  const out: FindingFacts[] = [];
  if (config.backport.enabled && facts.hotfixes.ok) {
    for (const h of facts.hotfixes.value) {
      if (h.backport?.merged) continue;
      out.push({ id: "hotfix-not-backported", number: h.number, ageDays: daysBetween(h.mergedAt, facts.now), backport: h.backport?.number ?? null });
    }
  }
  if (facts.missingFromDevelopment.ok && facts.missingFromDevelopment.value > 0) out.push({ id: "missing-from-development", count: facts.missingFromDevelopment.value });
  return out;
}

/** Days since the last sync (a merge from development into production), from the merges read. */
export function daysSinceSync(config: CompiledConfig, facts: AuditFacts): number | null {
  if (!facts.productionMerges.ok) return null;
  const last = facts.productionMerges.value.filter((m) => m.source === config.branches.development).sort((a, b) => Date.parse(b.mergedAt) - Date.parse(a.mergedAt))[0];
  return last ? daysBetween(last.mergedAt, facts.now) : null;
}

const SEVERITY: Record<FindingId, Severity> = {
  unreadable: "warning",
  unverified: "warning",
  "not-pr-only": "error",
  "force-push-allowed": "error",
  "deletion-allowed": "error",
  "check-not-required": "error",
  "check-not-pinned": "warning",
  "not-up-to-date": "warning",
  "too-few-approvals": "warning",
  "admins-bypass": "warning",
  "bypass-actors": "warning",
  "ruleset-not-enforced": "warning",
  "sync-unvalidated": "error",
  "merge-queue-unhandled": "error",
  "tags-unprotected": "warning",
  "untagged-merge": "warning",
  "tag-off-production": "warning",
  "non-semver-tags": "info",
  "hotfix-not-backported": "warning",
  "missing-from-development": "warning",
  "stale-sync": "info",
};

function severityOf(f: FindingFacts): Severity {
  if (f.id === "too-few-approvals" && f.actual === 0) return "error";
  if (f.id === "sync-unvalidated" && f.optedOut) return "warning";
  if (f.id === "merge-queue-unhandled" && !f.known) return "warning";
  if (f.id === "stale-sync" && f.days !== null) return "warning";
  return SEVERITY[f.id];
}

function tierOf(f: FindingFacts): Tier {
  switch (f.id) {
    case "force-push-allowed":
    case "deletion-allowed":
    case "admins-bypass":
      return 1;
    case "not-up-to-date":
      return 2;
    case "too-few-approvals":
      return f.actual === 0 ? 2 : 4;
    case "check-not-required":
      return 3;
    default:
      return null;
  }
}

/** Every finding for the repository, most severe first (the order of the checks within a severity). */
export function auditRepository(config: CompiledConfig, facts: AuditFacts): AuditResult {
  const unreadable: FindingFacts[] = [];
  const part = (name: string, r: Readable<unknown>) => {
    if (!r.ok) unreadable.push({ id: "unreadable", part: name, status: r.status, reason: r.reason });
  };
  for (const b of facts.branches) {
    part(`rules of ${b.branch}`, b.rules);
    part(`classic protection of ${b.branch}`, b.classic);
  }
  part("rulesets", facts.rulesets);
  // The app's events matter only under a merge queue, where merge-queue-unhandled says they are unknown.
  part("tags", facts.tags);
  part("merges into production", facts.productionMerges);
  part("hotfix backports", facts.hotfixes);
  part("production commits missing from development", facts.missingFromDevelopment);

  const days = daysSinceSync(config, facts);
  const found: FindingFacts[] = [
    ...unreadable,
    ...facts.branches.flatMap((b) => [...branchFindings(config, facts, b), ...bypassFindings(facts, b)]),
    ...rulesetFindings(facts),
    ...syncValidationFindings(config),
    ...tagRulesetFindings(config, facts),
    ...releaseFindings(config, facts),
    ...backportFindings(config, facts),
    ...(facts.productionMerges.ok && (days === null || days > STALE_SYNC_DAYS) ? [{ id: "stale-sync" as const, days }] : []),
  ];
  const findings = found
    .map((f) => ({ ...f, severity: severityOf(f), tier: tierOf(f) }))
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  return {
    repo: facts.repo,
    findings,
    summary: { daysSinceSync: days, unreadable: findings.flatMap((u) => (u.id === "unreadable" ? [u.part] : [])) },
  };
}

/** The exit code: 1 when a finding is at or above `failOn`, else 0. */
export function auditExitCode(findings: readonly AuditFinding[], failOn: Severity): 0 | 1 {
  const limit = SEVERITIES.indexOf(failOn);
  return findings.some((f) => SEVERITIES.indexOf(f.severity) <= limit) ? 1 : 0;
}

export const isSeverity = (s: string): s is Severity => (SEVERITIES as readonly string[]).includes(s);
