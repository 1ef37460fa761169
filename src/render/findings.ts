/**
 * Rule rows in words: the name, details and "what to do" of each finding of the check. The
 * policy returns data (policy/types.ts RuleResult); every sentence about it is written here.
 */
import type { ConfigIssue } from "../config/parse.js";
import { checkName } from "../policy/evaluation.js";
import { isPassing } from "../policy/gate.js";
import type { CommitSummary, ObservedCheck, Outcome, RuleResult } from "../policy/types.js";
import { CONFIG_ROW_FIX } from "./config.js";
import { couplingRowText, couplingRuleName } from "./coupling.js";
import { allowedText, denialText } from "./flow.js";
import { code, escapeInline } from "./markdown.js";

/** One row of the check's table, in markdown. */
export interface RuleRow {
  readonly rule: string;
  readonly outcome: Outcome;
  readonly detail: string;
  readonly fix?: string;
}

type Row<K extends RuleResult["rule"]> = Extract<RuleResult, { rule: K }>;

/** A count as people read it: 1,500. */
export const count = (n: number): string => n.toLocaleString("en-US");

export function humanAge(seconds: number): string {
  if (seconds < 90) return `${Math.max(0, Math.round(seconds))} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

/** `4 h`: a maximum age without "ago". */
export const ageLimit = (seconds: number): string => humanAge(seconds).replace(" ago", "");

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

/** The first `limit` commits, then "and N more" where N comes from `total` (a count, never a page size). */
function listCommits(commits: readonly CommitSummary[], total: number, limit = 10): string {
  const shown = commits.slice(0, limit);
  const more = Math.max(total, shown.length) - shown.length;
  return shown.map((c) => `\`${c.sha.slice(0, 7)}\` ${escapeInline(c.title)}`).join("; ") + (more > 0 ? `; and ${count(more)} more` : "");
}

/** The name of a rule's row (also what the comment's headline lists). */
export function ruleName(r: RuleResult): string {
  switch (r.rule) {
    case "flow":
    case "retargeted":
      return "Source → target flow";
    case "required-check":
      return `Required check ${code(r.check.name)}${r.check.app ? ` (from ${escapeInline(r.check.app)})` : ""}`;
    case "validation":
      return "Validation";
    case "up-to-date":
      return "Up to date with target";
    case "hotfix-lineage":
      return "Hotfix cut from production";
    case "config":
      return "Configuration";
    case "coupling":
      return couplingRuleName(r.finding);
  }
}

function flowRow(r: Row<"flow">): Omit<RuleRow, "rule" | "outcome"> {
  if (r.verdict.allowed) return { detail: allowedText(r.verdict) };
  const { reason, fix } = denialText(r.verdict);
  return { detail: reason, fix };
}

function requiredRow(r: Row<"required-check">): Omit<RuleRow, "rule" | "outcome"> {
  const { check } = r;
  const ignored = r.ignored.length
    ? ` Ignored ${r.ignored.map((c) => `${code(c.name)} from ${escapeInline(c.reporter ?? "an unknown source")}`).join(", ")}: the config requires it from ${code(check.app ?? "")}.`
    : "";
  if (r.state === "missing") return { detail: `Waiting for ${code(check.name)} to report on this commit.${ignored}` };
  const detail = r.results.map(describeResult).join("; ") + ignored;
  if (r.state === "failed") {
    const failed = r.results.filter((c) => c.status === "completed" && !isPassing(c.conclusion));
    return { detail, fix: `Fix the cause and re-run ${failed.map((c) => code(c.name)).join(", ")} on this commit.` };
  }
  if (r.state === "stale") {
    return { detail: `${detail} — older than the allowed ${ageLimit(check.maxAgeSeconds ?? 0)}.`, fix: "Re-run the validation on this commit." };
  }
  return { detail };
}

function validationRow(r: Row<"validation">): Omit<RuleRow, "rule" | "outcome"> {
  if (r.optedOut) return { detail: "No validation required by config." };
  const name = r.flowName;
  return {
    detail: `No validation checks are configured for the ${name} flow, so nothing proves this commit was validated.`,
    fix: `Name the staging checks in .github/branch-steward.yml, e.g. \`validation: { ${name}: { required: [{ name: inference-tests }, { name: drift-detection }, { name: performance }] } }\`, or opt out with \`validation: { ${name}: { required: [], opt_out: true } }\`.`,
  };
}

function upToDateRow(r: Row<"up-to-date">): Omit<RuleRow, "rule" | "outcome"> {
  const { target, behindBy } = r;
  if (behindBy === 0) return { detail: `The head of ${code(target)} is an ancestor of this PR's head.` };
  const plural = behindBy === 1 ? "commit" : "commits";
  const missing = r.isSync && r.missing.length ? ` Missing from the source: ${listCommits(r.missing, behindBy)}.` : "";
  return {
    detail: `This PR is ${count(behindBy)} ${plural} behind ${code(target)}.${missing}`,
    fix: r.isSync
      ? `Merge the open backport PRs into the source branch (or merge ${code(target)} into it), then push.`
      : `Update the branch: merge ${code(target)} into it (the "Update branch" button), then push.`,
  };
}

function lineageRow(r: Row<"hotfix-lineage">): Omit<RuleRow, "rule" | "outcome"> {
  const { production, development } = r;
  const n = r.count;
  if (n === 0) return { detail: `No commit of this PR is in ${code(development)} without being in ${code(production)}.` };
  return {
    detail: `${count(n)} commit${n === 1 ? "" : "s"} of this PR ${n === 1 ? "is" : "are"} in ${code(development)} but not in ${code(production)}: ${listCommits(r.offending, n)}.`,
    fix: `Cut the hotfix branch from ${code(production)} (${code(`git switch -c hotfix/<name> origin/${production}`)}), cherry-pick only the fix, and open a new PR.`,
  };
}

/** The config row: the key path quoted exactly, the message as text. */
function configRow(issue: ConfigIssue): Omit<RuleRow, "rule" | "outcome"> {
  return { detail: issue.path ? `${code(issue.path)}: ${escapeInline(issue.message)}` : escapeInline(issue.message), fix: CONFIG_ROW_FIX };
}

function rowText(r: RuleResult): Omit<RuleRow, "rule" | "outcome"> {
  switch (r.rule) {
    case "flow":
      return flowRow(r);
    case "required-check":
      return requiredRow(r);
    case "validation":
      return validationRow(r);
    case "up-to-date":
      return upToDateRow(r);
    case "hotfix-lineage":
      return lineageRow(r);
    case "config":
      return configRow(r.issue);
    case "retargeted":
      return { detail: `This PR was retargeted from ${code(r.from)} to ${code(r.to)}; see the ${code(checkName(r.to))} check.` };
    case "coupling":
      return couplingRowText(r.finding);
  }
}

/** A rule row in words: its name, outcome, details and (when it fails) what to do. */
export function renderFinding(r: RuleResult): RuleRow {
  return { rule: ruleName(r), outcome: r.outcome, ...rowText(r) };
}
