/**
 * The merge queue's check: `branch-steward / <base>` on a merge group's commit. Reads the group's
 * PRs (from the queue's read-only branches), each PR and our check on its current head, and the
 * group commit's checks when a flow requires validation on the group; decides
 * (policy/merge-group.ts); writes the check only when it changed. No comment goes with it.
 */
import type { ConfigResult } from "../config/parse.js";
import { ourRun, writeCheckRun, type CheckWrite } from "../github/checks.js";
import { httpStatus } from "../github/errors.js";
import { listCheckRuns, listStatuses } from "../github/gate-facts.js";
import { groupPullNumbers } from "../github/merge-queue.js";
import { readPull } from "../github/pulls.js";
import { lockKey } from "../infra/lock-keys.js";
import { checkName } from "../policy/evaluation.js";
import { isGoverned } from "../policy/flow.js";
import { evaluateMergeGroup, groupRequiredChecks, type GroupMember, type GroupMembership, type QueueBranch } from "../policy/merge-group.js";
import { renderMergeGroupCheck } from "../render/merge-group.js";
import type { ConfigSource } from "./evaluate-and-report.js";
import type { WorkflowIo } from "./io.js";

/** A merge group: its base, the PR whose entry it is (undefined when its branch name said none), and its commit. */
export interface MergeGroupRef {
  readonly base: string;
  readonly pr: number | undefined;
  readonly headSha: string;
}

export type MergeGroupResult =
  | { readonly kind: "ungoverned"; readonly base: string }
  | { readonly kind: "reported"; readonly verdict: "success" | "failure" | "neutral" | "pending"; readonly check: CheckWrite; readonly prs: readonly number[] };

export async function reportMergeGroup(io: WorkflowIo, group: MergeGroupRef, source: ConfigSource): Promise<MergeGroupResult> {
  const run = async () => {
    const config = typeof source === "function" ? await source() : source;
    if (!isGoverned(group.base, config.config)) return { kind: "ungoverned" as const, base: group.base };
    return report(io, group, config);
  };
  return io.lock ? io.lock.run(lockKey({ kind: "merge-group", repo: io.repo, sha: group.headSha }), run) : run();
}

async function report(io: WorkflowIo, group: MergeGroupRef, config: ConfigResult): Promise<MergeGroupResult> {
  const name = checkName(group.base);
  const [runs, membership] = await Promise.all([listCheckRuns(io.octokit, { ...io.repo, sha: group.headSha }), readMembership(io, group)]);
  const required = config.ok ? groupRequiredChecks(membership.members, group.base, config.config) : [];
  const statuses = required.length > 0 ? await listStatuses(io.octokit, { ...io.repo, sha: group.headSha }) : [];
  const groupChecks = required.length > 0 ? [...runs.filter((r) => r.appId !== io.me.id), ...statuses] : [];
  const evaluation = evaluateMergeGroup({ base: group.base, membership, config, groupChecks, now: io.now() });
  const output = renderMergeGroupCheck(evaluation);
  const check = await writeCheckRun(io.octokit, { ...io.repo, sha: group.headSha, name }, ourRun(runs, name, io.me.id), evaluation, output, io.now);
  const verdict = evaluation.status === "in_progress" ? "pending" : (evaluation.conclusion ?? "neutral");
  return { kind: "reported", verdict, check, prs: evaluation.numbers };
}

async function readMembership(io: WorkflowIo, group: MergeGroupRef): Promise<GroupMembership> {
  if (group.pr === undefined) return { members: [], complete: false };
  const { numbers, complete } = await groupPullNumbers(io.octokit, io.repo, { base: group.base, pr: group.pr, headSha: group.headSha } satisfies QueueBranch & { headSha: string });
  const members = await Promise.all(numbers.map((n) => readMember(io, n, group.base)));
  return { members, complete };
}

async function readMember(io: WorkflowIo, number: number, base: string): Promise<GroupMember> {
  let pr;
  try {
    pr = await readPull(io.octokit, io.repo, number);
  } catch (error) {
    if (httpStatus(error) === 404) return { number }; // fail closed: a PR we cannot read is not allowed
    throw error;
  }
  if (!pr) return { number };
  const runs = await listCheckRuns(io.octokit, { ...io.repo, sha: pr.headSha });
  const ours = ourRun(runs, checkName(base), io.me.id);
  return {
    number,
    pr: { open: pr.open, route: pr.route, headSha: pr.headSha },
    ...(ours ? { check: { status: ours.status, conclusion: ours.conclusion } } : {}),
  };
}
