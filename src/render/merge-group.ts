/** The `branch-steward / <base>` check on a merge group's commit, in words. */
import { checkName } from "../policy/evaluation.js";
import type { MergeGroupEvaluation, MergeGroupRow } from "../policy/merge-group.js";
import type { Outcome } from "../policy/types.js";
import type { CheckOutput } from "./check.js";
import { renderFinding } from "./findings.js";
import { allowedText, denialText, pairText } from "./flow.js";
import { CHECK_TEXT, CHECK_TITLE, clipInline, fitCheckSummary, fitTitle, minus, fitList, type Limit } from "./limits.js";
import { cell, code, escapeInline, inertMarkdown } from "./markdown.js";

const OUTCOME: Record<Outcome, string> = { pass: "✅ pass", fail: "❌ fail", pending: "⏳ pending" };
const CELL: Limit = { chars: 4_000 };

type Row<K extends MergeGroupRow["row"]> = Extract<MergeGroupRow, { row: K }>;

interface Line {
  readonly what: string;
  readonly outcome: Outcome;
  readonly detail: string;
  readonly fix?: string;
}

const prs = (numbers: readonly number[]): string => numbers.map((n) => `#${n}`).join(", ");
const short = (sha: string | undefined): string => (sha ? code(sha.slice(0, 7)) : "its head");

function memberLine(r: Row<"member">, base: string): Line {
  const what = `PR #${r.number}`;
  const check = code(checkName(base));
  const at = `on ${short(r.headSha)}`;
  switch (r.state) {
    case "allowed":
      return { what, outcome: r.outcome, detail: `${r.flow?.allowed ? allowedText(r.flow) : ""} Its ${check} check passed ${at}.`.trim() };
    case "unreadable":
      return { what, outcome: r.outcome, detail: "The pull request could not be read.", fix: "Remove it from the queue and enqueue it again." };
    case "closed":
      return { what, outcome: r.outcome, detail: "The pull request is closed.", fix: "Remove it from the queue." };
    case "other-base":
      return { what, outcome: r.outcome, detail: `The pull request does not target ${code(base)}.`, fix: "Remove it from the queue." };
    case "flow-denied": {
      const denied = r.flow && !r.flow.allowed ? denialText(r.flow) : undefined;
      return { what, outcome: r.outcome, detail: denied?.reason ?? "Its source → target pair is not an allowed flow.", fix: denied?.fix };
    }
    case "no-check":
      return { what, outcome: r.outcome, detail: `No ${check} check ${at}.`, fix: "Comment `/branch-steward recheck` on the PR, then enqueue it again." };
    case "check-pending":
      return { what, outcome: r.outcome, detail: `Its ${check} check has not concluded ${at}; a group needs it green.`, fix: "Wait for the PR's check to pass, then enqueue it again." };
    case "check-failed":
      return { what, outcome: r.outcome, detail: `Its ${check} check is ${r.conclusion ?? "not green"} ${at}.`, fix: "Fix what the PR's check reports, then enqueue it again." };
  }
}

function line(r: MergeGroupRow, base: string): Line {
  switch (r.row) {
    case "member":
      return memberLine(r, base);
    case "membership":
      return {
        what: "Pull requests in the group",
        outcome: r.outcome,
        detail: "Not every pull request in this merge group could be identified from its commits, so the group cannot be allowed.",
        fix: "Merge fewer pull requests per group (the queue's group size), or remove and re-add the entries.",
      };
    case "head-evidence":
      return {
        what: "Validation",
        outcome: r.outcome,
        detail: `The ${escapeInline(r.flowName)} flow's required checks count on each PR's head (${prs(r.numbers)}), not on this merge group commit.`,
        fix: `To require them on the group, set ${code(`validation.${r.flowName}.merge_group: require`)} and run them on ${code("merge_group")}.`,
      };
    case "group-check": {
      const finding = renderFinding(r.result);
      return { what: `${finding.rule} on the group (${r.flows.join(", ")})`, outcome: r.outcome, detail: finding.detail, fix: finding.fix };
    }
    case "config":
      return {
        what: "Configuration",
        outcome: r.outcome,
        detail: r.issue.path ? `${code(r.issue.path)}: ${escapeInline(r.issue.message)}` : escapeInline(r.issue.message),
        fix: "Fix `.github/branch-steward.yml` on the default branch.",
      };
  }
}

/** Plain text, one line: the first failing row, else what it waits for, else the PRs it allows. */
export function mergeGroupTitle(e: MergeGroupEvaluation): string {
  const failing = e.rows.filter((r) => r.outcome === "fail");
  const first = failing[0];
  const more = failing.length > 1 ? ` (+${failing.length - 1} more)` : "";
  if (first) return `${failingText(first, e.base)}${more}`;
  const waiting = e.rows.filter((r): r is Row<"group-check"> => r.row === "group-check" && r.outcome === "pending");
  if (waiting.length) return `merge group: waiting for ${waiting.map((r) => r.result.check.name).join(", ")}`;
  return `merge group allowed: ${prs(e.numbers)}`;
}

function failingText(r: MergeGroupRow, base: string): string {
  switch (r.row) {
    case "member":
      switch (r.state) {
        case "flow-denied":
          return r.flow ? `#${r.number}: ${pairText(r.flow)} is not an allowed flow` : `#${r.number} is not an allowed flow`;
        case "unreadable":
          return `#${r.number} could not be read`;
        case "closed":
          return `#${r.number} is closed`;
        case "other-base":
          return `#${r.number} does not target ${base}`;
        default:
          return `#${r.number}: its own check is not green`;
      }
    case "membership":
      return "the merge group's pull requests could not all be identified";
    case "group-check":
      return `${r.result.check.name} ${r.result.state} on the merge group`;
    case "config":
      return "the configuration is invalid";
    case "head-evidence":
      return "validation";
  }
}

const cellText = (markdown: string): string => cell(clipInline(inertMarkdown(markdown), CELL));

export function renderMergeGroupCheck(e: MergeGroupEvaluation): CheckOutput {
  const title = mergeGroupTitle(e);
  const verdict = e.status === "in_progress" ? "Waiting" : e.conclusion === "success" ? "Allowed" : "Blocked";
  const head = [
    `**${verdict}**: ${cell(clipInline(escapeInline(title), CELL))}`,
    "",
    `Merge queue group of ${e.numbers.length === 1 ? "1 pull request" : `${e.numbers.length} pull requests`} into ${code(e.base)}: ${prs(e.numbers) || "none identified"}.`,
    "",
    "| Rule | Result | Details | What to do |",
    "| --- | --- | --- | --- |",
  ].join("\n");
  const foot = "A merge group is allowed only when every pull request in it is allowed by its flow and its own check is green on its current head.";
  const lines = e.rows.map((r) => line(r, e.base));
  // Failing rows first when they do not all fit; fitList says how many were left out.
  const ordered = [...lines.filter((l) => l.outcome === "fail"), ...lines.filter((l) => l.outcome !== "fail")];
  const rows = fitList(
    ordered.map((l) => `| ${cellText(l.what)} | ${OUTCOME[l.outcome]} | ${cellText(l.detail)} | ${l.fix ? cellText(l.fix) : "—"} |`),
    { limit: minus(CHECK_TEXT, `${head}\n\n\n${foot}`), more: (n: number) => `\n… and ${n} more rows not shown: GitHub limits a check summary to 65,535 characters.` },
  );
  return { title: fitTitle(title, CHECK_TITLE), summary: fitCheckSummary([head, ...rows, "", foot].join("\n")) };
}
