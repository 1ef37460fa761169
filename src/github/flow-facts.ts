/**
 * What the dashboard and the scheduled sync read about the flow, in parallel: recent PRs into
 * production and development, releases, version tags, both comparisons between the branches
 * (GitHub's exact counts) and the development → production PRs.
 */
import type { PullRequestFacts } from "../model/pull-request.js";
import type { ReleaseFact } from "../policy/dashboard.js";
import { compare, type Comparison } from "./compare.js";
import { recentlyClosedInto, type PullList } from "./pulls.js";
import { listSyncPulls, type SyncPull } from "./sync-pr.js";
import { listTags } from "./tags.js";
import type { Octokit, RepoRef } from "./types.js";
import { parsePullRequest } from "../model/pull-request.js";

export interface FlowReadings {
  readonly production: PullList;
  readonly development: PullList;
  readonly releases: readonly ReleaseFact[];
  readonly tags: readonly string[];
  /** `production...development`: what development has that production lacks. */
  readonly ahead: Comparison;
  /** `development...production`: GitHub's count, and the date of the oldest such commit. */
  readonly behind: { readonly commits: number; readonly oldestAt: string | null };
  readonly syncPulls: readonly SyncPull[];
}

export interface FlowBranches {
  readonly production: string;
  readonly development: string;
}

/** The 100 PRs into `base` updated last, open and closed. */
async function recentInto(octokit: Octokit, repo: RepoRef, base: string): Promise<PullList> {
  const { data } = await octokit.rest.pulls.list({ ...repo, base, state: "all", sort: "updated", direction: "desc", per_page: 100 });
  const parsed = data.map(parsePullRequest);
  const pulls = parsed.filter((p): p is PullRequestFacts => !("error" in p));
  return Object.assign(pulls, { dropped: parsed.length - pulls.length });
}

async function releases(octokit: Octokit, repo: RepoRef): Promise<ReleaseFact[]> {
  const { data } = await octokit.rest.repos.listReleases({ ...repo, per_page: 20 });
  return data
    .filter((r) => !r.draft)
    .map((r) => ({ tag: r.tag_name, publishedAt: r.published_at ?? r.created_at, url: r.html_url }))
    .sort((a, b) => b.publishedAt.localeCompare(a.publishedAt));
}

async function behind(octokit: Octokit, repo: RepoRef, b: FlowBranches): Promise<FlowReadings["behind"]> {
  // Compare lists commits oldest first: the first page of one holds the oldest.
  const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: `${b.development}...${b.production}`, per_page: 1 });
  const oldest = data.commits[0]?.commit;
  return { commits: data.ahead_by, oldestAt: data.ahead_by > 0 ? (oldest?.committer?.date ?? oldest?.author?.date ?? null) : null };
}

export async function readFlow(octokit: Octokit, repo: RepoRef, b: FlowBranches): Promise<FlowReadings> {
  const [production, development, rel, tags, ahead, back, syncPulls] = await Promise.all([
    recentlyClosedInto(octokit, repo, b.production),
    recentInto(octokit, repo, b.development),
    releases(octokit, repo),
    listTags(octokit, repo).then((t) => t.map((x) => x.name)),
    compare(octokit, repo, b.production, b.development),
    behind(octokit, repo, b),
    listSyncPulls(octokit, repo, b),
  ]);
  return { production, development, releases: rel, tags, ahead, behind: back, syncPulls };
}
