/**
 * The staging validation gate, up-to-date and hotfix lineage rules. Pure: the handler
 * gathers check runs, statuses and compares; these functions turn them into rule rows (data).
 */
import type { CompiledCheck } from "../config/compile.js";
import { matches } from "./patterns.js";
import type { CommitSummary, ObservedCheck, RuleResult } from "./types.js";

const PASSING = new Set(["success", "neutral", "skipped"]);

/** A completed result with one of these conclusions passes: success, neutral, skipped. */
export const isPassing = (conclusion: string | null): boolean => PASSING.has(conclusion ?? "");

/** The latest result per name (check runs and statuses alike), newest first by start time. */
export function latestByName(observed: readonly ObservedCheck[]): ObservedCheck[] {
  const byName = new Map<string, ObservedCheck>();
  for (const check of observed) {
    const current = byName.get(check.name);
    const newer =
      !current ||
      (check.startedAt ?? "") > (current.startedAt ?? "") ||
      ((check.startedAt ?? "") === (current.startedAt ?? "") && check.id > current.id);
    if (newer) byName.set(check.name, check);
  }
  return [...byName.values()];
}

const reporterMatches = (check: ObservedCheck, app: string): boolean =>
  check.source === "check_run" ? check.reporter === app : check.reporter === `${app}[bot]` || check.reporter === app;

type RequiredRow = Extract<RuleResult, { rule: "required-check" }>;

/** The state of one required check from its trusted results: failed before running before stale. */
function stateOf(req: CompiledCheck, trusted: readonly ObservedCheck[], now: Date): Pick<RequiredRow, "state" | "outcome"> {
  if (trusted.length === 0) return { state: "missing", outcome: "pending" };
  if (trusted.some((c) => c.status === "completed" && !isPassing(c.conclusion))) return { state: "failed", outcome: "fail" };
  if (trusted.some((c) => c.status !== "completed")) return { state: "running", outcome: "pending" };
  const max = req.maxAgeSeconds;
  const stale = max ? trusted.some((c) => c.completedAt && (now.getTime() - Date.parse(c.completedAt)) / 1000 > max) : false;
  return stale ? { state: "stale", outcome: "fail" } : { state: "passed", outcome: "pass" };
}

/** One row per required check: pass, fail, or pending while it runs or has not appeared. */
export function evaluateRequiredChecks(required: readonly CompiledCheck[], observed: readonly ObservedCheck[], now: Date): RuleResult[] {
  return required.map((req): RequiredRow => {
    const all = observed.filter((c) => c.name === req.name || matches(req.pattern, c.name));
    // Pinned: the latest result *from that app* counts; a newer look-alike cannot hide it.
    const app = req.app;
    const trusted = latestByName(app ? all.filter((c) => reporterMatches(c, app)) : all);
    const ignored = app ? latestByName(all.filter((c) => !reporterMatches(c, app))) : [];
    const check = { name: req.name, app: req.app, maxAgeSeconds: req.maxAgeSeconds };
    return { rule: "required-check", ...stateOf(req, trusted, now), check, results: trusted, ignored };
  });
}

/** The row for a sync flow with no validation configured: fail closed, unless opted out. */
export function noValidationRule(flowName: string, optedOut: boolean): RuleResult {
  return { rule: "validation", outcome: optedOut ? "pass" : "fail", flowName, optedOut };
}

/**
 * Up to date: the target's head is an ancestor of the PR head (`behindBy` = 0). For a sync,
 * `missing` are the first of the target commits absent from the source: usually unmerged backports.
 */
export function upToDateRule(
  pair: { readonly target: string; readonly source: string },
  behindBy: number,
  missing: readonly CommitSummary[],
  isSync: boolean,
): RuleResult {
  return { rule: "up-to-date", outcome: behindBy === 0 ? "pass" : "fail", target: pair.target, source: pair.source, behindBy, missing, isSync };
}

/**
 * A hotfix must be cut from production: none of its commits may come from development only.
 * `offending.count` is GitHub's count of them; `offending.examples` the first few.
 */
export function hotfixLineageRule(
  production: string,
  development: string,
  offending: { readonly count: number; readonly examples: readonly CommitSummary[] },
): RuleResult {
  const count = Math.max(offending.count, offending.examples.length);
  return { rule: "hotfix-lineage", outcome: count === 0 ? "pass" : "fail", production, development, count, offending: offending.examples };
}
