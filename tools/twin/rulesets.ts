/**
 * Rulesets in the twin: repository rulesets (read and written through the REST routes in
 * routes/rulesets.ts), organization rulesets (seeded by tests, read-only over REST), GitHub's
 * ref-name matching, and the "no admin" knob.
 *
 * Kept beside the core state (keyed by the repository and organization objects) so the rest of
 * the twin is untouched: each twin has its own world, so its own rulesets.
 */
import { HttpError } from "./errors.js";
import type { Account, RepoState } from "./state.js";

export interface TwinRule {
  type: string;
  parameters?: Record<string, unknown>;
}

export interface TwinBypassActor {
  actor_id: number | null;
  actor_type: string;
  bypass_mode: string;
}

export interface TwinRuleset {
  id: number;
  name: string;
  target: "branch" | "tag" | "push";
  /** `owner/name` for a repository ruleset, the org login for an organization ruleset. */
  source: string;
  sourceType: "Repository" | "Organization";
  enforcement: "active" | "evaluate" | "disabled";
  bypassActors: TwinBypassActor[];
  /** The whole `conditions` object (`ref_name`, and `repository_name` for org rulesets). */
  conditions: Record<string, unknown>;
  rules: TwinRule[];
  createdAt: string;
  updatedAt: string;
}

export interface RepoRulesetState {
  rulesets: Map<number, TwinRuleset>;
  /**
   * Whether the app's installation has admin rights here (default true). Without: classic
   * protection is 403 to read and write, rulesets are 403 to write, and their bypass actors
   * are not shown.
   */
  admin: boolean;
}

const repoStates = new WeakMap<RepoState, RepoRulesetState>();
const orgStates = new WeakMap<Account, TwinRuleset[]>();

export function rulesetStateOf(repo: RepoState): RepoRulesetState {
  let state = repoStates.get(repo);
  if (!state) repoStates.set(repo, (state = { rulesets: new Map(), admin: true }));
  return state;
}

/** The organization rulesets of `org` (tests push to it: they are read-only over REST). */
export function orgRulesetsOf(org: Account): TwinRuleset[] {
  let list = orgStates.get(org);
  if (!list) orgStates.set(org, (list = []));
  return list;
}

const escapeRegex = (s: string): string => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");

/** GitHub's fnmatch for ref names: `*` within a path segment, `**` across `/`; `~ALL`, `~DEFAULT_BRANCH`. */
export function refPatternMatches(pattern: string, ref: string, defaultBranch: string): boolean {
  if (pattern === "~ALL") return true;
  if (pattern === "~DEFAULT_BRANCH") return ref === `refs/heads/${defaultBranch}`;
  const source = pattern
    .split("**")
    .map((part) => part.split("*").map(escapeRegex).join("[^/]*"))
    .join(".*");
  return new RegExp(`^${source}$`).test(ref);
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : []);

/** Whether `ruleset`'s conditions select `ref` of `repo`. */
export function rulesetApplies(ruleset: TwinRuleset, repo: RepoState, ref: string): boolean {
  const refs = (ruleset.conditions.ref_name ?? {}) as Record<string, unknown>;
  const hit = (patterns: string[]) => patterns.some((p) => refPatternMatches(p, ref, repo.defaultBranch));
  if (!hit(strings(refs.include)) || hit(strings(refs.exclude))) return false;
  const names = ruleset.conditions.repository_name as Record<string, unknown> | undefined;
  if (names) {
    const match = (patterns: string[]) => patterns.some((p) => p === "~ALL" || refPatternMatches(p, repo.name, ""));
    if (!match(strings(names.include)) || match(strings(names.exclude))) return false;
  }
  return true;
}

/** Every ruleset that applies to `repo`: its own, then its organization's. */
export function rulesetsFor(repo: RepoState): TwinRuleset[] {
  const org = repo.owner.type === "Organization" ? orgRulesetsOf(repo.owner) : [];
  return [...rulesetStateOf(repo).rulesets.values(), ...org];
}

/** The active rules on `ref` (`refs/heads/x`, `refs/tags/y`), each with its ruleset. */
export function activeRules(repo: RepoState, ref: string): Array<{ rule: TwinRule; ruleset: TwinRuleset }> {
  const target = ref.startsWith("refs/tags/") ? "tag" : "branch";
  return rulesetsFor(repo)
    .filter((r) => r.enforcement === "active" && r.target === target && rulesetApplies(r, repo, ref))
    .flatMap((ruleset) => ruleset.rules.map((rule) => ({ rule, ruleset })));
}

/**
 * Why a ref change by `actor` breaks an active ruleset, or null. `appId` is the app acting (null:
 * a person); an `Integration` bypass actor with that id may do anything.
 */
export function refRuleViolation(
  repo: RepoState,
  ref: string,
  change: "creation" | "update" | "deletion",
  appId: number | null,
): string | null {
  for (const { rule, ruleset } of activeRules(repo, ref)) {
    if (rule.type !== change) continue;
    const bypass = ruleset.bypassActors.some((a) => a.actor_type === "Integration" && appId !== null && a.actor_id === appId);
    if (!bypass) return `Cannot ${change === "creation" ? "create" : change === "update" ? "update" : "delete"} ref due to ${change === "creation" ? "creations" : change === "update" ? "updates" : "deletions"} being restricted.`;
  }
  return null;
}

/** GitHub's answer to a ref change an active ruleset forbids. */
export function ruleViolation(reason: string): HttpError {
  return new HttpError(422, `Repository rule violations found\n\n${reason}\n\n`);
}

/** Throws GitHub's 422 when an active tag ruleset forbids the change (the app bypasses as an `Integration` actor). */
export function enforceTagRules(repo: RepoState, ref: string, change: "creation" | "update" | "deletion", appId: number | null): void {
  if (!ref.startsWith("refs/tags/")) return;
  const reason = refRuleViolation(repo, ref, change, appId);
  if (reason) throw ruleViolation(reason);
}
