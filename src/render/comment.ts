/** The one status comment branch-steward keeps on each governed PR, found by its hidden marker. */

import type { Evaluation } from "../policy/types.js";
import { checkName } from "../policy/evaluation.js";
import { renderFinding, ruleName } from "./findings.js";
import { pairText } from "./flow.js";
import { COMMENT_BODY, clipInline, fitBody, fitList, minus } from "./limits.js";
import { code, escapeText, inertMarkdown } from "./markdown.js";

export const COMMENT_MARKER = "<!-- branch-steward -->";

/** Failing rules listed in the comment; the check lists them all. */
const LISTED = 20;
/** One item never takes more than this: the check has the whole text. */
const ITEM = { chars: 2_000 };

export interface CommentLink {
  /** The PR's checks tab: stable across pushes, so the comment does not change with the SHA. */
  readonly checksUrl: string;
}

export function renderComment(evaluation: Evaluation, link: CommentLink): string {
  const icon = evaluation.status === "in_progress" ? "⏳" : evaluation.conclusion === "success" ? "✅" : evaluation.conclusion === "neutral" ? "➖" : "❌";
  const failing = evaluation.rules.filter((r) => r.outcome === "fail").map(renderFinding);
  const check = `[${code(checkName(evaluation.target))}](${link.checksUrl})`;
  const head = [COMMENT_MARKER, `${icon} **branch-steward**: ${clipInline(escapeText(headlineOf(evaluation)), ITEM)}`, ""];
  const foot = `Details: ${check}. This comment is updated when the verdict changes.`;
  const items = fitList(
    failing.map((r) => `- ${clipInline(inertMarkdown(r.fix ?? r.detail), ITEM)}`),
    { max: LISTED, limit: minus(COMMENT_BODY, `${head.join("\n")}\n\n\n${foot}`), more: (n) => `- … and ${n} more: see ${check}.` },
  );
  const lines = [...head, ...items, ...(items.length ? [""] : []), foot];
  return fitBody(lines.join("\n"), COMMENT_BODY, `… shortened to fit a GitHub comment: see ${check}.`);
}

/** The comment for a PR that moved to a branch branch-steward does not govern. */
export function renderUngovernedComment(target: string): string {
  return [COMMENT_MARKER, `➖ **branch-steward**: this PR now targets ${code(target)}, which branch-steward does not govern.`].join("\n");
}

/** What the comment says in one line; the comment changes only when this does. */
export function headlineOf(e: Evaluation): string {
  if (e.config === "invalid") return "blocked: the branch-steward configuration is invalid";
  const retargeted = e.rules.find((r) => r.rule === "retargeted");
  if (retargeted?.rule === "retargeted") return `PR now targets ${retargeted.to}`;
  const flow = e.flow;
  if (flow?.governed && !flow.allowed) return `blocked: ${pairText(flow)} is not an allowed flow`;
  const failing = e.rules.filter((r) => r.outcome === "fail").map(ruleName);
  if (failing.length) return `blocked: ${failing.join(", ")}`;
  if (e.rules.some((r) => r.outcome === "pending")) return "waiting for validation";
  return flow?.governed && flow.allowed ? `allowed: the ${flow.flow.name} flow` : "allowed";
}
