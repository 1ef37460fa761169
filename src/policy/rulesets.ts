/**
 * Rulesets as code: the repository rulesets the flow needs, and the difference from what a
 * repository has. Pure: GitHub's REST shapes in and out (`rulesetFromGitHub`, `rulesetRequest`),
 * changes as data (render/rulesets.ts words them), no I/O.
 *
 * One ruleset per governed branch, because each branch requires its own check
 * (`branch-steward / <branch>`): a single ruleset over both branches would require both checks on
 * both, and neither branch could merge. Plus one tag ruleset: only the app may create, move or
 * delete version tags. Rules, parameters and bypass actors that are not ours are carried over
 * untouched, unknown rule types included; other rulesets are never written.
 */
import type { CompiledConfig } from "../config/compile.js";
import { checkName } from "./evaluation.js";
import { matches } from "./patterns.js";
import { protectionRuleFor } from "./protection.js";

export type Json = Readonly<Record<string, unknown>>;

export interface RulesetRule {
  readonly type: string;
  readonly parameters?: Json;
}

export interface BypassActor {
  readonly actorId: number | null;
  readonly actorType: string;
  readonly bypassMode: string;
}

/** A ruleset, normalized. */
export interface Ruleset {
  /** null: not created yet. */
  readonly id: number | null;
  readonly name: string;
  readonly target: string;
  /** Repository, Organization or Enterprise. */
  readonly sourceType: string;
  readonly source: string;
  /** active, evaluate or disabled. */
  readonly enforcement: string;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /** Conditions other than `ref_name` (org rulesets: repository_name …), carried over as they are. */
  readonly otherConditions: Json;
  /** null: GitHub did not show them (only admins of the ruleset see its bypass actors). */
  readonly bypassActors: readonly BypassActor[] | null;
  readonly rules: readonly RulesetRule[];
}

export type RulesetRole = "production" | "development" | "tags";

/** Names of our rulesets: found again by name, so a branch renamed in the config updates the same ruleset. */
export const RULESET_NAMES: Readonly<Record<RulesetRole, string>> = {
  production: "branch-steward (production)",
  development: "branch-steward (development)",
  tags: "branch-steward (version tags)",
};

/** Rule types branch-steward writes; every other rule is the team's. */
export const BRANCH_RULES = ["pull_request", "required_status_checks", "non_fast_forward", "deletion"] as const;
export const TAG_RULES = ["creation", "update", "deletion"] as const;

/** Merge methods production allows: merge commits keep the sync's history and the merge-back backports working. */
export const PRODUCTION_MERGE_METHODS: readonly string[] = ["merge"];

export interface RulesetPlan {
  readonly role: RulesetRole;
  /** The branch (or tag pattern) it governs, for the output. */
  readonly subject: string;
  /** Our ruleset as it is (a repository ruleset of that name), null when it does not exist. */
  readonly current: Ruleset | null;
  readonly desired: Ruleset;
}

const refOfBranch = (branch: string): string => `refs/heads/${branch}`;
export const tagRefPattern = (prefix: string): string => `refs/tags/${prefix}*`;

/** The repository's own ruleset named `name` (org rulesets of that name are not ours to write). */
export function ownRuleset(rulesets: readonly Ruleset[], name: string): Ruleset | null {
  return rulesets.find((r) => r.name === name && r.sourceType === "Repository") ?? null;
}

const emptyRuleset = (name: string, target: string, source: string): Ruleset => ({
  id: null,
  name,
  target,
  sourceType: "Repository",
  source,
  enforcement: "active",
  include: [],
  exclude: [],
  otherConditions: {},
  bypassActors: [],
  rules: [],
});

/**
 * `rules` with each `wanted` rule replacing the one of its type in place, the missing ones appended
 * in order. A wanted rule without parameters only needs to be there: an existing one is kept as it is.
 */
function withRules(rules: readonly RulesetRule[], wanted: readonly RulesetRule[]): RulesetRule[] {
  const byType = new Map(wanted.filter((r) => r.parameters !== undefined).map((r) => [r.type, r]));
  const out = rules.map((r) => byType.get(r.type) ?? r);
  for (const r of wanted) if (!rules.some((x) => x.type === r.type)) out.push(r);
  return out;
}

const paramsOf = (rules: readonly RulesetRule[], type: string): Json => rules.find((r) => r.type === type)?.parameters ?? {};

interface StatusCheckParam {
  readonly context: string;
  readonly integration_id?: number;
}

function statusChecksOf(params: Json): StatusCheckParam[] {
  const list = params.required_status_checks;
  if (!Array.isArray(list)) return [];
  return list.filter((c): c is StatusCheckParam => typeof c === "object" && c !== null && typeof (c as { context?: unknown }).context === "string");
}

function branchRuleset(config: CompiledConfig, appId: number, role: "production" | "development", branch: string, base: Ruleset): Ruleset {
  const context = checkName(branch);
  const checksParams = paramsOf(base.rules, "required_status_checks");
  const kept = statusChecksOf(checksParams).filter((c) => c.context !== context);
  const strict = config.compiled.upToDate.some((u) => matches(u, branch));
  const prParams = paramsOf(base.rules, "pull_request");
  const approvals = protectionRuleFor(config, branch)?.required_approvals;
  const current = typeof prParams.required_approving_review_count === "number" ? prParams.required_approving_review_count : 0;
  const pullRequest: Json = {
    dismiss_stale_reviews_on_push: false,
    require_code_owner_review: false,
    require_last_push_approval: false,
    required_review_thread_resolution: false,
    ...prParams,
    required_approving_review_count: approvals ?? current,
    ...(role === "production" ? { allowed_merge_methods: [...PRODUCTION_MERGE_METHODS] } : {}),
  };
  const rules = withRules(base.rules, [
    { type: "pull_request", parameters: pullRequest },
    {
      type: "required_status_checks",
      parameters: {
        ...checksParams,
        strict_required_status_checks_policy: strict,
        required_status_checks: [...kept, { context, integration_id: appId }],
      },
    },
    { type: "non_fast_forward" },
    { type: "deletion" },
  ]);
  return { ...base, target: "branch", enforcement: "active", include: [refOfBranch(branch)], exclude: [], rules };
}

function tagRuleset(appId: number, prefix: string, base: Ruleset): Ruleset {
  const others = (base.bypassActors ?? []).filter((a) => !(a.actorType === "Integration" && a.actorId === appId));
  const rules = withRules(base.rules, [{ type: "creation" }, { type: "update" }, { type: "deletion" }]);
  return {
    ...base,
    target: "tag",
    enforcement: "active",
    include: [tagRefPattern(prefix)],
    exclude: [],
    bypassActors: [...others, { actorId: appId, actorType: "Integration", bypassMode: "always" }],
    rules,
  };
}

/**
 * The rulesets the flow needs: production and development (one each; once when both names are
 * the same branch), and the version tags when releases are on. `current` is every ruleset the
 * repository sees; only repository rulesets with our names are taken as ours.
 */
export function desiredRulesets(config: CompiledConfig, appId: number, current: readonly Ruleset[], source: string): RulesetPlan[] {
  const { production, development } = config.branches;
  const roles = [
    { role: "production" as const, branch: production },
    { role: "development" as const, branch: development },
  ].filter((r, i, all) => all.findIndex((o) => o.branch === r.branch) === i);
  const plans: RulesetPlan[] = roles.map(({ role, branch }) => {
    const existing = ownRuleset(current, RULESET_NAMES[role]);
    const desired = branchRuleset(config, appId, role, branch, existing ?? emptyRuleset(RULESET_NAMES[role], "branch", source));
    return { role, subject: branch, current: existing, desired };
  });
  if (config.release.enabled) {
    const existing = ownRuleset(current, RULESET_NAMES.tags);
    const desired = tagRuleset(appId, config.release.tag_prefix, existing ?? emptyRuleset(RULESET_NAMES.tags, "tag", source));
    plans.push({ role: "tags", subject: tagRefPattern(config.release.tag_prefix), current: existing, desired });
  }
  return plans;
}

/** One difference between a ruleset as it is and as it should be; render/rulesets.ts words it. */
export type RulesetChange =
  | { readonly kind: "create" }
  | { readonly kind: "target"; readonly from: string; readonly to: string }
  | { readonly kind: "enforcement"; readonly from: string; readonly to: string }
  | { readonly kind: "refs"; readonly field: "include" | "exclude"; readonly from: readonly string[]; readonly to: readonly string[] }
  | { readonly kind: "add-rule"; readonly type: string }
  | { readonly kind: "rule-parameter"; readonly type: string; readonly key: string; readonly from: unknown; readonly to: unknown }
  | { readonly kind: "add-check"; readonly context: string; readonly integrationId: number | null }
  | { readonly kind: "pin-check"; readonly context: string; readonly from: number | null; readonly to: number | null }
  | { readonly kind: "add-bypass"; readonly actor: BypassActor }
  | { readonly kind: "bypass-mode"; readonly actor: BypassActor; readonly from: string };

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function diffStatusChecks(from: Json, to: Json): RulesetChange[] {
  const before = new Map(statusChecksOf(from).map((c) => [c.context, c.integration_id ?? null]));
  const changes: RulesetChange[] = [];
  for (const c of statusChecksOf(to)) {
    const id = c.integration_id ?? null;
    if (!before.has(c.context)) changes.push({ kind: "add-check", context: c.context, integrationId: id });
    else if (before.get(c.context) !== id) changes.push({ kind: "pin-check", context: c.context, from: before.get(c.context) ?? null, to: id });
  }
  return changes;
}

/** What turns `current` (null: absent) into `desired`; empty when nothing needs writing. */
export function diffRuleset(current: Ruleset | null, desired: Ruleset): RulesetChange[] {
  if (current === null) return [{ kind: "create" }];
  const changes: RulesetChange[] = [];
  if (current.target !== desired.target) changes.push({ kind: "target", from: current.target, to: desired.target });
  if (current.enforcement !== desired.enforcement) changes.push({ kind: "enforcement", from: current.enforcement, to: desired.enforcement });
  if (!same(current.include, desired.include)) changes.push({ kind: "refs", field: "include", from: current.include, to: desired.include });
  if (!same(current.exclude, desired.exclude)) changes.push({ kind: "refs", field: "exclude", from: current.exclude, to: desired.exclude });
  for (const rule of desired.rules) {
    const before = current.rules.find((r) => r.type === rule.type);
    if (!before) {
      changes.push({ kind: "add-rule", type: rule.type });
      continue;
    }
    const from = before.parameters ?? {};
    const to = rule.parameters ?? {};
    for (const key of new Set([...Object.keys(from), ...Object.keys(to)])) {
      if (same(from[key], to[key])) continue;
      if (rule.type === "required_status_checks" && key === "required_status_checks") changes.push(...diffStatusChecks(from, to));
      else changes.push({ kind: "rule-parameter", type: rule.type, key, from: from[key], to: to[key] });
    }
  }
  if (desired.bypassActors !== null) {
    for (const actor of desired.bypassActors) {
      const before = (current.bypassActors ?? []).find((a) => a.actorType === actor.actorType && a.actorId === actor.actorId);
      if (!before) changes.push({ kind: "add-bypass", actor });
      else if (before.bypassMode !== actor.bypassMode) changes.push({ kind: "bypass-mode", actor, from: before.bypassMode });
    }
  }
  return changes;
}

// --- GitHub's REST shapes ---------------------------------------------------------------

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : []);

/** A rule of a ruleset (or of `GET /rules/branches/{branch}`) → RulesetRule; null when it has no type. */
export function ruleFromGitHub(data: unknown): RulesetRule | null {
  if (!isObj(data) || typeof data.type !== "string") return null;
  return isObj(data.parameters) ? { type: data.type, parameters: data.parameters } : { type: data.type };
}

/** `GET /repos/{owner}/{repo}/rulesets/{ruleset_id}` → Ruleset. */
export function rulesetFromGitHub(data: unknown): Ruleset {
  const d = isObj(data) ? data : {};
  const conditions = isObj(d.conditions) ? d.conditions : {};
  const { ref_name: refName, ...otherConditions } = conditions;
  const refs = isObj(refName) ? refName : {};
  const bypass = Array.isArray(d.bypass_actors)
    ? d.bypass_actors.filter(isObj).map((a) => ({
        actorId: typeof a.actor_id === "number" ? a.actor_id : null,
        actorType: String(a.actor_type ?? ""),
        bypassMode: typeof a.bypass_mode === "string" ? a.bypass_mode : "always",
      }))
    : null;
  return {
    id: typeof d.id === "number" ? d.id : null,
    name: String(d.name ?? ""),
    target: typeof d.target === "string" ? d.target : "branch",
    sourceType: typeof d.source_type === "string" ? d.source_type : "Repository",
    source: String(d.source ?? ""),
    enforcement: String(d.enforcement ?? "disabled"),
    include: strings(refs.include),
    exclude: strings(refs.exclude),
    otherConditions,
    bypassActors: bypass,
    rules: (Array.isArray(d.rules) ? d.rules : []).map(ruleFromGitHub).filter((r): r is RulesetRule => r !== null),
  };
}

/** Ruleset → the body of `POST /repos/{owner}/{repo}/rulesets` or `PUT …/rulesets/{ruleset_id}`. */
export function rulesetRequest(r: Ruleset): Record<string, unknown> {
  return {
    name: r.name,
    target: r.target,
    enforcement: r.enforcement,
    // Bypass actors GitHub did not show are left as they are (the key is omitted).
    ...(r.bypassActors !== null
      ? { bypass_actors: r.bypassActors.map((a) => ({ actor_id: a.actorId, actor_type: a.actorType, bypass_mode: a.bypassMode })) }
      : {}),
    conditions: { ...r.otherConditions, ref_name: { include: [...r.include], exclude: [...r.exclude] } },
    rules: r.rules.map((rule) => (rule.parameters ? { type: rule.type, parameters: rule.parameters } : { type: rule.type })),
  };
}
