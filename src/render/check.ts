/** The output of the `branch-steward / <target>` check run. */

import type { Evaluation, Outcome, RuleResult } from "../policy/types.js";
import { CHECK_TEXT, CHECK_TITLE, clipInline, fitCheckSummary, fitTitle, fits, minus, utf8Bytes, type Limit } from "./limits.js";
import { cell, escapeInline, inertMarkdown } from "./markdown.js";

const OUTCOME: Record<Outcome, string> = { pass: "✅ pass", fail: "❌ fail", pending: "⏳ pending" };
/** Rows are shown failing first when they do not all fit. */
const RANK: Record<Outcome, number> = { fail: 0, pending: 1, pass: 2 };
/** One cell never takes more than this, so one huge detail cannot push every other row out. */
const CELL: Limit = { chars: 4_000 };

export interface CheckOutput {
  readonly title: string;
  readonly summary: string;
}

const cellText = (markdown: string): string => cell(clipInline(inertMarkdown(markdown), CELL));
const row = (r: RuleResult): string => `| ${cellText(r.rule)} | ${OUTCOME[r.outcome]} | ${cellText(r.detail)} | ${r.fix ? cellText(r.fix) : "—"} |`;

export function renderCheck(evaluation: Evaluation): CheckOutput {
  const head = [
    // The title is plain text (it may quote a branch name verbatim): escape it for the summary.
    `**${verdictWord(evaluation)}**: ${cell(clipInline(escapeInline(evaluation.title), CELL))}`,
    "",
    "| Rule | Result | Details | What to do |",
    "| --- | --- | --- | --- |",
  ].join("\n");
  const foot = configLine(evaluation);
  const rows = fitRows(evaluation.rules, minus(CHECK_TEXT, `${head}\n\n\n${foot}`));
  const summary = [head, ...rows, "", foot].join("\n").trimEnd();
  return {
    // Check run titles are plain text on one line.
    title: fitTitle(evaluation.title, CHECK_TITLE),
    summary: fitCheckSummary(summary),
  };
}

/**
 * Every row when they fit; otherwise the failing rows first, then pending, then passing ones,
 * in their order, and a line that says how many were left out.
 */
function fitRows(rules: readonly RuleResult[], limit: Limit): string[] {
  const all = rules.map(row);
  if (fits(all.join("\n"), limit)) return all;
  const order = rules.map((r, i) => i).sort((a, b) => RANK[(rules[a] as RuleResult).outcome] - RANK[(rules[b] as RuleResult).outcome] || a - b);
  const room = minus(limit, `\n\n${moreLine(rules, rules.length)}`);
  const kept = new Set<number>();
  let chars = 0;
  let bytes = 0;
  for (const i of order) {
    const text = all[i] as string;
    const c = chars + text.length + (kept.size ? 1 : 0);
    const b = bytes + utf8Bytes(text) + (kept.size ? 1 : 0);
    if (c > room.chars || (room.bytes !== undefined && b > room.bytes)) break;
    kept.add(i);
    chars = c;
    bytes = b;
  }
  const left = rules.filter((_, i) => !kept.has(i));
  return [...all.filter((_, i) => kept.has(i)), "", moreLine(left, left.length)];
}

function moreLine(left: readonly RuleResult[], n: number): string {
  const failing = left.filter((r) => r.outcome === "fail").length;
  return `… and ${n} more rule${n === 1 ? "" : "s"}${failing ? ` (${failing} failing)` : ""} not shown: GitHub limits a check summary to 65,535 characters.`;
}

function verdictWord(e: Evaluation): string {
  if (e.status === "in_progress") return "Waiting";
  switch (e.conclusion) {
    case "success":
      return "Allowed";
    case "neutral":
      return "Not evaluated";
    default:
      return "Blocked";
  }
}

function configLine(e: Evaluation): string {
  switch (e.config) {
    case "file":
      return "Configuration: `.github/branch-steward.yml` from the default branch.";
    case "defaults":
      return "Configuration: no `.github/branch-steward.yml` was found, so the defaults apply (production ← development, hotfix/\\*; development ← feature branches, backport/\\*).";
    case "invalid":
      return "Configuration: `.github/branch-steward.yml` on the default branch is invalid; every governed PR fails until it is fixed.";
    default:
      return "";
  }
}
