/** The output of the `branch-steward / <target>` check run. */

import type { Evaluation, Outcome, RuleResult } from "../policy/types.js";
import { configInvalidTitle } from "./config.js";
import { couplingTitle } from "./coupling.js";
import { ageLimit, count, renderFinding, type RuleRow } from "./findings.js";
import { pairText } from "./flow.js";
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
const row = (r: RuleRow): string => `| ${cellText(r.rule)} | ${OUTCOME[r.outcome]} | ${cellText(r.detail)} | ${r.fix ? cellText(r.fix) : "—"} |`;

export function renderCheck(evaluation: Evaluation): CheckOutput {
  const title = titleOf(evaluation);
  const head = [
    // The title is plain text (it may quote a branch name verbatim): escape it for the summary.
    `**${verdictWord(evaluation)}**: ${cell(clipInline(escapeInline(title), CELL))}`,
    "",
    "| Rule | Result | Details | What to do |",
    "| --- | --- | --- | --- |",
  ].join("\n");
  const foot = configLine(evaluation);
  const rows = fitRows(evaluation.rules.map(renderFinding), minus(CHECK_TEXT, `${head}\n\n\n${foot}`));
  const summary = [head, ...rows, "", foot].join("\n").trimEnd();
  return {
    // Check run titles are plain text on one line.
    title: fitTitle(title, CHECK_TITLE),
    summary: fitCheckSummary(summary),
  };
}

/**
 * Every row when they fit; otherwise the failing rows first, then pending, then passing ones,
 * in their order, and a line that says how many were left out.
 */
function fitRows(rules: readonly RuleRow[], limit: Limit): string[] {
  const all = rules.map(row);
  if (fits(all.join("\n"), limit)) return all;
  const order = rules.map((r, i) => i).sort((a, b) => RANK[(rules[a] as RuleRow).outcome] - RANK[(rules[b] as RuleRow).outcome] || a - b);
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

function moreLine(left: readonly RuleRow[], n: number): string {
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

type Row<K extends RuleResult["rule"]> = Extract<RuleResult, { rule: K }>;

/** `a, b` from names; a title is plain text. */
const names = (xs: readonly string[]): string => xs.join(", ");
const plural = (n: number, word: string): string => `${count(n)} ${word}${n === 1 ? "" : "s"}`;

/** A failing row's title and how many failing rows it speaks for (same-kind required checks share one). */
function failingTitle(first: RuleResult, failing: readonly RuleResult[]): { text: string; covers: number } {
  switch (first.rule) {
    case "hotfix-lineage":
      return { text: `${plural(first.count, "commit")} from ${first.development}: not cut from ${first.production}`, covers: 1 };
    case "up-to-date":
      return { text: `${first.target} has ${plural(first.behindBy, "commit")} that ${first.source} lacks`, covers: 1 };
    case "required-check": {
      if (first.state === "stale") return { text: `${first.check.name} is older than ${ageLimit(first.check.maxAgeSeconds ?? 0)}`, covers: 1 };
      const failed = failing.filter((r): r is Row<"required-check"> => r.rule === "required-check" && r.state === "failed");
      return { text: `${names(failed.map((r) => r.check.name))} failed`, covers: failed.length };
    }
    case "flow":
      return { text: `${pairText(first.verdict)} is not an allowed flow`, covers: 1 };
    case "validation":
      return { text: `no validation configured for the ${first.flowName} flow`, covers: 1 };
    case "config":
      return { text: configInvalidTitle(failing.length), covers: failing.length };
    case "retargeted":
      return { text: `PR now targets ${first.to}`, covers: 1 };
    case "coupling":
      return couplingTitle(first.finding, failing.flatMap((r) => (r.rule === "coupling" ? [r.finding] : [])));
  }
}

/**
 * The check's title states the finding: the first failing row (with "(+N more)" when others
 * fail too), else what it waits for, else which flow allowed it. Plain text, one line.
 */
export function titleOf(e: Evaluation): string {
  const failing = e.rules.filter((r) => r.outcome === "fail");
  const first = failing[0];
  if (first) {
    const { text, covers } = failingTitle(first, failing);
    const more = failing.length - covers;
    return more > 0 ? `${text} (+${more} more)` : text;
  }
  const pending = e.rules.filter((r): r is Row<"required-check"> => r.rule === "required-check" && r.outcome === "pending");
  if (pending.length) return `waiting for ${names(pending.map((r) => r.check.name))}`;
  const retargeted = e.rules.find((r): r is Row<"retargeted"> => r.rule === "retargeted");
  if (retargeted) return `PR now targets ${retargeted.to}`;
  const flow = e.flow;
  if (flow?.governed && flow.allowed) return `${flow.flow.name} flow: ${pairText(flow)} is allowed`;
  return "allowed";
}
