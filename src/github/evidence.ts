/**
 * What a release needs to show as evidence: check runs and commit statuses on a commit, reviews
 * and labels of a PR. Check runs come from gate-facts' `listCheckRuns`.
 */
import type { ObservedCheck } from "../policy/types.js";
import type { ReviewFact } from "../policy/release.js";
import { listCheckRuns, listStatuses, type CheckRunRecord } from "./gate-facts.js";
import type { Octokit, RepoRef } from "./types.js";

/** Commit statuses, as the gate reads them; `error` counts as a failure. */
export const listCommitStatuses = listStatuses;

export interface CommitChecks {
  readonly runs: readonly CheckRunRecord[];
  readonly statuses: readonly ObservedCheck[];
}

export async function readCommitChecks(octokit: Octokit, repo: RepoRef, sha: string): Promise<CommitChecks> {
  const runs = await listCheckRuns(octokit, { ...repo, sha });
  const statuses = await listCommitStatuses(octokit, { ...repo, sha });
  return { runs, statuses };
}

export async function listReviews(octokit: Octokit, repo: RepoRef, pullNumber: number): Promise<ReviewFact[]> {
  const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, { ...repo, pull_number: pullNumber, per_page: 100 });
  return reviews.map((r) => ({ id: r.id, user: r.user?.login ?? null, state: r.state }));
}

/** Labels read from the API at merge time (the payload may be older than a label change). */
export async function listLabels(octokit: Octokit, repo: RepoRef, issueNumber: number): Promise<string[]> {
  const labels = await octokit.paginate(octokit.rest.issues.listLabelsOnIssue, { ...repo, issue_number: issueNumber, per_page: 100 });
  return labels.map((l) => l.name);
}
