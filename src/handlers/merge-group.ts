/**
 * `merge_group` events. checks_requested: write `branch-steward / <base>` on the group's commit.
 * destroyed (merged, dequeued, invalidated): nothing to write; a merged group's PRs arrive as
 * `pull_request.closed` and are released and backported like any merge.
 * Also: a validation check or status on a group's commit re-evaluates that group.
 */
import type { Context } from "probot";
import { parseQueueBranch } from "../policy/merge-group.js";
import { reportMergeGroup } from "../workflows/merge-group.js";
import { eventIo, eventLog, type HandlerDeps } from "./event.js";

export async function onMergeGroupChecksRequested(context: Context<"merge_group.checks_requested">, deps: HandlerDeps): Promise<void> {
  const group = context.payload.merge_group;
  if (typeof group?.head_sha !== "string" || typeof group.base_ref !== "string" || !group.base_ref.startsWith("refs/heads/")) {
    eventLog(context).warn("ignored: malformed merge_group payload");
    return;
  }
  const base = group.base_ref.slice("refs/heads/".length);
  // A head ref we cannot read names no PR: the group is evaluated without members and fails closed.
  const branch = parseQueueBranch(group.head_ref);
  await reportGroup(context, deps, { base, pr: branch?.base === base ? branch.pr : undefined, headSha: group.head_sha }, "merge_group checks_requested");
}

export async function onMergeGroupDestroyed(context: Context<"merge_group.destroyed">): Promise<void> {
  const { merge_group: group, reason } = context.payload;
  eventLog(context).info({ sha: group?.head_sha, ref: group?.head_ref, reason }, "merge group destroyed: nothing to write");
}

/** A check or status on a commit of a queue branch (`head_branch`, or a status's `branches`): re-evaluate that group. */
export async function reevaluateGroup(context: Context, deps: HandlerDeps, branchName: string | null | undefined, sha: string, why: string): Promise<boolean> {
  const branch = parseQueueBranch(branchName);
  if (!branch) return false;
  await reportGroup(context, deps, { base: branch.base, pr: branch.pr, headSha: sha }, why);
  return true;
}

async function reportGroup(context: Context, deps: HandlerDeps, group: { base: string; pr: number | undefined; headSha: string }, why: string): Promise<void> {
  const { io, config } = await eventIo(context, deps);
  const result = await reportMergeGroup(io, group, config);
  io.log.info({ sha: group.headSha, base: group.base, pr: group.pr, why, ...result }, "evaluated merge group");
}
