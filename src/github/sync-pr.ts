/** The development → production PRs: listed (newest first), opened once, their title and body kept current. */
import { isAlreadyExists } from "./errors.js";
import type { Octokit, RepoRef } from "./types.js";

export interface SyncPull {
  readonly number: number;
  readonly open: boolean;
  readonly title: string;
  readonly body: string;
  readonly author: string | null;
  readonly headSha: string;
  readonly url: string;
  /** Opened from this repository's own development branch (not a fork's look-alike). */
  readonly sameRepo: boolean;
}

/** The 30 newest PRs (open or closed) from `development` into `production`. */
export async function listSyncPulls(octokit: Octokit, repo: RepoRef, branches: { readonly development: string; readonly production: string }): Promise<SyncPull[]> {
  const { data } = await octokit.rest.pulls.list({ ...repo, head: `${repo.owner}:${branches.development}`, base: branches.production, state: "all", sort: "created", direction: "desc", per_page: 30 });
  return data
    .filter((p) => p.head.ref === branches.development)
    .map((p) => ({
      number: p.number,
      open: p.state === "open",
      title: p.title,
      body: p.body ?? "",
      author: p.user?.login ?? null,
      headSha: p.head.sha,
      url: p.html_url,
      sameRepo: p.head.repo?.full_name?.toLowerCase() === `${repo.owner}/${repo.repo}`.toLowerCase(),
    }));
}

/**
 * Opens the sync PR. GitHub allows one open PR per head and base: its 422 "A pull request already
 * exists" means another replica or delivery won, and the open one is returned (`created: false`).
 */
export async function openSyncPull(
  octokit: Octokit,
  repo: RepoRef,
  pr: { readonly development: string; readonly production: string; readonly title: string; readonly body: string },
): Promise<{ readonly pull: SyncPull; readonly created: boolean }> {
  try {
    const { data } = await octokit.rest.pulls.create({ ...repo, head: pr.development, base: pr.production, title: pr.title, body: pr.body });
    return {
      created: true,
      pull: { number: data.number, open: true, title: data.title, body: data.body ?? "", author: data.user?.login ?? null, headSha: data.head.sha, url: data.html_url, sameRepo: true },
    };
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    const open = (await listSyncPulls(octokit, repo, pr)).find((p) => p.open && p.sameRepo);
    if (!open) throw error;
    return { pull: open, created: false };
  }
}

export async function updateSyncPull(octokit: Octokit, repo: RepoRef, number: number, change: { readonly title?: string; readonly body?: string }): Promise<void> {
  await octokit.rest.pulls.update({ ...repo, pull_number: number, ...change });
}
