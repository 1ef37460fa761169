/**
 * The dashboard issue on GitHub: found again by its hidden marker among the issues the app's bot
 * created (the oldest wins), reopened when closed, re-created when deleted, written only when its
 * title or body changed. Replicas that raced to create it converge: the later copy is closed as a
 * duplicate and loses its marker. Pinning is not done: REST has no endpoint for it (GraphQL's
 * `pinIssue` is the only way); a maintainer pins the issue once.
 */
import { httpStatus } from "./errors.js";
import type { Octokit, RepoRef } from "./types.js";

export interface DashboardIssue {
  readonly number: number;
  readonly state: "open" | "closed";
  readonly title: string;
  readonly body: string;
}

export type DashboardWrite = "created" | "updated" | "reopened" | "unchanged";

/** Issue numbers found by repository (`owner/repo`, lower case): one read instead of a listing. */
const known = new Map<string, number>();
const keyOf = (repo: RepoRef): string => `${repo.owner}/${repo.repo}`.toLowerCase();

type IssueData = { number: number; state: string; title: string; body?: string | null; user?: { login: string } | null; pull_request?: unknown };

const ours = (issue: IssueData, bot: string, marker: string): boolean => !issue.pull_request && issue.user?.login === bot && (issue.body ?? "").startsWith(marker);
const asIssue = (i: IssueData): DashboardIssue => ({ number: i.number, state: i.state === "closed" ? "closed" : "open", title: i.title, body: i.body ?? "" });

async function readKnown(octokit: Octokit, repo: RepoRef, number: number, bot: string, marker: string): Promise<DashboardIssue | null> {
  try {
    const { data } = await octokit.rest.issues.get({ ...repo, issue_number: number });
    return ours(data, bot, marker) ? asIssue(data) : null;
  } catch (error) {
    const status = httpStatus(error);
    if (status === 404 || status === 410) return null; // deleted (410 Gone) or moved away
    throw error;
  }
}

/** The oldest issue (open or closed) the bot created with `marker`, oldest first. */
export async function findDashboardIssue(octokit: Octokit, repo: RepoRef, bot: string, marker: string): Promise<DashboardIssue | null> {
  const cached = known.get(keyOf(repo));
  if (cached !== undefined) {
    const issue = await readKnown(octokit, repo, cached, bot, marker);
    if (issue) return issue;
    known.delete(keyOf(repo));
  }
  let found: IssueData | undefined;
  for await (const { data } of octokit.paginate.iterator(octokit.rest.issues.listForRepo, { ...repo, creator: bot, state: "all", sort: "created", direction: "asc", per_page: 100 })) {
    for (const issue of data) if (ours(issue, bot, marker) && (!found || issue.number < found.number)) found = issue;
  }
  if (!found) return null;
  known.set(keyOf(repo), found.number);
  return asIssue(found);
}

/**
 * Makes the dashboard exist, open, with this title and body. `duplicateBody(n)` is what a copy
 * created by a racing replica becomes (without the marker, so it is never found again).
 */
export async function ensureDashboardIssue(
  octokit: Octokit,
  repo: RepoRef,
  want: { readonly bot: string; readonly marker: string; readonly title: string; readonly body: string; readonly duplicateBody: (kept: number) => string },
): Promise<{ readonly number: number; readonly write: DashboardWrite }> {
  const existing = await findDashboardIssue(octokit, repo, want.bot, want.marker);
  if (!existing) {
    const { data } = await octokit.rest.issues.create({ ...repo, title: want.title, body: want.body });
    known.delete(keyOf(repo));
    const winner = await findDashboardIssue(octokit, repo, want.bot, want.marker);
    if (winner && winner.number !== data.number) {
      // Another replica created one first: ours becomes a closed pointer to it.
      await octokit.rest.issues.update({ ...repo, issue_number: data.number, body: want.duplicateBody(winner.number), state: "closed", state_reason: "not_planned" });
      return update(octokit, repo, winner, want);
    }
    return { number: data.number, write: "created" };
  }
  return update(octokit, repo, existing, want);
}

async function update(octokit: Octokit, repo: RepoRef, issue: DashboardIssue, want: { readonly title: string; readonly body: string }): Promise<{ number: number; write: DashboardWrite }> {
  const reopen = issue.state === "closed";
  const change = { ...(issue.title !== want.title ? { title: want.title } : {}), ...(issue.body !== want.body ? { body: want.body } : {}), ...(reopen ? { state: "open" as const } : {}) };
  if (Object.keys(change).length === 0) return { number: issue.number, write: "unchanged" };
  await octokit.rest.issues.update({ ...repo, issue_number: issue.number, ...change });
  return { number: issue.number, write: reopen ? "reopened" : "updated" };
}

/** Who asked for an action: one comment on the dashboard. */
export async function commentOnIssue(octokit: Octokit, repo: RepoRef, number: number, body: string): Promise<void> {
  await octokit.rest.issues.createComment({ ...repo, issue_number: number, body });
}

/** Forgets the cached issue numbers (tests that reset the world). */
export function forgetDashboards(): void {
  known.clear();
}
