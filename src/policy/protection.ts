/**
 * Protection as code: the branch protection the flow needs on the production and development
 * branches, and the difference from what a repository has.
 *
 * Pure: GitHub's REST shapes in and out (`fromGitHub`, `toGitHubRequest`), no I/O. Settings
 * branch-steward does not manage are carried over from the current protection unchanged.
 */
import type { ConfigIssue } from "../config/parse.js";
import type { CompiledConfig } from "../config/compile.js";
import { checkName } from "./evaluation.js";
import { matches } from "./patterns.js";

export interface RequiredCheck {
  readonly context: string;
  /** The app that must report it; null: any source. */
  readonly appId: number | null;
}

export interface Actors {
  readonly users: readonly string[];
  readonly teams: readonly string[];
  readonly apps: readonly string[];
}

export interface Reviews {
  readonly requiredApprovals: number;
  readonly dismissStaleReviews: boolean;
  readonly requireCodeOwnerReviews: boolean;
  readonly requireLastPushApproval: boolean;
  readonly dismissalRestrictions: Actors | null;
  readonly bypassAllowances: Actors | null;
}

/** A branch's protection, normalized. */
export interface Protection {
  readonly statusChecks: { readonly strict: boolean; readonly checks: readonly RequiredCheck[] } | null;
  readonly reviews: Reviews | null;
  readonly enforceAdmins: boolean;
  readonly requiredLinearHistory: boolean;
  readonly allowForcePushes: boolean;
  readonly allowDeletions: boolean;
  readonly blockCreations: boolean;
  readonly requiredConversationResolution: boolean;
  readonly lockBranch: boolean;
  readonly allowForkSyncing: boolean;
  readonly restrictions: Actors | null;
}

/** What an unprotected branch amounts to. */
export const UNPROTECTED: Protection = {
  statusChecks: null,
  reviews: null,
  enforceAdmins: false,
  requiredLinearHistory: false,
  allowForcePushes: false,
  allowDeletions: false,
  blockCreations: false,
  requiredConversationResolution: false,
  lockBranch: false,
  allowForkSyncing: false,
  restrictions: null,
};

/** Current protection per branch name; null (or missing): the branch is not protected. */
export type CurrentProtection = Readonly<Record<string, Protection | null | undefined>>;

export interface BranchPlan {
  readonly branch: string;
  /** production or development. */
  readonly role: "production" | "development";
  readonly desired: Protection;
}

/** Which `protection` entry applies to a branch: exact names (after placeholders) before patterns, then file order. */
export function protectionRuleFor(config: CompiledConfig, branch: string): { required_approvals: number } | undefined {
  const p = config.compiled.placeholders;
  const entries = config.compiled.protection;
  const expanded = (key: string) => key.replace(/\{([a-z_]+)\}/g, (whole, name: string) => p[name] ?? whole);
  const rule = (e: (typeof entries)[number] | undefined) => e && { required_approvals: e.requiredApprovals };
  const exact = entries.find((e) => expanded(e.key) === branch);
  if (exact) return rule(exact);
  return rule(entries.find((e) => !e.pattern.error && matches(e.pattern, branch)));
}

/** Keys of `protection` that are not valid patterns (e.g. an unknown placeholder). */
export function protectionIssues(config: CompiledConfig): ConfigIssue[] {
  return config.compiled.protection.flatMap(({ key, pattern }) => (pattern.error ? [{ path: `protection.${key}`, message: pattern.error }] : []));
}

/**
 * The protection production and development need: the app's check `branch-steward / <branch>`
 * pinned to `appId` (other required checks kept), `strict` per `up_to_date`, the configured
 * approvals, no force pushes, no deletions. Everything else is kept from `current`.
 */
export function desiredProtection(config: CompiledConfig, appId: number, current: CurrentProtection): BranchPlan[] {
  const upToDate = config.compiled.upToDate;
  const roles = [
    { role: "production" as const, branch: config.branches.production },
    { role: "development" as const, branch: config.branches.development },
  ].filter((r, i, all) => all.findIndex((o) => o.branch === r.branch) === i);

  return roles.map(({ role, branch }) => {
    const base = current[branch] ?? UNPROTECTED;
    const context = checkName(branch);
    const kept = (base.statusChecks?.checks ?? []).filter((c) => c.context !== context);
    const strict = upToDate.some((u) => matches(u, branch));
    const rule = protectionRuleFor(config, branch);
    const reviews: Reviews | null = rule
      ? {
          ...(base.reviews ?? {
            dismissStaleReviews: false,
            requireCodeOwnerReviews: false,
            requireLastPushApproval: false,
            dismissalRestrictions: null,
            bypassAllowances: null,
          }),
          requiredApprovals: rule.required_approvals,
        }
      : base.reviews;
    const desired: Protection = {
      ...base,
      statusChecks: { strict, checks: [...kept, { context, appId }] },
      reviews,
      allowForcePushes: false,
      allowDeletions: false,
    };
    return { branch, role, desired };
  });
}

const onOff = (v: boolean): string => (v ? "on" : "off");
const actorsText = (a: Actors | null): string =>
  a ? [...a.users.map((u) => `@${u}`), ...a.teams.map((t) => `team ${t}`), ...a.apps.map((x) => `app ${x}`)].join(", ") || "nobody" : "none";
const sameActors = (a: Actors | null, b: Actors | null): boolean => actorsText(a) === actorsText(b);
const source = (appId: number | null): string => (appId === null ? "any source" : `app ${appId}`);

/** Human-readable changes that turn `current` (null: unprotected) into `desired`; empty when equal. */
export function diffProtection(current: Protection | null, desired: Protection): string[] {
  const changes: string[] = [];
  if (current === null) changes.push("enable branch protection (the branch is not protected)");
  const from = current ?? UNPROTECTED;

  const fc = from.statusChecks;
  const dc = desired.statusChecks;
  if (fc === null && dc !== null) changes.push("require status checks to pass");
  if (fc !== null && dc === null) changes.push("stop requiring status checks");
  if ((fc?.strict ?? false) !== (dc?.strict ?? false)) {
    changes.push(`require branches to be up to date before merging (strict): ${onOff(fc?.strict ?? false)} → ${onOff(dc?.strict ?? false)}`);
  }
  const before = new Map((fc?.checks ?? []).map((c) => [c.context, c.appId]));
  const after = new Map((dc?.checks ?? []).map((c) => [c.context, c.appId]));
  for (const [context, appId] of after) {
    if (!before.has(context)) changes.push(`add required check "${context}" (${source(appId)})`);
    else if (before.get(context) !== appId) changes.push(`pin required check "${context}" to ${source(appId)} (was ${source(before.get(context) ?? null)})`);
  }
  for (const [context] of before) if (!after.has(context)) changes.push(`remove required check "${context}"`);

  const fr = from.reviews;
  const dr = desired.reviews;
  if (fr === null && dr !== null) changes.push(`require pull request reviews: ${dr.requiredApprovals} approval(s)`);
  else if (fr !== null && dr === null) changes.push("stop requiring pull request reviews");
  else if (fr !== null && dr !== null) {
    if (fr.requiredApprovals !== dr.requiredApprovals) changes.push(`required approvals: ${fr.requiredApprovals} → ${dr.requiredApprovals}`);
    if (fr.dismissStaleReviews !== dr.dismissStaleReviews) changes.push(`dismiss stale reviews: ${onOff(fr.dismissStaleReviews)} → ${onOff(dr.dismissStaleReviews)}`);
    if (fr.requireCodeOwnerReviews !== dr.requireCodeOwnerReviews) {
      changes.push(`require code owner reviews: ${onOff(fr.requireCodeOwnerReviews)} → ${onOff(dr.requireCodeOwnerReviews)}`);
    }
    if (fr.requireLastPushApproval !== dr.requireLastPushApproval) {
      changes.push(`require approval of the last push: ${onOff(fr.requireLastPushApproval)} → ${onOff(dr.requireLastPushApproval)}`);
    }
    if (!sameActors(fr.dismissalRestrictions, dr.dismissalRestrictions)) {
      changes.push(`review dismissal restrictions: ${actorsText(fr.dismissalRestrictions)} → ${actorsText(dr.dismissalRestrictions)}`);
    }
    if (!sameActors(fr.bypassAllowances, dr.bypassAllowances)) {
      changes.push(`review bypass allowances: ${actorsText(fr.bypassAllowances)} → ${actorsText(dr.bypassAllowances)}`);
    }
  }

  const flags: Array<[keyof Protection & string, string]> = [
    ["allowForcePushes", "allow force pushes"],
    ["allowDeletions", "allow deletions"],
    ["enforceAdmins", "enforce for administrators"],
    ["requiredLinearHistory", "require linear history"],
    ["blockCreations", "block creations"],
    ["requiredConversationResolution", "require conversation resolution"],
    ["lockBranch", "lock branch"],
    ["allowForkSyncing", "allow fork syncing"],
  ];
  for (const [key, label] of flags) {
    if (from[key] !== desired[key]) changes.push(`${label}: ${onOff(from[key] as boolean)} → ${onOff(desired[key] as boolean)}`);
  }
  if (!sameActors(from.restrictions, desired.restrictions)) {
    changes.push(`push restrictions: ${actorsText(from.restrictions)} → ${actorsText(desired.restrictions)}`);
  }
  return changes;
}

// --- GitHub's REST shapes ---------------------------------------------------------------

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const flag = (v: unknown): boolean => (isObj(v) ? v.enabled === true : v === true);
const names = (list: unknown, key: "login" | "slug"): string[] =>
  Array.isArray(list) ? list.map((x) => (isObj(x) ? String(x[key] ?? "") : String(x))).filter((s) => s !== "") : [];
const actorsFrom = (v: unknown): Actors | null =>
  isObj(v) ? { users: names(v.users, "login"), teams: names(v.teams, "slug"), apps: names(v.apps, "slug") } : null;
const actorsTo = (a: Actors | null) => (a ? { users: [...a.users], teams: [...a.teams], apps: [...a.apps] } : undefined);

/** `GET /repos/{owner}/{repo}/branches/{branch}/protection` → Protection. */
export function fromGitHub(data: unknown): Protection {
  const d = isObj(data) ? data : {};
  const rsc = d.required_status_checks;
  let statusChecks: Protection["statusChecks"] = null;
  if (isObj(rsc)) {
    const checks: RequiredCheck[] = [];
    for (const c of Array.isArray(rsc.checks) ? rsc.checks : []) {
      if (isObj(c) && typeof c.context === "string") checks.push({ context: c.context, appId: typeof c.app_id === "number" && c.app_id > 0 ? c.app_id : null });
    }
    for (const context of Array.isArray(rsc.contexts) ? rsc.contexts : []) {
      if (typeof context === "string" && !checks.some((c) => c.context === context)) checks.push({ context, appId: null });
    }
    statusChecks = { strict: rsc.strict === true, checks };
  }
  const r = d.required_pull_request_reviews;
  const reviews: Reviews | null = isObj(r)
    ? {
        requiredApprovals: typeof r.required_approving_review_count === "number" ? r.required_approving_review_count : 0,
        dismissStaleReviews: r.dismiss_stale_reviews === true,
        requireCodeOwnerReviews: r.require_code_owner_reviews === true,
        requireLastPushApproval: r.require_last_push_approval === true,
        dismissalRestrictions: actorsFrom(r.dismissal_restrictions),
        bypassAllowances: actorsFrom(r.bypass_pull_request_allowances),
      }
    : null;
  return {
    statusChecks,
    reviews,
    enforceAdmins: flag(d.enforce_admins),
    requiredLinearHistory: flag(d.required_linear_history),
    allowForcePushes: flag(d.allow_force_pushes),
    allowDeletions: flag(d.allow_deletions),
    blockCreations: flag(d.block_creations),
    requiredConversationResolution: flag(d.required_conversation_resolution),
    lockBranch: flag(d.lock_branch),
    allowForkSyncing: flag(d.allow_fork_syncing),
    restrictions: actorsFrom(d.restrictions),
  };
}

/**
 * Protection → the body of `PUT /repos/{owner}/{repo}/branches/{branch}/protection`.
 * A check required from any source is sent with `app_id: -1` ("any app"), so GitHub does not
 * pin it to whichever app reported it last.
 */
export function toGitHubRequest(p: Protection): Json {
  const reviews = p.reviews;
  return {
    required_status_checks: p.statusChecks
      ? { strict: p.statusChecks.strict, checks: p.statusChecks.checks.map((c) => ({ context: c.context, app_id: c.appId ?? -1 })) }
      : null,
    enforce_admins: p.enforceAdmins,
    required_pull_request_reviews: reviews
      ? {
          required_approving_review_count: reviews.requiredApprovals,
          dismiss_stale_reviews: reviews.dismissStaleReviews,
          require_code_owner_reviews: reviews.requireCodeOwnerReviews,
          require_last_push_approval: reviews.requireLastPushApproval,
          ...(reviews.dismissalRestrictions ? { dismissal_restrictions: actorsTo(reviews.dismissalRestrictions) } : {}),
          ...(reviews.bypassAllowances ? { bypass_pull_request_allowances: actorsTo(reviews.bypassAllowances) } : {}),
        }
      : null,
    restrictions: p.restrictions ? actorsTo(p.restrictions) : null,
    required_linear_history: p.requiredLinearHistory,
    allow_force_pushes: p.allowForcePushes,
    allow_deletions: p.allowDeletions,
    block_creations: p.blockCreations,
    required_conversation_resolution: p.requiredConversationResolution,
    lock_branch: p.lockBranch,
    allow_fork_syncing: p.allowForkSyncing,
  };
}
