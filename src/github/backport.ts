/** GitHub I/O for backports: the branch as a lock, the PR, reviewers, labels, mergeability. */
import type { ExistingBackport } from "../policy/backport.js";
import type { CommitSummary } from "../policy/types.js";
import { httpStatus, isAlreadyExists } from "./errors.js";
import type { Octokit, RepoRef } from "./types.js";

/** Creates `refs/heads/<branch>` at `sha`; an existing branch of that name is ours (fixed name per PR and target). */
export async function createBranchOnce(octokit: Octokit, repo: RepoRef, branch: string, sha: string): Promise<"created" | "exists"> {
  try {
    await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha });
    return "created";
  } catch (error) {
    if (isAlreadyExists(error)) return "exists";
    throw error;
  }
}

export async function findPullsForBranch(octokit: Octokit, repo: RepoRef, branch: string): Promise<ExistingBackport[]> {
  const pulls = await octokit.paginate(octokit.rest.pulls.list, { ...repo, state: "all", head: `${repo.owner}:${branch}`, per_page: 100 });
  return pulls
    .filter((p) => p.head.ref === branch)
    .map((p) => ({
      number: p.number,
      state: p.state === "open" ? "open" : "closed",
      merged: Boolean(p.merged_at),
      labels: (p.labels ?? []).map((l) => l.name),
      assignees: (p.assignees ?? []).map((a) => a.login),
    }));
}

export async function pullCommitTitles(octokit: Octokit, repo: RepoRef, number: number): Promise<CommitSummary[]> {
  const commits = await octokit.paginate(octokit.rest.pulls.listCommits, { ...repo, pull_number: number, per_page: 100 });
  return commits.map((c) => ({ sha: c.sha, title: c.commit.message.split("\n")[0] ?? "" }));
}

/** Opens the PR; "a pull request already exists" means a concurrent delivery won: use its PR. */
export async function openPullOnce(
  octokit: Octokit,
  repo: RepoRef,
  pr: { head: string; base: string; title: string; body: string },
): Promise<{ number: number; created: boolean }> {
  try {
    const { data } = await octokit.rest.pulls.create({ ...repo, ...pr });
    return { number: data.number, created: true };
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    const existing = (await findPullsForBranch(octokit, repo, pr.head)).find((p) => p.state === "open");
    if (!existing) throw error;
    return { number: existing.number, created: false };
  }
}

/** Requests each reviewer; a refusal (no access, the PR author…) is reported, not thrown. */
export async function requestReviewers(octokit: Octokit, repo: RepoRef, number: number, reviewers: readonly string[]): Promise<string[]> {
  if (reviewers.length === 0) return [];
  try {
    await octokit.rest.pulls.requestReviewers({ ...repo, pull_number: number, reviewers: [...reviewers] });
    return [];
  } catch (error) {
    if (httpStatus(error) !== 422) throw error;
  }
  const problems: string[] = [];
  for (const reviewer of reviewers) {
    try {
      await octokit.rest.pulls.requestReviewers({ ...repo, pull_number: number, reviewers: [reviewer] });
    } catch (error) {
      if (httpStatus(error) !== 422) throw error;
      problems.push(`@${reviewer}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** GitHub computes mergeability in the background: poll `mergeable` until it is known, bounded. */
export async function waitForMergeable(
  octokit: Octokit,
  repo: RepoRef,
  number: number,
  delaysMs: readonly number[] = [0, 500, 1000, 2000, 3000],
): Promise<boolean | null> {
  for (const delay of delaysMs) {
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
    if (data.mergeable !== null && data.mergeable !== undefined) return data.mergeable;
  }
  return null;
}

export async function addLabels(octokit: Octokit, repo: RepoRef, number: number, labels: readonly string[]): Promise<void> {
  if (labels.length) await octokit.rest.issues.addLabels({ ...repo, issue_number: number, labels: [...labels] });
}

/** Removes a label; one that is not there is fine. */
export async function removeLabel(octokit: Octokit, repo: RepoRef, number: number, name: string): Promise<void> {
  try {
    await octokit.rest.issues.removeLabel({ ...repo, issue_number: number, name });
  } catch (error) {
    if (httpStatus(error) !== 404) throw error;
  }
}

/**
 * Rewrites the body of the open backport PR on `branch`, if there is one, with `edit` (the caller
 * passes the rendering, e.g. the production release's line); writes only on change.
 */
export async function linkReleaseInBackport(octokit: Octokit, repo: RepoRef, branch: string, edit: (body: string) => string): Promise<"linked" | "unchanged" | "none"> {
  const open = (await findPullsForBranch(octokit, repo, branch)).find((p) => p.state === "open");
  if (!open) return "none";
  const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: open.number });
  const body = edit(data.body ?? "");
  if (body === (data.body ?? "")) return "unchanged";
  await octokit.rest.pulls.update({ ...repo, pull_number: open.number, body });
  return "linked";
}

/** `PATCH /pulls/{number}`: a new body, or reopening a closed backport PR. */
export async function updatePull(octokit: Octokit, repo: RepoRef, number: number, change: { readonly body?: string; readonly state?: "open" }): Promise<void> {
  await octokit.rest.pulls.update({ ...repo, pull_number: number, ...change });
}

export async function addAssignees(octokit: Octokit, repo: RepoRef, number: number, assignees: readonly string[]): Promise<void> {
  await octokit.rest.issues.addAssignees({ ...repo, issue_number: number, assignees: [...assignees] });
}

/**
 * The open tracking issue titled `title` that the app created with `label`, or a new one: found
 * again by its title, so a repeated conflict never opens a second issue.
 */
export async function trackingIssueOnce(
  octokit: Octokit,
  repo: RepoRef,
  issue: { readonly title: string; readonly body: string; readonly labels: readonly string[]; readonly assignees: readonly string[]; readonly findBy: { readonly label: string; readonly creator: string } },
): Promise<{ readonly number: number }> {
  const open = await octokit.paginate(octokit.rest.issues.listForRepo, { ...repo, state: "open", labels: issue.findBy.label, creator: issue.findBy.creator, per_page: 100 });
  const tracked = open.find((i) => i.title === issue.title);
  if (tracked) return { number: tracked.number };
  const { data } = await octokit.rest.issues.create({ ...repo, title: issue.title, body: issue.body, labels: [...issue.labels], assignees: [...issue.assignees] });
  return { number: data.number };
}
