/** The one status comment branch-steward keeps on each governed PR, found by its hidden marker. */
import type { Evaluation } from "../policy/evaluation.js";
import { checkName } from "../policy/evaluation.js";
import { code, escapeText, inertMarkdown } from "./markdown.js";

export const COMMENT_MARKER = "<!-- branch-steward -->";

export interface CommentLink {
  /** The PR's checks tab: stable across pushes, so the comment does not change with the SHA. */
  readonly checksUrl: string;
}

export function renderComment(evaluation: Evaluation, link: CommentLink): string {
  const icon = evaluation.status === "in_progress" ? "⏳" : evaluation.conclusion === "success" ? "✅" : evaluation.conclusion === "neutral" ? "➖" : "❌";
  const failing = evaluation.rules.filter((r) => r.outcome === "fail");
  const lines = [
    COMMENT_MARKER,
    `${icon} **branch-steward**: ${escapeText(evaluation.headline)}`,
    "",
    ...failing.map((r) => `- ${inertMarkdown(r.fix ?? r.detail)}`),
    ...(failing.length ? [""] : []),
    `Details: [${code(checkName(evaluation.target))}](${link.checksUrl}). This comment is updated when the verdict changes.`,
  ];
  return lines.join("\n");
}

/** The comment for a PR that moved to a branch branch-steward does not govern. */
export function renderUngovernedComment(target: string): string {
  return [COMMENT_MARKER, `➖ **branch-steward**: this PR now targets ${code(target)}, which branch-steward does not govern.`].join("\n");
}

