/**
 * `GET /pulls/{n}/files`: the files a PR changes, every page (100 a page) up to GitHub's limit of
 * 3,000 files. A PR with more files than GitHub lists is reported as such, never as a short list.
 */
import { MAX_PULL_FILES, type ChangedFile } from "../policy/coupling.js";
import type { Octokit, RepoRef } from "./types.js";

export const PULL_FILES_PAGE = 100;

export type PullFiles =
  | { readonly kind: "listed"; readonly files: readonly ChangedFile[] }
  /** More files than GitHub lists: `changedFiles` is GitHub's count (or at least the number listed). */
  | { readonly kind: "too-many"; readonly changedFiles: number; readonly listed: number };

/**
 * Every file of PR `number`. `changedFiles` is the PR's `changed_files` when known: over 3,000
 * it is `too-many` without a request. A list that reaches the limit without a known count is
 * `too-many` too (fails closed): GitHub stops at 3,000 whatever the PR holds.
 */
export async function listPullFiles(octokit: Octokit, repo: RepoRef, number: number, changedFiles?: number): Promise<PullFiles> {
  if (changedFiles !== undefined && changedFiles > MAX_PULL_FILES) return { kind: "too-many", changedFiles, listed: 0 };
  let pages = 0;
  const data = await octokit.paginate(octokit.rest.pulls.listFiles, { ...repo, pull_number: number, per_page: PULL_FILES_PAGE }, (response, done) => {
    if (++pages >= MAX_PULL_FILES / PULL_FILES_PAGE) done();
    return response.data;
  });
  const files = data.slice(0, MAX_PULL_FILES).map((f) => ({ filename: f.filename, previousFilename: f.previous_filename ?? null }));
  const known = changedFiles ?? (files.length >= MAX_PULL_FILES ? undefined : files.length);
  if (known === undefined || known > files.length) return { kind: "too-many", changedFiles: Math.max(known ?? 0, files.length), listed: files.length };
  return { kind: "listed", files };
}
