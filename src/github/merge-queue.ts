/**
 * The merge queue as GitHub shows it: each queue entry is a read-only branch
 * `gh-readonly-queue/<base>/pr-<N>-<sha>` whose head is the merge group's commit, built on the
 * entries ahead of it. The group of entry N holds N and every entry whose group commit its own
 * commit contains (and the base does not).
 */
import { parseQueueBranch, QUEUE_BRANCH_PREFIX, type QueueBranch } from "../policy/merge-group.js";
import { compare } from "./compare.js";
import type { Octokit, RepoRef } from "./types.js";

export interface QueuedGroup extends QueueBranch {
  /** The group's commit: the head of its read-only branch. */
  readonly headSha: string;
}

/** Every queue entry (into `base` when given): `GET /git/matching-refs/heads/gh-readonly-queue/…`. */
export async function queuedGroups(octokit: Octokit, repo: RepoRef, base?: string): Promise<QueuedGroup[]> {
  const refs = await octokit.paginate(octokit.rest.git.listMatchingRefs, {
    ...repo,
    ref: `heads/${QUEUE_BRANCH_PREFIX}${base === undefined ? "" : `${base}/`}`,
    per_page: 100,
  });
  return refs.flatMap((r) => {
    const branch = parseQueueBranch(r.ref);
    if (!branch || (base !== undefined && branch.base !== base) || r.object.type !== "commit") return [];
    return [{ ...branch, headSha: r.object.sha }];
  });
}

/**
 * The PR numbers of the group at `headSha` (entry `pr` into `base`), in queue order, and whether
 * the list is complete: the group's commits not yet in `base` are read (up to compare's page cap),
 * and every other entry into `base` whose group commit is among them is in the group.
 */
export async function groupPullNumbers(octokit: Octokit, repo: RepoRef, group: QueueBranch & { headSha: string }): Promise<{ numbers: number[]; complete: boolean }> {
  const others = (await queuedGroups(octokit, repo, group.base)).filter((g) => g.pr !== group.pr && g.headSha !== group.headSha);
  if (others.length === 0) return { numbers: [group.pr], complete: true };
  const range = await compare(octokit, repo, group.base, group.headSha);
  const order = new Map(range.commits.map((c, i) => [c.sha, i]));
  const ahead = others.filter((g) => order.has(g.headSha)).sort((a, b) => (order.get(a.headSha) ?? 0) - (order.get(b.headSha) ?? 0));
  return { numbers: [...new Set([...ahead.map((g) => g.pr), group.pr])], complete: !range.partial };
}
