/** Texts of the backport feature: the backport PR body and the comments on the source PR. */
import type { CommitSummary } from "../policy/types.js";
import type { BackportKind } from "../policy/backport.js";
import type { ConfigIssue } from "../config/parse.js";
import { renderConfigInvalid } from "./config.js";
import { COMMENT_BODY, ISSUE_BODY, TITLE, clipInline, fitBody, fitList, fitTitle, minus } from "./limits.js";
import { code, escapeInline, escapeText, inertMarkdown, shellArg } from "./markdown.js";

export const BACKPORT_MARKER = "<!-- branch-steward:backport -->";
export const CONFLICT_MARKER = "<!-- branch-steward:backport-conflict -->";

const short = (sha: string): string => sha.slice(0, 7);
/** Commits listed in a backport body; the PR's Commits tab lists them all. */
const LISTED = 50;
const ITEM = { chars: 1_000 };
const commitLine = (c: CommitSummary): string => `- ${short(c.sha)} ${clipInline(escapeText(c.title), ITEM)}`;
const ALL_COMMITS = "see the Commits tab of this PR";
const SHORTENED = `… shortened to fit a pull request description: ${ALL_COMMITS}.`;

/** The backport PR's title: `[development] <title> (backport #12)`, the title shortened to fit. */
export function renderBackportTitle(kind: BackportKind, p: { readonly development: string; readonly production: string; readonly number: number; readonly title: string }): string {
  if (kind === "sync") return fitTitle(`Merge ${p.production} back after sync #${p.number}`, TITLE, { prefix: `[${p.development}] ` });
  return fitTitle(p.title, TITLE, { prefix: `[${p.development}] `, suffix: ` (backport #${p.number})` });
}

/** The title of the tracking issue of a conflicting cherry-pick (the app finds it by this title). */
export function renderPickConflictTitle(source: number, target: string): string {
  return fitTitle(target, TITLE, { prefix: `Backport #${source} to `, suffix: ": cherry-pick conflicts" });
}

/** The old name, until the backport workflow uses renderPickConflictTitle. */
export const renderPickConflictIssueTitle = renderPickConflictTitle;

/** The cherry-picked commit's message: the PR title, its number, and the commit it came from. */
export function renderPickMessage(title: string, source: number, mergeSha: string): string {
  return `${title} (backport #${source})\n\n(cherry picked from commit ${mergeSha})`;
}

export interface BackportBody {
  readonly kind: BackportKind;
  readonly source: { readonly number: number; readonly title: string };
  readonly production: string;
  readonly development: string;
  readonly mergeCommitSha: string;
  readonly commits: readonly CommitSummary[];
  /** How many commits the backport brings, when more than `commits` lists (GitHub's compare stops at 250). */
  readonly totalCommits?: number;
  /** Commits on production beyond the source PR's own, which this backport also brings. */
  readonly extra: readonly CommitSummary[];
  readonly filesChanged: number;
  readonly reviewerProblems: readonly string[];
  readonly strategy?: "merge-back" | "cherry-pick";
  /** A line about how this PR came to be (e.g. a cherry-pick that fell back). */
  readonly note?: string;
  /** The production release of the merge, once it exists. */
  readonly release?: { readonly tag: string; readonly url: string } | undefined;
}

/** Adds the "Production release" line after the first paragraph, once (the release may come later). */
export function withReleaseLine(body: string, tag: string, url: string): string {
  const line = `Production release: [${escapeInline(tag)}](${url}).`;
  if (body.includes(line)) return body;
  const room = fitBody(body, minus(ISSUE_BODY, `\n\n${line}`), SHORTENED);
  const cut = room.indexOf("\n\n");
  return cut < 0 ? `${room}\n\n${line}` : `${room.slice(0, cut)}\n\n${line}${room.slice(cut)}`;
}

/** Up to 50 commit lines, then how many more there are and where they all are. */
function commitList(commits: readonly CommitSummary[], total: number): string[] {
  const lines = fitList(commits.map(commitLine), { max: LISTED, more: (n) => `- … and ${n + total - commits.length} more: ${ALL_COMMITS}` });
  return total > commits.length && lines.length === commits.length ? [...lines, `- … and ${total - commits.length} more: ${ALL_COMMITS}`] : lines;
}

export function renderBackportBody(b: BackportBody): string {
  const total = Math.max(b.totalCommits ?? 0, b.commits.length);
  const what =
    b.kind === "sync"
      ? `Merges ${code(b.production)} back into ${code(b.development)} after the sync #${b.source.number}, so that ${code(b.production)} stays an ancestor of ${code(b.development)}.`
      : `Backports #${b.source.number} (${clipInline(escapeText(b.source.title), ITEM)}) from ${code(b.production)} into ${code(b.development)}.`;
  const how =
    b.strategy === "cherry-pick"
      ? [`This branch is ${code(b.development)} plus the net change of the ${code(b.production)} merge commit ${short(b.mergeCommitSha)}, cherry-picked. ${code(b.production)} does not become an ancestor of ${code(b.development)} this way.`]
      : [
          `This branch starts at the ${code(b.production)} merge commit ${short(b.mergeCommitSha)} (git-flow merge-back), so it works for merge, squash and rebase merges.`,
          "**Merge it with _Create a merge commit_**: squash or rebase would rewrite the commits and leave development behind production.",
        ];
  const lines = [
    what,
    ...(b.note ? ["", `> ${inertMarkdown(b.note)}`] : []),
    "",
    ...how,
    "",
    `### Commits it brings (${total})`,
    ...(b.commits.length ? commitList(b.commits, total) : ["- (none)"]),
  ];
  if (b.extra.length) {
    lines.push("", `### Also on ${code(b.production)} and not yet in ${code(b.development)}`, ...commitList(b.extra, b.extra.length));
  }
  if (b.filesChanged === 0) {
    lines.push("", `No file changes: ${code(b.development)} already has this content; the PR only records the merge so the branches stay in line.`);
  }
  if (b.reviewerProblems.length) {
    const problems = b.reviewerProblems.map((p) => `- ${clipInline(escapeText(p, { mentions: true }), ITEM)}`);
    lines.push("", "### Reviewers that could not be requested", ...fitList(problems, { max: 20, more: (n) => `- … and ${n} more` }));
  }
  lines.push("", "Opened by branch-steward. It is never merged automatically: a maintainer reviews and merges it.");
  const body = fitBody(lines.join("\n"), ISSUE_BODY, SHORTENED);
  return b.release ? withReleaseLine(body, b.release.tag, b.release.url) : body;
}

/** The same text whichever path got there (opened now, found open, repaired by a sweep). */
export function renderBackportExists(prNumber: number, target: string, state: string): string {
  return `${BACKPORT_MARKER}\n🔁 Backport to ${code(target)}: #${prNumber} (${state}).`;
}

export function renderAlreadyInDevelopment(target: string): string {
  return `${BACKPORT_MARKER}\n✅ Already in ${code(target)}: no backport needed.`;
}

export function renderClosedByHuman(prNumber: number): string {
  return `${BACKPORT_MARKER}\n⏸️ The backport PR #${prNumber} was closed without merging. Comment \`/backport\` to redo it.`;
}

export function renderBackportFailed(reason: string): string {
  const text = `${BACKPORT_MARKER}\n⚠️ branch-steward could not backport this PR: ${clipInline(escapeText(reason), { chars: 4_000 })}\n\nFix the cause and comment \`/backport\` to retry.`;
  return fitBody(text, COMMENT_BODY);
}

/** The comment when a backport failed on a GitHub error: a 403/404 names the permissions, anything else its message. */
export function renderBackportFailure(f: { readonly status?: number | undefined; readonly message: string }): string {
  const reason =
    f.status === 403 || f.status === 404
      ? `GitHub refused a request (HTTP ${f.status}); check that the app has contents and pull requests write permission.`
      : f.message;
  return renderBackportFailed(reason);
}

/** The comment when the config is invalid: the one invalid-config text, retried with `/backport`. */
export function renderBackportConfigInvalid(issues: readonly ConfigIssue[]): string {
  const { body } = renderConfigInvalid(issues, "backport-command");
  return fitBody(`${BACKPORT_MARKER}\n⚠️ branch-steward did not attempt this backport: ${body}`, COMMENT_BODY);
}

export function renderConflict(branch: string, target: string): string {
  return [
    CONFLICT_MARKER,
    `⚠️ This backport conflicts with ${code(target)}. branch-steward never commits conflict markers; resolve it on the backport branch:`,
    "",
    "```sh",
    "git fetch origin",
    `git switch --track ${shellArg(`origin/${branch}`)}`,
    `git merge ${shellArg(`origin/${target}`)}`,
    "# fix the conflicted files, then",
    "git add -A",
    "git commit",
    `git push origin ${shellArg(branch)}`,
    "```",
    "",
    "For simple cases, GitHub's **Resolve conflicts** button does the same in the browser.",
  ].join("\n");
}

export function renderPickConflictNote(target: string, where: string): string {
  return `${BACKPORT_MARKER}\n⚠️ The cherry-pick into ${code(target)} conflicts; branch-steward committed nothing and cleaned up. Follow-up: ${where}.`;
}

export function renderPickConflictIssue(source: number, target: string, mergeSha: string): string {
  return [
    `The cherry-pick of #${source} (merge commit ${short(mergeSha)}) into ${code(target)} conflicts. branch-steward committed nothing.`,
    "",
    "Resolve it locally:",
    "",
    "```sh",
    "git fetch origin",
    `git switch -c ${shellArg(`backport/${target}/pr-${source}`)} ${shellArg(`origin/${target}`)}`,
    `git cherry-pick -m 1 ${shellArg(mergeSha)}   # drop "-m 1" if the commit has a single parent`,
    "# fix the conflicted files, then",
    "git add -A && git cherry-pick --continue",
    `git push origin ${shellArg(`backport/${target}/pr-${source}`)}`,
    "```",
    "",
    `Then open a PR into ${code(target)} and close this issue.`,
  ].join("\n");
}

/**
 * The backport brings changes to `.github/workflows/`, and GitHub refuses an app without the
 * `workflows` permission (app.yml does not request it, docs/permissions.md says why): the exact
 * commands for a maintainer, whose own push is allowed.
 */
export function renderWorkflowsRefused(b: { readonly source: number; readonly branch: string; readonly development: string; readonly mergeCommitSha: string; readonly strategy: "merge-back" | "cherry-pick" }): string {
  const branch = shellArg(b.branch);
  const commands =
    b.strategy === "merge-back"
      ? ["git fetch origin", `git push origin ${shellArg(`${b.mergeCommitSha}:refs/heads/${b.branch}`)}`]
      : [
          "git fetch origin",
          `git switch -c ${branch} ${shellArg(`origin/${b.development}`)}`,
          `git cherry-pick -m 1 ${shellArg(b.mergeCommitSha)}   # drop "-m 1" if the commit has a single parent`,
          `git push origin ${branch}`,
          `gh pr create --base ${shellArg(b.development)} --head ${branch} --title ${shellArg(`Backport #${b.source} to ${b.development}`)} --body ${shellArg(`Backports #${b.source}.`)}`,
        ];
  const then =
    b.strategy === "merge-back"
      ? "Then comment `/backport` here: branch-steward finds the branch and opens the backport PR from it."
      : `branch-steward marks this PR backported when that PR merges into ${code(b.development)}.`;
  return [
    BACKPORT_MARKER,
    `⚠️ This backport changes files in ${code(".github/workflows/")}, and GitHub lets an app create such a branch only with the *Workflows* permission, which branch-steward does not request (it would let the app rewrite CI). A maintainer can push it instead:`,
    "",
    "```sh",
    ...commands,
    "```",
    "",
    then,
  ].join("\n");
}
