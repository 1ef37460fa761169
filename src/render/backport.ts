/** Texts of the backport feature: the backport PR body and the comments on the source PR. */
import type { BackportKind } from "../policy/backport.js";
import type { CommitSummary } from "../policy/gate.js";
import { code, escapeInline, escapeText, inertMarkdown } from "./markdown.js";

export const BACKPORT_MARKER = "<!-- branch-steward:backport -->";
export const CONFLICT_MARKER = "<!-- branch-steward:backport-conflict -->";

const short = (sha: string): string => sha.slice(0, 7);
const commitLine = (c: CommitSummary): string => `- ${short(c.sha)} ${escapeText(c.title)}`;

export interface BackportBody {
  readonly kind: BackportKind;
  readonly source: { readonly number: number; readonly title: string };
  readonly production: string;
  readonly development: string;
  readonly mergeCommitSha: string;
  readonly commits: readonly CommitSummary[];
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
  const cut = body.indexOf("\n\n");
  return cut < 0 ? `${body}\n\n${line}` : `${body.slice(0, cut)}\n\n${line}${body.slice(cut)}`;
}

export function renderBackportBody(b: BackportBody): string {
  const what =
    b.kind === "sync"
      ? `Merges ${code(b.production)} back into ${code(b.development)} after the sync #${b.source.number}, so that ${code(b.production)} stays an ancestor of ${code(b.development)}.`
      : `Backports #${b.source.number} (${escapeText(b.source.title)}) from ${code(b.production)} into ${code(b.development)}.`;
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
    `### Commits it brings (${b.commits.length})`,
    ...(b.commits.length ? b.commits.slice(0, 50).map(commitLine) : ["- (none)"]),
    ...(b.commits.length > 50 ? [`- … and ${b.commits.length - 50} more`] : []),
  ];
  if (b.extra.length) {
    lines.push("", `### Also on ${code(b.production)} and not yet in ${code(b.development)}`, ...b.extra.slice(0, 50).map(commitLine));
  }
  if (b.filesChanged === 0) {
    lines.push("", `No file changes: ${code(b.development)} already has this content; the PR only records the merge so the branches stay in line.`);
  }
  if (b.reviewerProblems.length) {
    lines.push("", "### Reviewers that could not be requested", ...b.reviewerProblems.map((p) => `- ${escapeText(p, { mentions: true })}`));
  }
  lines.push("", "Opened by branch-steward. It is never merged automatically: a maintainer reviews and merges it.");
  const body = lines.join("\n");
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
  return `${BACKPORT_MARKER}\n⚠️ branch-steward could not backport this PR: ${escapeText(reason)}\n\nFix the cause and comment \`/backport\` to retry.`;
}

export function renderConflict(branch: string, target: string): string {
  return [
    CONFLICT_MARKER,
    `⚠️ This backport conflicts with ${code(target)}. branch-steward never commits conflict markers; resolve it on the backport branch:`,
    "",
    "```sh",
    "git fetch origin",
    `git switch --track origin/${branch}`,
    `git merge origin/${target}`,
    "# fix the conflicted files, then",
    "git add -A",
    "git commit",
    `git push origin ${branch}`,
    "```",
    "",
    "For simple cases, GitHub's **Resolve conflicts** button does the same in the browser.",
  ].join("\n");
}

export function renderNotCommand(login: string): string {
  return `@${login} thanks — \`/backport\` is reserved for people with write access to this repository.`;
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
    `git switch -c backport/${target}/pr-${source} origin/${target}`,
    `git cherry-pick -m 1 ${mergeSha}   # drop "-m 1" if the commit has a single parent`,
    "# fix the conflicted files, then",
    "git add -A && git cherry-pick --continue",
    `git push origin backport/${target}/pr-${source}`,
    "```",
    "",
    `Then open a PR into ${code(target)} and close this issue.`,
  ].join("\n");
}
