/**
 * Reading PRs from GitHub, as `PullRequestFacts` (src/model/pull-request.ts, the one parser).
 * A malformed PR in a list is dropped, never thrown: the list says how many were dropped, and
 * the caller logs it. A single PR asked for by number that is malformed is an error.
 */
import { parsePullRequest, type PullRequestFacts } from "../model/pull-request.js";
import type { Octokit, RepoRef } from "./types.js";

/** PRs read from a list; `dropped` counts the malformed ones left out. */
export type PullList = PullRequestFacts[] & { readonly dropped: number };

function parseAll(raw: readonly unknown[]): PullList {
  const parsed = raw.map(parsePullRequest);
  const pulls = parsed.filter((p): p is PullRequestFacts => !("error" in p));
  return Object.assign(pulls, { dropped: parsed.length - pulls.length });
}

/** `GET /pulls/{number}`; throws when GitHub's answer is not a PR we can read. */
export async function getPull(octokit: Octokit, repo: RepoRef, number: number): Promise<PullRequestFacts> {
  const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
  const pr = parsePullRequest(data);
  if ("error" in pr) throw new Error(`pull request #${number} of ${repo.owner}/${repo.repo} is malformed: ${pr.error}`);
  return pr;
}

/** `GET /pulls/{number}`, or undefined when GitHub's answer is not a PR we can read. */
export async function readPull(octokit: Octokit, repo: RepoRef, number: number): Promise<PullRequestFacts | undefined> {
  const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
  const pr = parsePullRequest(data);
  return "error" in pr ? undefined : pr;
}

/** The number of the PR merged into `base` as merge commit `sha`, if any. */
export async function pullMergedAs(octokit: Octokit, repo: RepoRef, sha: string, base: string): Promise<number | undefined> {
  const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: sha });
  return data.find((p) => p.merge_commit_sha === sha && p.merged_at && p.base.ref === base)?.number;
}

/** Every open PR (all pages), into `base` when given. */
export async function openPulls(octokit: Octokit, repo: RepoRef, base?: string): Promise<PullList> {
  const open = await octokit.paginate(octokit.rest.pulls.list, { ...repo, state: "open", per_page: 100, ...(base === undefined ? {} : { base }) });
  return parseAll(open);
}

/**
 * The open PRs whose head is `sha`. `GET /commits/{sha}/pulls` only lists open PRs for commits
 * that are not on the default branch, and check payloads list no fork PRs, so list the open PRs
 * and match their head instead (one request per 100 open PRs). It is also the cheaper read: the
 * list is one URL for every SHA, so with conditional requests it is a 304 (not counted) until
 * some open PR changes, where a per-SHA URL costs a counted request for every new SHA.
 */
export async function openPullsWithHead(octokit: Octokit, repo: RepoRef, sha: string): Promise<PullList> {
  const open = await openPulls(octokit, repo);
  return Object.assign(
    open.filter((p) => p.open && p.headSha === sha),
    { dropped: open.dropped },
  );
}

/** The 50 PRs into `base` closed most recently (by update time): where a missed merge would be. */
export async function recentlyClosedInto(octokit: Octokit, repo: RepoRef, base: string): Promise<PullList> {
  const { data } = await octokit.rest.pulls.list({ ...repo, state: "closed", base, sort: "updated", direction: "desc", per_page: 50 });
  return parseAll(data);
}
