/**
 * Rulesets (REST): repository rulesets CRUD, the rules in effect on a branch, and organization
 * rulesets read-only (writing them needs organization administration, which the installation
 * does not have: 403). State and matching live in ../rulesets.ts.
 */
import { now } from "../core.js";
import { HttpError, notFound, validationFailed } from "../errors.js";
import type { RequestContext, Route } from "../http.js";
import { intParam, json, noContent, paginated, repoParam } from "../http.js";
import { repoApiUrl } from "../serialize.js";
import type { Account, RepoState } from "../state.js";
import { nodeId } from "../state.js";
import {
  activeRules,
  orgRulesetsOf,
  rulesetStateOf,
  type TwinBypassActor,
  type TwinRule,
  type TwinRuleset,
} from "../rulesets.js";

const TARGETS = ["branch", "tag", "push"] as const;
const ENFORCEMENTS = ["disabled", "active", "evaluate"] as const;
const ACTOR_TYPES = ["Integration", "OrganizationAdmin", "RepositoryRole", "Team", "DeployKey", "User"];
const BYPASS_MODES = ["always", "pull_request", "exempt"];
/** Parameters GitHub requires for the rule types branch-steward writes (OpenAPI `required`). */
const REQUIRED_PARAMETERS: Record<string, readonly string[]> = {
  pull_request: ["dismiss_stale_reviews_on_push", "require_code_owner_review", "require_last_push_approval", "required_approving_review_count", "required_review_thread_resolution"],
  required_status_checks: ["required_status_checks", "strict_required_status_checks_policy"],
  update: ["update_allows_fetch_and_merge"],
};

const NO_ACCESS = "Resource not accessible by integration";
const invalid = (field: string): HttpError => validationFailed({ resource: "Ruleset", code: "invalid", field });
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) throw invalid(field);
  return value as T;
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((s): s is string => typeof s === "string")) throw invalid(field);
  return value;
}

function parseActors(value: unknown): TwinBypassActor[] {
  if (!Array.isArray(value)) throw invalid("bypass_actors");
  return value.map((a, i) => {
    if (!isObj(a)) throw invalid(`bypass_actors[${i}]`);
    const id = a.actor_id ?? null;
    if (id !== null && !Number.isInteger(id)) throw invalid(`bypass_actors[${i}].actor_id`);
    return {
      actor_id: id as number | null,
      actor_type: oneOf(a.actor_type, ACTOR_TYPES, `bypass_actors[${i}].actor_type`),
      bypass_mode: a.bypass_mode === undefined ? "always" : oneOf(a.bypass_mode, BYPASS_MODES, `bypass_actors[${i}].bypass_mode`),
    };
  });
}

function parseConditions(value: unknown): Record<string, unknown> {
  if (!isObj(value)) throw invalid("conditions");
  const refs = value.ref_name;
  if (refs !== undefined) {
    if (!isObj(refs)) throw invalid("conditions.ref_name");
    return { ...value, ref_name: { include: stringList(refs.include, "conditions.ref_name.include"), exclude: stringList(refs.exclude, "conditions.ref_name.exclude") } };
  }
  return { ...value };
}

/**
 * Rules: any type is stored as sent (the twin does not know every rule type GitHub has or will
 * have); the parameters of the types branch-steward writes are checked like GitHub does.
 */
function parseRules(value: unknown): TwinRule[] {
  if (!Array.isArray(value)) throw invalid("rules");
  return value.map((r, i) => {
    if (!isObj(r) || typeof r.type !== "string" || r.type === "") throw invalid(`rules[${i}].type`);
    const parameters = r.parameters;
    if (parameters !== undefined && !isObj(parameters)) throw invalid(`rules[${i}].parameters`);
    const required = REQUIRED_PARAMETERS[r.type];
    if (required && (r.type !== "update" || parameters)) {
      for (const key of required) if (!parameters || !(key in parameters)) throw validationFailed({ resource: "Ruleset", code: "missing_field", field: `rules[${i}].parameters.${key}` });
    }
    if (r.type === "required_status_checks" && parameters) {
      const checks = parameters.required_status_checks;
      if (!Array.isArray(checks) || !checks.every((c) => isObj(c) && typeof c.context === "string" && (c.integration_id === undefined || Number.isInteger(c.integration_id)))) {
        throw invalid(`rules[${i}].parameters.required_status_checks`);
      }
    }
    if (r.type === "pull_request" && parameters) {
      const count = parameters.required_approving_review_count;
      if (!Number.isInteger(count) || (count as number) < 0 || (count as number) > 10) throw invalid(`rules[${i}].parameters.required_approving_review_count`);
    }
    return parameters ? { type: r.type, parameters: { ...parameters } } : { type: r.type };
  });
}

function rulesetJson(ctx: RequestContext, repo: RepoState | null, r: TwinRuleset, full: boolean): Record<string, unknown> {
  const self =
    r.sourceType === "Repository" && repo ? `${repoApiUrl(ctx.core, repo)}/rulesets/${r.id}` : `${ctx.core.urls.api}/orgs/${r.source}/rulesets/${r.id}`;
  const html = r.sourceType === "Repository" ? `${ctx.core.urls.html}/${r.source}/rules/${r.id}` : `${ctx.core.urls.html}/organizations/${r.source}/settings/rules/${r.id}`;
  const admin = repo ? rulesetStateOf(repo).admin : false;
  const canBypass = r.bypassActors.some((a) => a.actor_type === "Integration" && a.actor_id === ctx.core.app.id) ? "always" : "never";
  return {
    id: r.id,
    name: r.name,
    target: r.target,
    source_type: r.sourceType,
    source: r.source,
    enforcement: r.enforcement,
    node_id: nodeId("RepositoryRuleset", r.id),
    _links: { self: { href: self }, html: { href: html } },
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    ...(full
      ? {
          // Like GitHub: only those who can edit the ruleset see who may bypass it.
          ...(admin && r.sourceType === "Repository" ? { bypass_actors: r.bypassActors.map((a) => ({ ...a })) } : {}),
          current_user_can_bypass: canBypass,
          conditions: structuredClone(r.conditions),
          rules: r.rules.map((rule) => structuredClone(rule)),
        }
      : {}),
  };
}

function visible(ctx: RequestContext, repo: RepoState): TwinRuleset[] {
  const own = [...rulesetStateOf(repo).rulesets.values()];
  const parents = ctx.query.get("includes_parents") !== "false" && repo.owner.type === "Organization" ? orgRulesetsOf(repo.owner) : [];
  return [...own, ...parents];
}

function listRulesets(ctx: RequestContext) {
  const repo = repoParam(ctx);
  const targets = (ctx.query.get("targets") ?? "").split(",").filter((t) => t !== "");
  const items = visible(ctx, repo).filter((r) => targets.length === 0 || targets.includes(r.target));
  return paginated(ctx, items, (r) => rulesetJson(ctx, repo, r, false));
}

function findRuleset(ctx: RequestContext, repo: RepoState): TwinRuleset {
  const id = intParam(ctx, "ruleset_id");
  const found = visible(ctx, repo).find((r) => r.id === id);
  if (!found) throw notFound();
  return found;
}

function getRuleset(ctx: RequestContext) {
  const repo = repoParam(ctx);
  return json(rulesetJson(ctx, repo, findRuleset(ctx, repo), true));
}

function requireAdmin(repo: RepoState): void {
  if (!rulesetStateOf(repo).admin) throw new HttpError(403, NO_ACCESS);
}

function uniqueName(repo: RepoState, name: string, id: number | null): void {
  for (const r of rulesetStateOf(repo).rulesets.values()) {
    if (r.name === name && r.id !== id) throw new HttpError(422, "Validation Failed", ["Name must be unique"]);
  }
}

function createRuleset(ctx: RequestContext) {
  const repo = repoParam(ctx);
  requireAdmin(repo);
  const body = ctx.body;
  if (typeof body.name !== "string" || body.name === "") throw validationFailed({ resource: "Ruleset", code: "missing_field", field: "name" });
  uniqueName(repo, body.name, null);
  const at = now(ctx.core);
  const ruleset: TwinRuleset = {
    id: ctx.core.world.newId(),
    name: body.name,
    target: body.target === undefined ? "branch" : oneOf(body.target, TARGETS, "target"),
    source: repo.fullName,
    sourceType: "Repository",
    enforcement: oneOf(body.enforcement, ENFORCEMENTS, "enforcement"),
    bypassActors: body.bypass_actors === undefined ? [] : parseActors(body.bypass_actors),
    conditions: body.conditions === undefined ? {} : parseConditions(body.conditions),
    rules: body.rules === undefined ? [] : parseRules(body.rules),
    createdAt: at,
    updatedAt: at,
  };
  rulesetStateOf(repo).rulesets.set(ruleset.id, ruleset);
  return json(rulesetJson(ctx, repo, ruleset, true), 201);
}

function updateRuleset(ctx: RequestContext) {
  const repo = repoParam(ctx);
  const existing = rulesetStateOf(repo).rulesets.get(intParam(ctx, "ruleset_id"));
  if (!existing) throw notFound();
  requireAdmin(repo);
  const body = ctx.body;
  if (body.name !== undefined) {
    if (typeof body.name !== "string" || body.name === "") throw invalid("name");
    uniqueName(repo, body.name, existing.id);
  }
  const next: TwinRuleset = {
    ...existing,
    ...(body.name !== undefined ? { name: body.name as string } : {}),
    ...(body.target !== undefined ? { target: oneOf(body.target, TARGETS, "target") } : {}),
    ...(body.enforcement !== undefined ? { enforcement: oneOf(body.enforcement, ENFORCEMENTS, "enforcement") } : {}),
    ...(body.bypass_actors !== undefined ? { bypassActors: parseActors(body.bypass_actors) } : {}),
    ...(body.conditions !== undefined ? { conditions: parseConditions(body.conditions) } : {}),
    ...(body.rules !== undefined ? { rules: parseRules(body.rules) } : {}),
    updatedAt: now(ctx.core),
  };
  rulesetStateOf(repo).rulesets.set(next.id, next);
  return json(rulesetJson(ctx, repo, next, true));
}

function deleteRuleset(ctx: RequestContext) {
  const repo = repoParam(ctx);
  const id = intParam(ctx, "ruleset_id");
  if (!rulesetStateOf(repo).rulesets.has(id)) throw notFound();
  requireAdmin(repo);
  rulesetStateOf(repo).rulesets.delete(id);
  return noContent();
}

function branchRules(ctx: RequestContext) {
  const repo = repoParam(ctx);
  const ref = `refs/heads/${ctx.params.branch ?? ""}`;
  const rules = activeRules(repo, ref);
  return paginated(ctx, rules, ({ rule, ruleset }) => ({
    ...structuredClone(rule),
    ruleset_source_type: ruleset.sourceType,
    ruleset_source: ruleset.source,
    ruleset_id: ruleset.id,
  }));
}

function orgParam(ctx: RequestContext): Account {
  const org = ctx.core.world.accounts.get((ctx.params.org ?? "").toLowerCase());
  if (!org || org.type !== "Organization") throw notFound();
  return org;
}

function listOrgRulesets(ctx: RequestContext) {
  const org = orgParam(ctx);
  return paginated(ctx, orgRulesetsOf(org), (r) => rulesetJson(ctx, null, r, false));
}

function getOrgRuleset(ctx: RequestContext) {
  const org = orgParam(ctx);
  const id = intParam(ctx, "ruleset_id");
  const found = orgRulesetsOf(org).find((r) => r.id === id);
  if (!found) throw notFound();
  return json(rulesetJson(ctx, null, found, true));
}

/** Writing an organization ruleset needs organization administration, which the installation lacks. */
function refuseOrgWrite(ctx: RequestContext): never {
  orgParam(ctx);
  throw new HttpError(403, NO_ACCESS);
}

export const rulesetRoutes: Route[] = [
  { method: "GET", path: "/repos/{owner}/{repo}/rulesets", auth: "installation", handler: listRulesets },
  { method: "POST", path: "/repos/{owner}/{repo}/rulesets", auth: "installation", handler: createRuleset },
  { method: "GET", path: "/repos/{owner}/{repo}/rulesets/{ruleset_id}", auth: "installation", handler: getRuleset },
  { method: "PUT", path: "/repos/{owner}/{repo}/rulesets/{ruleset_id}", auth: "installation", handler: updateRuleset },
  { method: "DELETE", path: "/repos/{owner}/{repo}/rulesets/{ruleset_id}", auth: "installation", handler: deleteRuleset },
  { method: "GET", path: "/repos/{owner}/{repo}/rules/branches/{branch}", auth: "installation", handler: branchRules },
  { method: "GET", path: "/orgs/{org}/rulesets", auth: "installation", handler: listOrgRulesets },
  { method: "POST", path: "/orgs/{org}/rulesets", auth: "installation", handler: refuseOrgWrite },
  { method: "GET", path: "/orgs/{org}/rulesets/{ruleset_id}", auth: "installation", handler: getOrgRuleset },
  { method: "PUT", path: "/orgs/{org}/rulesets/{ruleset_id}", auth: "installation", handler: refuseOrgWrite },
];
