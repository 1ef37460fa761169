/** Finding PRs on GitHub. */
import type { Octokit, RepoRef } from "./types.js";

/**
 * The open PRs whose head is `sha`. `GET /commits/{sha}/pulls` only lists open PRs for commits
 * that are not on the default branch, and check payloads list no fork PRs, so list the open PRs
 * and match their head instead (one request per 100 open PRs).
 */
export async function openPullsWithHead(octokit: Octokit, repo: RepoRef, sha: string) {
  const open = await octokit.paginate(octokit.rest.pulls.list, { ...repo, state: "open", per_page: 100 });
  return open.filter((p) => p.state === "open" && p.head.sha === sha);
}
