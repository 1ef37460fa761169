/** The output of the `branch-steward / <target>` check run. */
import type { Evaluation, Outcome } from "../policy/evaluation.js";
import { cell, escapeInline, inertMarkdown, truncate } from "./markdown.js";

const OUTCOME: Record<Outcome, string> = { pass: "✅ pass", fail: "❌ fail", pending: "⏳ pending" };

export interface CheckOutput {
  readonly title: string;
  readonly summary: string;
}

/** Check run titles are plain text and short; keep them on one line. */
const TITLE_LIMIT = 200;

export function renderCheck(evaluation: Evaluation): CheckOutput {
  const rows = evaluation.rules.map(
    (r) => `| ${cell(inertMarkdown(r.rule))} | ${OUTCOME[r.outcome]} | ${cell(inertMarkdown(r.detail))} | ${r.fix ? cell(inertMarkdown(r.fix)) : "—"} |`,
  );
  const lines = [
    // The title is plain text (it may quote a branch name verbatim): escape it for the summary.
    `**${verdictWord(evaluation)}**: ${cell(escapeInline(evaluation.title))}`,
    "",
    "| Rule | Result | Details | What to do |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    configLine(evaluation),
  ];
  return {
    title: evaluation.title.replace(/\s+/g, " ").slice(0, TITLE_LIMIT),
    summary: truncate(lines.join("\n").trimEnd()),
  };
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
