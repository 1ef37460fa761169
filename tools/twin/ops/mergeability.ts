/** Mergeability of a pull request: conflicts, branch protection, check state. */
import type { Core } from "../core.js";
import { commitsBetween, isAncestor, mergeBase, mergeTrees, type MergeResult } from "../git.js";
import type { IssueState, RepoState } from "../state.js";

export interface Mergeability {
  mergeable: boolean | null;
  rebaseable: boolean | null;
  /** clean | dirty | draft | blocked | behind | unstable | unknown */
  mergeableState: string;
  /** Why a merge would be refused (for blocked/behind), else null. */
  blockedReason: string | null;
}

const UNKNOWN: Mergeability = { mergeable: null, rebaseable: null, mergeableState: "unknown", blockedReason: null };

/** 3-way merge of `head` into `base` at their merge base. */
export function mergeCommits(core: Core, base: string, head: string): MergeResult {
  const world = core.world;
  const ancestor = mergeBase(world, base, head);
  return mergeTrees(ancestor ? world.commitFiles(ancestor) : {}, world.commitFiles(base), world.commitFiles(head));
}

/** True when replaying each non-merge commit of `head` onto `base` succeeds (cherry-pick semantics). */
export function canRebase(core: Core, base: string, head: string): boolean {
  const world = core.world;
  let tip = world.commitFiles(base);
  for (const sha of commitsBetween(world, base, head)) {
    const commit = world.commits.get(sha);
    if (!commit || commit.parents.length > 1) continue;
    const parent = commit.parents[0];
    const result = mergeTrees(parent ? world.commitFiles(parent) : {}, tip, world.commitFiles(sha));
    if (result.conflicts.length > 0) return false;
    tip = result.files;
  }
  return true;
}

/** Latest check run conclusion per name (any app) and latest status per context on `sha`. */
export function checkStates(repo: RepoState, sha: string): Map<string, "success" | "pending" | "failure"> {
  const states = new Map<string, "success" | "pending" | "failure">();
  const runs = [...repo.checkRuns.values()].filter((r) => r.headSha === sha).sort((a, b) => a.id - b.id);
  for (const run of runs) {
    const ok = run.conclusion === "success" || run.conclusion === "neutral" || run.conclusion === "skipped";
    states.set(run.name, run.status !== "completed" ? "pending" : ok ? "success" : "failure");
  }
  const statuses = repo.statuses.filter((s) => s.sha === sha).sort((a, b) => a.id - b.id);
  for (const status of statuses) {
    states.set(status.context, status.state === "success" ? "success" : status.state === "pending" ? "pending" : "failure");
  }
  return states;
}

export function computeMergeability(core: Core, repo: RepoState, issue: IssueState, consumeNullRead: boolean): Mergeability {
  const pull = issue.pull;
  if (!pull || issue.state !== "open") return UNKNOWN;
  if (pull.mergeableNullReads > 0) {
    if (consumeNullRead) pull.mergeableNullReads -= 1;
    return UNKNOWN;
  }
  const baseTip = repo.refs.get(`refs/heads/${pull.baseRef}`);
  if (!baseTip) return UNKNOWN;
  if (mergeCommits(core, baseTip, pull.headSha).conflicts.length > 0) {
    return { mergeable: false, rebaseable: false, mergeableState: "dirty", blockedReason: null };
  }
  const rebaseable = canRebase(core, baseTip, pull.headSha);
  const ok = (mergeableState: string, blockedReason: string | null = null): Mergeability => ({
    mergeable: true,
    rebaseable,
    mergeableState,
    blockedReason,
  });
  if (pull.draft) return ok("draft");
  const states = checkStates(repo, pull.headSha);
  const rules = repo.protection.get(pull.baseRef);
  const missing = rules?.requiredChecks.find((name) => states.get(name) !== "success");
  if (missing !== undefined) return ok("blocked", `Required status check "${missing}" is expected.`);
  if (rules?.strict && !isAncestor(core.world, baseTip, pull.headSha)) {
    return ok("behind", "Head branch is not up to date with the base branch.");
  }
  if ([...states.values()].some((s) => s !== "success")) return ok("unstable");
  return ok("clean");
}
