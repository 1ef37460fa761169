/**
 * Reactions on issue (and PR) comments: how branch-steward acknowledges a slash command.
 * Read first, write only what is missing: GitHub answers 200 for a reaction that already
 * exists, but that is still a write through the installation's write queue. Writes are courtesy.
 */
import { courtesy } from "./courtesy-gate.js";
import type { Octokit, RepoRef } from "./types.js";

export type ReactionContent = "+1" | "-1" | "laugh" | "confused" | "heart" | "hooray" | "rocket" | "eyes";

/** The reactions `login` left on a comment. */
export async function reactionsBy(octokit: Octokit, repo: RepoRef, commentId: number, login: string): Promise<Set<ReactionContent>> {
  const all = await octokit.paginate(octokit.rest.reactions.listForIssueComment, { ...repo, comment_id: commentId, per_page: 100 });
  return new Set(all.filter((r) => r.user?.login === login).map((r) => r.content as ReactionContent));
}

/** Adds our `content` reaction to a comment unless `ours` (read before) already has it. */
export async function react(
  octokit: Octokit,
  repo: RepoRef,
  commentId: number,
  content: ReactionContent,
  ours: ReadonlySet<ReactionContent>,
): Promise<"created" | "unchanged"> {
  if (ours.has(content)) return "unchanged";
  await courtesy(() => octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: commentId, content }));
  return "created";
}
