/**
 * The check run's output when GitHub refuses the full one (422, e.g. for its size): a short form
 * with the verdict, the rule counts and where to look; and, when even that is refused, a minimal
 * failing check. Both are a few hundred characters whatever the evaluation holds.
 */

import type { Evaluation, Outcome } from "../policy/types.js";
import type { CheckOutput } from "./check.js";
import { ruleName } from "./findings.js";
import { cutText } from "./limits.js";
import { escapeInline } from "./markdown.js";

const GROUPS_SHOWN = 10;
const RULE_NAME_CHARS = 80;

const word = (e: Evaluation): string =>
  e.status === "in_progress" ? "Waiting" : e.conclusion === "success" ? "Allowed" : e.conclusion === "neutral" ? "Not evaluated" : "Blocked";

/** At most `max` characters, never half of one. */
const clip = (text: string, max: number): string => (text.length > max ? `${cutText(text, { chars: max - 1 })}…` : text);

/** `Configuration × 600, Up to date with target` — the rules with an outcome, grouped by name, capped. */
function groups(e: Evaluation, outcome: Outcome): string {
  const counts = new Map<string, number>();
  for (const r of e.rules) if (r.outcome === outcome) counts.set(ruleName(r), (counts.get(ruleName(r)) ?? 0) + 1);
  const named = [...counts].slice(0, GROUPS_SHOWN).map(([rule, n]) => `${escapeInline(clip(rule.replace(/\s+/g, " "), RULE_NAME_CHARS))}${n > 1 ? ` × ${n}` : ""}`);
  const more = counts.size > GROUPS_SHOWN ? `, and ${counts.size - GROUPS_SHOWN} more kinds` : "";
  return named.join(", ") + more;
}

export function renderShortCheck(evaluation: Evaluation, title: string, pullUrl: string): CheckOutput {
  const count = (o: Outcome) => evaluation.rules.filter((r) => r.outcome === o).length;
  const failing = count("fail");
  const pending = count("pending");
  const lines = [
    `**${word(evaluation)}**: ${escapeInline(clip(title, 200))}`,
    "",
    "GitHub refused the full report of this check (most likely its size), so this is its short form. The verdict above is the real one.",
    "",
    `- Failing rules: ${failing}${failing ? ` (${groups(evaluation, "fail")})` : ""}`,
    `- Pending rules: ${pending}${pending ? ` (${groups(evaluation, "pending")})` : ""}`,
    `- Passing rules: ${count("pass")}`,
    "",
    `Where to look: the branch-steward comment on [the pull request](${safeUrl(pullUrl)})${evaluation.config === "invalid" ? ", and `.github/branch-steward.yml` on the default branch (the configuration is invalid)" : ""}.`,
  ];
  return { title, summary: lines.join("\n") };
}

export function renderMinimalCheck(pullUrl: string): CheckOutput {
  return {
    title: "branch-steward could not write its verdict",
    summary: [
      "**Blocked**: GitHub refused this check's report, even in its short form, so branch-steward fails the check rather than leave an older verdict in place.",
      "",
      `It is retried on the next event for [the pull request](${safeUrl(pullUrl)}) and by the next reconciliation sweep; comment \`/branch-steward recheck\` to retry now.`,
    ].join("\n"),
  };
}

const safeUrl = (url: string): string => (/^https?:\/\/[^\s()<>]+$/i.test(url) ? url : "#");
