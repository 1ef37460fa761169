/** The PR status comment: found by its hidden marker and our bot login, written only on change. */
import { httpStatus } from "./errors.js";
import type { Octokit, RepoRef } from "./types.js";

export interface MarkedComment {
  readonly id: number;
  readonly body: string;
}

export async function findMarkedComment(
  octokit: Octokit,
  where: RepoRef & { issueNumber: number; marker: string; botLogin: string },
): Promise<MarkedComment | undefined> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: where.owner,
    repo: where.repo,
    issue_number: where.issueNumber,
    per_page: 100,
  });
  // Only our own: someone pasting the marker into their comment must not capture it.
  const ours = comments.find((c) => c.user?.login === where.botLogin && (c.body ?? "").startsWith(where.marker));
  return ours ? { id: ours.id, body: ours.body ?? "" } : undefined;
}

export type CommentWrite = "created" | "updated" | "unchanged" | "absent";

export async function writeComment(
  octokit: Octokit,
  where: RepoRef & { issueNumber: number; marker?: string; botLogin?: string },
  existing: MarkedComment | undefined,
  body: string,
  options: { create: boolean } = { create: true },
): Promise<CommentWrite> {
  if (existing) {
    if (existing.body === body) return "unchanged";
    await octokit.rest.issues.updateComment({ owner: where.owner, repo: where.repo, comment_id: existing.id, body });
    return "updated";
  }
  if (!options.create) return "absent";
  await octokit.rest.issues.createComment({ owner: where.owner, repo: where.repo, issue_number: where.issueNumber, body });
  // Two replicas (or two racing events without a shared lock) may both create it: converge to one.
  if (where.marker && where.botLogin) await dedupeMarkedComments(octokit, { ...where, marker: where.marker, botLogin: where.botLogin });
  return "created";
}

/**
 * After creating a marked comment: if another replica created one too, keep the oldest and
 * delete ours, so the PR converges to a single comment.
 */
export async function dedupeMarkedComments(
  octokit: Octokit,
  where: RepoRef & { issueNumber: number; marker: string; botLogin: string },
): Promise<number> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: where.owner,
    repo: where.repo,
    issue_number: where.issueNumber,
    per_page: 100,
  });
  const ours = comments.filter((c) => c.user?.login === where.botLogin && (c.body ?? "").startsWith(where.marker)).sort((a, b) => a.id - b.id);
  let deleted = 0;
  for (const extra of ours.slice(1)) {
    try {
      await octokit.rest.issues.deleteComment({ owner: where.owner, repo: where.repo, comment_id: extra.id });
      deleted++;
    } catch (error) {
      if (httpStatus(error) !== 404) throw error; // the other replica deleted it already
    }
  }
  return deleted;
}

