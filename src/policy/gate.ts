/**
 * The staging validation gate, up-to-date and hotfix lineage rules. Pure: the handler
 * gathers check runs, statuses and compares; these functions turn them into rule rows.
 */
import { code, escapeInline } from "../render/markdown.js";
import type { CompiledCheck } from "../config/compile.js";
import { matches } from "./patterns.js";
import type { CommitSummary, ObservedCheck, RuleResult } from "./types.js";

const PASSING = new Set(["success", "neutral", "skipped"]);

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

export function humanAge(seconds: number): string {
  if (seconds < 90) return `${Math.max(0, Math.round(seconds))} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

/** Only http(s) links are rendered as links; anything else (javascript:, data:) is shown as text. */
const safeUrl = (url: string | null): string | null => (url && /^https?:\/\/[^\s()<>]+$/i.test(url) ? url : null);

function describeResult(check: ObservedCheck): string {
  const url = safeUrl(check.url);
  const link = url ? `[${escapeInline(check.name)}](${url})` : code(check.name);
  const by = check.reporter ? ` by ${escapeInline(check.reporter)}` : "";
  const state = check.status === "completed" ? (check.conclusion ?? "completed") : check.status;
  // The completion time, not a relative age: the summary must not change while nothing happens.
  const at = check.completedAt ? `, completed ${check.completedAt.replace("T", " ").replace(/(\.\d+)?Z$/, " UTC")}` : "";
  return `${link}: ${state}${by}${at}`;
}

/** One row per required check: pass, fail, or pending while it runs or has not appeared. */
export function evaluateRequiredChecks(
  required: readonly CompiledCheck[],
  observed: readonly ObservedCheck[],
  now: Date,
): RuleResult[] {
  return required.map((req) => {
    const all = observed.filter((c) => c.name === req.name || matches(req.pattern, c.name));
    // Pinned: the latest result *from that app* counts; a newer look-alike cannot hide it.
    const trusted = latestByName(req.app ? all.filter((c) => reporterMatches(c, req.app as string)) : all);
    const ignored = req.app ? latestByName(all.filter((c) => !reporterMatches(c, req.app as string))) : [];
    const ignoredNote = ignored.length
      ? ` Ignored ${ignored.map((c) => `${code(c.name)} from ${escapeInline(c.reporter ?? "an unknown source")}`).join(", ")}: the config requires it from ${code(req.app ?? "")}.`
      : "";
    const rule = `Required check ${code(req.name)}${req.app ? ` (from ${escapeInline(req.app)})` : ""}`;
    if (trusted.length === 0) {
      return { rule, outcome: "pending", detail: `Waiting for ${code(req.name)} to report on this commit.${ignoredNote}` };
    }
    const running = trusted.filter((c) => c.status !== "completed");
    const failed = trusted.filter((c) => c.status === "completed" && !PASSING.has(c.conclusion ?? ""));
    const stale = req.maxAgeSeconds
      ? trusted.filter((c) => c.status === "completed" && c.completedAt && (now.getTime() - Date.parse(c.completedAt)) / 1000 > (req.maxAgeSeconds as number))
      : [];
    const detail = trusted.map((c) => describeResult(c)).join("; ") + ignoredNote;
    if (failed.length) {
      return { rule, outcome: "fail", detail, fix: `Fix the cause and re-run ${failed.map((c) => code(c.name)).join(", ")} on this commit.` };
    }
    if (running.length) return { rule, outcome: "pending", detail };
    if (stale.length) {
      return { rule, outcome: "fail", detail: `${detail} — older than the allowed ${humanAge(req.maxAgeSeconds as number).replace(" ago", "")}.`, fix: "Re-run the validation on this commit." };
    }
    return { rule, outcome: "pass", detail };
  });
}

/** The row for a sync flow with no validation configured: fail closed, unless opted out. */
export function noValidationRule(flowName: string, optedOut: boolean): RuleResult {
  if (optedOut) return { rule: "Validation", outcome: "pass", detail: "No validation required by config." };
  return {
    rule: "Validation",
    outcome: "fail",
    detail: `No validation checks are configured for the ${flowName} flow, so nothing proves this commit was validated.`,
    fix: `Name the staging checks in .github/branch-steward.yml, e.g. \`validation: { ${flowName}: { required: [{ name: inference-tests }, { name: drift-detection }, { name: performance }] } }\`, or opt out with \`validation: { ${flowName}: { required: [], opt_out: true } }\`.`,
  };
}

/** A count as people read it: 1,500. */
export const count = (n: number): string => n.toLocaleString("en-US");

/** The first `limit` commits, then "and N more" where N comes from `total` (a count, never a page size). */
const listCommits = (commits: readonly CommitSummary[], total: number, limit = 10): string => {
  const shown = commits.slice(0, limit);
  const more = Math.max(total, shown.length) - shown.length;
  return shown.map((c) => `\`${c.sha.slice(0, 7)}\` ${escapeInline(c.title)}`).join("; ") + (more > 0 ? `; and ${count(more)} more` : "");
};

/**
 * Up to date: the target's head is an ancestor of the PR head (`behindBy` = 0). For a sync,
 * `missing` are the first of the target commits absent from the source: usually unmerged backports.
 */
export function upToDateRule(target: string, behindBy: number, missing: readonly CommitSummary[], isSync: boolean): RuleResult {
  const rule = "Up to date with target";
  if (behindBy === 0) return { rule, outcome: "pass", detail: `The head of ${code(target)} is an ancestor of this PR's head.` };
  const plural = behindBy === 1 ? "commit" : "commits";
  const detail = `This PR is ${count(behindBy)} ${plural} behind ${code(target)}.` + (isSync && missing.length ? ` Missing from the source: ${listCommits(missing, behindBy)}.` : "");
  return {
    rule,
    outcome: "fail",
    detail,
    fix: isSync
      ? `Merge the open backport PRs into the source branch (or merge ${code(target)} into it), then push.`
      : `Update the branch: merge ${code(target)} into it (the "Update branch" button), then push.`,
  };
}

/**
 * A hotfix must be cut from production: none of its commits may come from development only.
 * `offending.count` is GitHub's count of them; `offending.examples` the first few.
 */
export function hotfixLineageRule(production: string, development: string, offending: { readonly count: number; readonly examples: readonly CommitSummary[] }): RuleResult {
  const rule = "Hotfix cut from production";
  const n = Math.max(offending.count, offending.examples.length);
  if (n === 0) return { rule, outcome: "pass", detail: `No commit of this PR is in ${code(development)} without being in ${code(production)}.` };
  return {
    rule,
    outcome: "fail",
    detail: `${count(n)} commit${n === 1 ? "" : "s"} of this PR ${n === 1 ? "is" : "are"} in ${code(development)} but not in ${code(production)}: ${listCommits(offending.examples, n)}.`,
    fix: `Cut the hotfix branch from ${code(production)} (${code(`git switch -c hotfix/<name> origin/${production}`)}), cherry-pick only the fix, and open a new PR.`,
  };
}
