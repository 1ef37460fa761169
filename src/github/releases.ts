/** GitHub Releases: found by tag, created once, updated only when the body differs. */
import { httpStatus, isAlreadyExists } from "./errors.js";
import type { Octokit, RepoRef } from "./types.js";

export interface ExistingRelease {
  readonly id: number;
  readonly body: string | null;
  readonly htmlUrl: string;
}

export async function releaseByTag(octokit: Octokit, repo: RepoRef, tag: string): Promise<ExistingRelease | null> {
  try {
    const { data } = await octokit.rest.repos.getReleaseByTag({ ...repo, tag });
    return { id: data.id, body: data.body ?? null, htmlUrl: data.html_url };
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw error;
  }
}

export type ReleaseWrite = "created" | "updated" | "unchanged";

/**
 * Makes the release for `tag` exist with the body rendered from its current body (null when it
 * does not exist yet): reads first, writes only on change, survives a concurrent creation.
 */
export async function writeRelease(
  octokit: Octokit,
  repo: RepoRef,
  release: { tag: string; name: string; body: (current: string | null) => string },
): Promise<{ write: ReleaseWrite; htmlUrl: string }> {
  const existing = await releaseByTag(octokit, repo, release.tag);
  if (existing) return updateReleaseBody(octokit, repo, existing, release.body(existing.body));
  try {
    const { data } = await octokit.rest.repos.createRelease({ ...repo, tag_name: release.tag, name: release.name, body: release.body(null) });
    return { write: "created", htmlUrl: data.html_url };
  } catch (error) {
    // Another replica created it between our read and our write.
    if (!isAlreadyExists(error)) throw error;
    const raced = await releaseByTag(octokit, repo, release.tag);
    if (!raced) throw error;
    return updateReleaseBody(octokit, repo, raced, release.body(raced.body));
  }
}

export async function updateReleaseBody(
  octokit: Octokit,
  repo: RepoRef,
  existing: ExistingRelease,
  body: string,
): Promise<{ write: ReleaseWrite; htmlUrl: string }> {
  if ((existing.body ?? "") === body) return { write: "unchanged", htmlUrl: existing.htmlUrl };
  await octokit.rest.repos.updateRelease({ ...repo, release_id: existing.id, body });
  return { write: "updated", htmlUrl: existing.htmlUrl };
}
