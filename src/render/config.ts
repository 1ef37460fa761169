/**
 * The one text for an invalid `.github/branch-steward.yml`: the check's title, the release and
 * backport comments and the CLI all say the same thing, and only the way to retry differs.
 */
import type { ConfigIssue } from "../config/parse.js";
import { CONFIG_PATH } from "../config/schema.js";
import { CHECK_TITLE, clipInline, fitList, fitTitle } from "./limits.js";
import { code, escapeInline } from "./markdown.js";

/** Problems named in one text; the check of any governed PR lists them all, one row each. */
const ISSUES_LISTED = 20;
const PATH_SHOWN = { chars: 200 };
const MESSAGE_SHOWN = { chars: 300 };

export type ConfigRetry = "redeliver" | "backport-command" | "cli" | "check";

const RETRY: Record<ConfigRetry, string> = {
  redeliver: "then redeliver the `pull_request` closed webhook from the app's advanced settings.",
  "backport-command": "then comment `/backport` on this PR.",
  cli: "then run the command again.",
  check: "branch-steward evaluates every open PR again when the file changes.",
};

/** One problem as inline markdown: the key path quoted exactly, the message as text. */
export function configIssueText(issue: ConfigIssue): string {
  const message = escapeInline(clipInline(issue.message, MESSAGE_SHOWN));
  return issue.path ? `${code(clipInline(issue.path, PATH_SHOWN))}: ${message}` : message;
}

/** What to do about an invalid config, with how to retry: one sentence of markdown. */
export function configFixText(retry: ConfigRetry): string {
  const where = `Fix ${code(CONFIG_PATH)} on the default branch (or in the owner's \`.github\` repository it falls back to)`;
  return retry === "check" ? `${where}; ${RETRY.check}` : `${where}, ${RETRY[retry]}`;
}

/** `configuration error: 2 problems in .github/branch-steward.yml` (plain text, one line). */
export function configInvalidTitle(count: number): string {
  return fitTitle(`configuration error: ${count} problem${count === 1 ? "" : "s"} in ${CONFIG_PATH}`, CHECK_TITLE);
}

/** The one invalid-config text: a title and a markdown body naming the problems and the fix. */
export function renderConfigInvalid(issues: readonly ConfigIssue[], retry: ConfigRetry): { title: string; body: string } {
  const listed = fitList(issues.map(configIssueText), {
    max: ISSUES_LISTED,
    separator: "; ",
    more: (n) => `and ${n} more (the branch-steward check of any governed PR lists them all)`,
  });
  return {
    title: configInvalidTitle(issues.length),
    body: `${code(CONFIG_PATH)} is invalid: ${listed.join("; ")}. ${configFixText(retry)}`,
  };
}

/** "What to do" in each configuration row of the check (one row per problem). */
export const CONFIG_ROW_FIX = "Fix .github/branch-steward.yml on the default branch (or the organisation's .github repository it falls back to).";
