/**
 * Reads what the gate rules need from GitHub: the checks and statuses on the PR head, how far
 * the PR is behind its target, and which of a hotfix's commits come from development only.
 */
import type { CommitSummary, GateFacts, GateNeeds, ObservedCheck } from "../policy/types.js";
import type { FlowVerdict } from "../policy/flow.js";
import { memoizedCompare, type Comparison } from "./compare.js";
import type { Octokit, RepoRef } from "./types.js";

const summarize = (c: { sha: string; title: string }): CommitSummary => ({ sha: c.sha, title: c.title });

export interface CheckRunRecord extends ObservedCheck {
  readonly id: number;
  readonly appId: number | null;
  readonly title: string | null;
  readonly summary: string | null;
  /** Our claim about the status comment (see checks.ts); other apps' ids mean nothing to us. */
  readonly externalId: string | null;
}

/** Every latest check run on a commit: ours is found among them, the others are evidence. */
export async function listCheckRuns(octokit: Octokit, where: RepoRef & { sha: string }): Promise<CheckRunRecord[]> {
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
    owner: where.owner,
    repo: where.repo,
    ref: where.sha,
    filter: "latest",
    per_page: 100,
  });
  return runs.map((r) => ({
    id: r.id,
    appId: r.app?.id ?? null,
    source: "check_run",
    name: r.name,
    reporter: r.app?.slug ?? null,
    status: r.status,
    conclusion: r.conclusion ?? null,
    url: r.html_url ?? r.details_url ?? null,
    startedAt: r.started_at ?? null,
    completedAt: r.completed_at ?? null,
    title: r.output?.title ?? null,
    summary: r.output?.summary ?? null,
    externalId: r.external_id ?? null,
  }));
}

/** Commit statuses, newest first as GitHub lists them; `error` counts as a failure. */
export async function listStatuses(octokit: Octokit, where: RepoRef & { sha: string }): Promise<ObservedCheck[]> {
  let pages = 0;
  // Every status update is a new entry, newest first: read up to 3 pages so older contexts are seen.
  const data = await octokit.paginate(octokit.rest.repos.listCommitStatusesForRef, { owner: where.owner, repo: where.repo, ref: where.sha, per_page: 100 }, (response, done) => {
    if (response.data.length < 100 || ++pages >= 3) done();
    return response.data;
  });
  return data.map((s) => ({
    source: "status",
    name: s.context,
    reporter: s.creator?.login ?? null,
    status: s.state === "pending" ? "pending" : "completed",
    conclusion: s.state === "pending" ? null : s.state === "error" ? "failure" : s.state,
    url: s.target_url ?? null,
    startedAt: s.updated_at ?? s.created_at,
    completedAt: s.state === "pending" ? null : s.updated_at,
    id: s.id,
  }));
}

export async function readGateFacts(
  octokit: Octokit,
  repo: RepoRef,
  pr: { headSha: string; flow: FlowVerdict },
  needs: GateNeeds,
  branches: { production: string; development: string },
  runs: readonly CheckRunRecord[],
  ourAppId: number,
  now: Date,
): Promise<GateFacts> {
  const target = pr.flow.target;
  const isSync = pr.flow.governed && pr.flow.allowed && pr.flow.flow.kind === "sync";
  const facts: { -readonly [K in keyof GateFacts]: GateFacts[K] } = { now };
  // One request per comparison, asked twice, read once: GitHub's counts are exact; the examples are the oldest page.
  const cmp = memoizedCompare(octokit, repo, { maxPages: 1 });
  if (needs.required.length > 0) {
    const statuses = await listStatuses(octokit, { ...repo, sha: pr.headSha });
    facts.checks = [...runs.filter((r) => r.appId !== ourAppId), ...statuses];
  }
  if (needs.upToDate) {
    const ahead = await cmp(target, pr.headSha);
    // The count is GitHub's own; the examples are the first page of the reverse comparison.
    const missing = isSync && ahead.behindBy > 0 ? (await cmp(pr.headSha, target)).commits.map(summarize) : [];
    facts.behind = { behindBy: ahead.behindBy, missing };
  }
  if (needs.lineage) facts.lineage = await lineage(cmp, branches, pr.headSha);
  return facts;
}

/**
 * The PR's commits that are in development and not in production: those reachable from the
 * merge base of development and the PR head, and not from production. Counted by GitHub
 * (`ahead_by` of production...merge-base), whatever their number; the examples are its first page.
 * Three comparisons at most, one when the PR brings nothing production lacks.
 */
async function lineage(
  cmp: (base: string, head: string) => Promise<Comparison>,
  branches: { production: string; development: string },
  headSha: string,
): Promise<{ count: number; examples: CommitSummary[] }> {
  const brings = await cmp(branches.production, headSha);
  if (brings.aheadBy === 0) return { count: 0, examples: [] };
  const shared = (await cmp(branches.development, headSha)).mergeBaseSha;
  const fromDevelopment = await cmp(branches.production, shared);
  return { count: fromDevelopment.aheadBy, examples: fromDevelopment.commits.map(summarize) };
}
