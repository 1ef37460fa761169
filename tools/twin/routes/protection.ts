/**
 * Branch protection (REST): `GET`/`PUT /repos/{owner}/{repo}/branches/{branch}/protection`.
 * Shares `RepoState.protection` with `RepoHandle.protect()`, so rules written here affect
 * mergeability (required checks, strict) the same way.
 */
import { HttpError, validationFailed } from "../errors.js";
import type { RequestContext, Route } from "../http.js";
import { json, repoParam } from "../http.js";
import { branchTip, repoApiUrl } from "../serialize.js";
import type { BranchProtection, ProtectionActors, RepoState } from "../state.js";
import { rulesetStateOf } from "../rulesets.js";

/** Classic protection needs admin rights (the `admin` knob of ../rulesets.ts), as on GitHub. */
function requireAdmin(repo: RepoState): void {
  if (!rulesetStateOf(repo).admin) throw new HttpError(403, "Resource not accessible by integration");
}

const invalid = (field: string): HttpError => validationFailed({ resource: "Request", code: "invalid", field });

function branchOr404(ctx: RequestContext, repo: RepoState): string {
  const branch = ctx.params.branch ?? "";
  if (!branchTip(repo, branch)) throw new HttpError(404, "Branch not found");
  return branch;
}

const enabled = (value: boolean | undefined) => ({ enabled: value ?? false });

function actorsJson(actors: ProtectionActors | undefined, url: string) {
  const a = actors ?? { users: [], teams: [], apps: [] };
  return {
    url,
    users_url: `${url}/users`,
    teams_url: `${url}/teams`,
    apps_url: `${url}/apps`,
    users: a.users.map((login) => ({ login, type: "User" })),
    teams: a.teams.map((slug) => ({ slug, name: slug })),
    apps: a.apps.map((slug) => ({ slug, name: slug })),
  };
}

export function protectionJson(ctx: RequestContext, repo: RepoState, branch: string, rules: BranchProtection): Record<string, unknown> {
  const url = `${repoApiUrl(ctx.core, repo)}/branches/${encodeURIComponent(branch)}/protection`;
  const out: Record<string, unknown> = { url };
  if (rules.statusChecksEnabled !== false) {
    out.required_status_checks = {
      url: `${url}/required_status_checks`,
      strict: rules.strict,
      contexts: [...rules.requiredChecks],
      contexts_url: `${url}/required_status_checks/contexts`,
      checks: rules.requiredChecks.map((context) => ({ context, app_id: rules.checkApps?.[context] ?? null })),
    };
  }
  const reviews = rules.reviews;
  if (reviews) {
    out.required_pull_request_reviews = {
      url: `${url}/required_pull_request_reviews`,
      dismiss_stale_reviews: reviews.dismissStaleReviews,
      require_code_owner_reviews: reviews.requireCodeOwnerReviews,
      required_approving_review_count: reviews.requiredApprovingReviewCount,
      require_last_push_approval: reviews.requireLastPushApproval,
      ...(reviews.dismissalRestrictions
        ? { dismissal_restrictions: actorsJson(reviews.dismissalRestrictions, `${url}/dismissal_restrictions`) }
        : {}),
      ...(reviews.bypassAllowances ? { bypass_pull_request_allowances: actorsJson(reviews.bypassAllowances, `${url}/bypass`) } : {}),
    };
  }
  out.required_signatures = { url: `${url}/required_signatures`, enabled: false };
  out.enforce_admins = { url: `${url}/enforce_admins`, enabled: rules.enforceAdmins ?? false };
  out.required_linear_history = enabled(rules.requiredLinearHistory);
  out.allow_force_pushes = enabled(rules.allowForcePushes);
  out.allow_deletions = enabled(rules.allowDeletions);
  out.block_creations = enabled(rules.blockCreations);
  out.required_conversation_resolution = enabled(rules.requiredConversationResolution);
  out.lock_branch = enabled(rules.lockBranch);
  out.allow_fork_syncing = enabled(rules.allowForkSyncing);
  if (rules.restrictions) out.restrictions = actorsJson(rules.restrictions, `${url}/restrictions`);
  return out;
}

function getProtection(ctx: RequestContext) {
  const repo = repoParam(ctx);
  requireAdmin(repo);
  const branch = branchOr404(ctx, repo);
  const rules = repo.protection.get(branch);
  if (!rules) throw new HttpError(404, "Branch not protected");
  return json(protectionJson(ctx, repo, branch, rules));
}

/** A key GitHub requires to be present (its value may be null). */
function required(body: Record<string, unknown>, key: string): unknown {
  if (!(key in body)) throw validationFailed({ resource: "Request", code: "missing_field", field: key });
  return body[key];
}

function obj(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(field);
  return value as Record<string, unknown>;
}

function bool(body: Record<string, unknown>, key: string, field = key): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw invalid(field);
  return value;
}

function strings(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === "string")) throw invalid(field);
  return value;
}

function actors(value: unknown, field: string): ProtectionActors | undefined {
  if (value === undefined || value === null) return undefined;
  const o = obj(value, field);
  return { users: strings(o.users, `${field}.users`), teams: strings(o.teams, `${field}.teams`), apps: strings(o.apps, `${field}.apps`) };
}

function putProtection(ctx: RequestContext) {
  const repo = repoParam(ctx);
  requireAdmin(repo);
  const branch = branchOr404(ctx, repo);
  const body = ctx.body;
  const rules: BranchProtection = { requiredChecks: [], strict: false };

  const checksBody = required(body, "required_status_checks");
  if (checksBody === null) {
    rules.statusChecksEnabled = false;
  } else {
    const c = obj(checksBody, "required_status_checks");
    const strict = bool(c, "strict", "required_status_checks.strict");
    if (strict === undefined) throw validationFailed({ resource: "Request", code: "missing_field", field: "required_status_checks.strict" });
    rules.strict = strict;
    // Like GitHub: exactly one of `contexts` (deprecated) and `checks`.
    const hasContexts = c.contexts !== undefined && c.contexts !== null;
    const hasChecks = c.checks !== undefined && c.checks !== null;
    if (hasContexts === hasChecks) {
      throw new HttpError(422, `Invalid request.\n\nNo subschema in "anyOf" matched.\n${hasChecks ? "More than one" : "No"} subschema in "oneOf" matched.`);
    }
    const names = new Set(strings(c.contexts, "required_status_checks.contexts"));
    const apps: Record<string, number> = {};
    if (c.checks !== undefined && c.checks !== null) {
      if (!Array.isArray(c.checks)) throw invalid("required_status_checks.checks");
      for (const item of c.checks) {
        const check = obj(item, "required_status_checks.checks");
        if (typeof check.context !== "string" || check.context === "") throw invalid("required_status_checks.checks.context");
        names.add(check.context);
        // -1 explicitly allows any app; omitted also means any source here (GitHub may pick the last reporter).
        if (check.app_id !== undefined && check.app_id !== null) {
          if (!Number.isInteger(check.app_id)) throw invalid("required_status_checks.checks.app_id");
          if ((check.app_id as number) > 0) apps[check.context] = check.app_id as number;
        }
      }
    }
    rules.requiredChecks = [...names];
    if (Object.keys(apps).length > 0) rules.checkApps = apps;
  }

  const admins = required(body, "enforce_admins");
  if (admins !== null && typeof admins !== "boolean") throw invalid("enforce_admins");
  rules.enforceAdmins = admins === true;

  const reviewsBody = required(body, "required_pull_request_reviews");
  if (reviewsBody !== null) {
    const r = obj(reviewsBody, "required_pull_request_reviews");
    const count = r.required_approving_review_count ?? 1;
    if (!Number.isInteger(count) || (count as number) < 0 || (count as number) > 6) {
      throw invalid("required_pull_request_reviews.required_approving_review_count");
    }
    const dismissal = actors(r.dismissal_restrictions, "required_pull_request_reviews.dismissal_restrictions");
    const bypass = actors(r.bypass_pull_request_allowances, "required_pull_request_reviews.bypass_pull_request_allowances");
    rules.reviews = {
      requiredApprovingReviewCount: count as number,
      dismissStaleReviews: bool(r, "dismiss_stale_reviews") ?? false,
      requireCodeOwnerReviews: bool(r, "require_code_owner_reviews") ?? false,
      requireLastPushApproval: bool(r, "require_last_push_approval") ?? false,
      ...(dismissal ? { dismissalRestrictions: dismissal } : {}),
      ...(bypass ? { bypassAllowances: bypass } : {}),
    };
  }

  const restrictions = actors(required(body, "restrictions"), "restrictions");
  if (restrictions) rules.restrictions = restrictions;
  rules.requiredLinearHistory = bool(body, "required_linear_history") ?? false;
  rules.allowForcePushes = bool(body, "allow_force_pushes") ?? false;
  rules.allowDeletions = bool(body, "allow_deletions") ?? false;
  rules.blockCreations = bool(body, "block_creations") ?? false;
  rules.requiredConversationResolution = bool(body, "required_conversation_resolution") ?? false;
  rules.lockBranch = bool(body, "lock_branch") ?? false;
  rules.allowForkSyncing = bool(body, "allow_fork_syncing") ?? false;

  repo.protection.set(branch, rules);
  return json(protectionJson(ctx, repo, branch, rules));
}

export const protectionRoutes: Route[] = [
  { method: "GET", path: "/repos/{owner}/{repo}/branches/{branch}/protection", auth: "installation", handler: getProtection },
  { method: "PUT", path: "/repos/{owner}/{repo}/branches/{branch}/protection", auth: "installation", handler: putProtection },
];
