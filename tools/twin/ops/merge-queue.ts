/**
 * GitHub's merge queue (merge method "merge"). Enqueuing a PR builds its merge group: a merge
 * commit of the PR head onto the previous entry's group (or the base tip), on the read-only branch
 * `gh-readonly-queue/<base>/pr-<N>-<parent sha>`, and sends `merge_group.checks_requested`.
 * `processMergeQueue` is the queue's step: the first entry merges when every required check of
 * the base's protection passed on its group commit (the base fast-forwards to the group commit,
 * which becomes the PR's merge commit), or leaves the queue when one failed. Leaving the queue
 * destroys the group (`dequeued`) and rebuilds every entry behind it (`invalidated`).
 * The queue lives beside the repository state (a WeakMap), so the data model stays as it is.
 */
import type { Core } from "../core.js";
import { now } from "../core.js";
import { HttpError } from "../errors.js";
import { emitEvent } from "../events.js";
import { branchTip, pullJson } from "../serialize.js";
import type { Account, CommitObject, IssueState, RepoState } from "../state.js";
import { permissionOf } from "../state.js";
import { checkStates, computeMergeability, mergeCommits } from "./mergeability.js";
import { pullOf } from "./pulls.js";
import { applyRefChange } from "./refs.js";

export interface QueueEntry {
  readonly number: number;
  readonly baseRef: string;
  /** `refs/heads/gh-readonly-queue/<base>/pr-<N>-<parent>` */
  ref: string;
  /** The merge group's commit. */
  groupSha: string;
  /** What the group was built on: the base tip or the previous entry's group commit. */
  parentSha: string;
  readonly enqueuedBy: Account;
}

export type DestroyReason = "merged" | "dequeued" | "invalidated";

const queues = new WeakMap<RepoState, QueueEntry[]>();
const queueOf = (repo: RepoState): QueueEntry[] => {
  let q = queues.get(repo);
  if (!q) queues.set(repo, (q = []));
  return q;
};

/** The entries into `base` (all when omitted), first to merge first. */
export function queuedEntries(repo: RepoState, base?: string): readonly QueueEntry[] {
  return queueOf(repo).filter((e) => base === undefined || e.baseRef === base);
}

/** The `merge_group` object of the webhooks (`merge-group` in GitHub's OpenAPI). */
export function mergeGroupJson(core: Core, entry: QueueEntry): Record<string, unknown> {
  const commit = core.world.commits.get(entry.groupSha) as CommitObject;
  const person = (sig: { name: string; email: string }) => ({ name: sig.name, email: sig.email });
  return {
    head_sha: entry.groupSha,
    head_ref: entry.ref,
    base_sha: entry.parentSha,
    base_ref: `refs/heads/${entry.baseRef}`,
    head_commit: {
      id: commit.sha,
      tree_id: commit.tree,
      message: commit.message,
      timestamp: commit.committer.date,
      author: person(commit.author),
      committer: person(commit.committer),
    },
  };
}

function emitGroup(core: Core, repo: RepoState, entry: QueueEntry, action: "checks_requested" | "destroyed", actor: Account, reason?: DestroyReason): void {
  emitEvent(core, "merge_group", action, repo, actor, { ...(reason ? { reason } : {}), merge_group: mergeGroupJson(core, entry) });
}

/** Builds the entry's group commit on `parent`, creates its read-only branch and asks for checks. */
function build(core: Core, repo: RepoState, issue: IssueState, parent: string, actor: Account): Pick<QueueEntry, "ref" | "groupSha" | "parentSha"> {
  const pull = pullOf(issue);
  const merged = mergeCommits(core, parent, pull.headSha);
  if (merged.conflicts.length > 0) throw new HttpError(422, `Pull request #${issue.number} has merge conflicts with the merge queue`);
  const date = now(core);
  const commit = core.world.putCommit({
    parents: [parent, pull.headSha],
    files: merged.files,
    message: `Merge pull request #${issue.number} from ${pull.headRepo.owner.login}/${pull.headRef}\n\n${issue.title}`,
    author: core.world.signature(actor, date),
    authorLogin: actor.login,
    committer: { name: "GitHub", email: "noreply@github.com", date },
    committerLogin: null,
  });
  const ref = `refs/heads/gh-readonly-queue/${pull.baseRef}/pr-${issue.number}-${parent}`;
  applyRefChange(core, repo, ref, commit.sha, actor);
  return { ref, groupSha: commit.sha, parentSha: parent };
}

/**
 * Adds the PR to its base's queue. GitHub enqueues only a PR whose protection requirements are
 * met; an admin may bypass them (the PR then rides the queue on its group's checks alone).
 */
export function enqueuePull(core: Core, repo: RepoState, issue: IssueState, actor: Account): QueueEntry {
  const pull = pullOf(issue);
  if (issue.state !== "open" || pull.draft) throw new HttpError(422, "Pull request is not in a mergeable state");
  if (queueOf(repo).some((e) => e.number === issue.number)) throw new HttpError(422, "Pull request is already queued to merge");
  const state = computeMergeability(core, repo, issue, false);
  if (state.mergeable === false) throw new HttpError(422, "Pull request has merge conflicts");
  if (state.blockedReason && permissionOf(repo, actor.login) !== "admin") throw new HttpError(422, state.blockedReason);
  const last = queuedEntries(repo, pull.baseRef).at(-1);
  const parent = last?.groupSha ?? (branchTip(repo, pull.baseRef) as string);
  emitEvent(core, "pull_request", "enqueued", repo, actor, { number: issue.number, pull_request: pullJson(core, repo, issue) });
  const entry: QueueEntry = { number: issue.number, baseRef: pull.baseRef, enqueuedBy: actor, ...build(core, repo, issue, parent, actor) };
  queueOf(repo).push(entry);
  emitGroup(core, repo, entry, "checks_requested", actor);
  return entry;
}

/** Destroys an entry's group: `destroyed` with its reason, then its read-only branch is deleted. */
function destroy(core: Core, repo: RepoState, entry: QueueEntry, reason: DestroyReason, actor: Account): void {
  emitGroup(core, repo, entry, "destroyed", actor, reason);
  if (repo.refs.has(entry.ref)) applyRefChange(core, repo, entry.ref, null, actor);
}

/** Takes the PR out of the queue; every entry behind it is invalidated and rebuilt on what was before it. */
export function dequeuePull(core: Core, repo: RepoState, number: number, actor: Account, why: "MANUAL" | "CI_FAILURE" = "MANUAL"): void {
  const queue = queueOf(repo);
  const entry = queue.find((e) => e.number === number);
  if (!entry) throw new HttpError(422, "Pull request is not queued");
  const index = queue.indexOf(entry);
  const behind = queue.slice(index + 1).filter((e) => e.baseRef === entry.baseRef);
  queue.splice(index, 1);
  destroy(core, repo, entry, "dequeued", actor);
  const issue = repo.issues.get(number) as IssueState;
  emitEvent(core, "pull_request", "dequeued", repo, actor, { number, pull_request: pullJson(core, repo, issue), reason: why });
  let tip = entry.parentSha;
  for (const e of behind) {
    destroy(core, repo, e, "invalidated", actor);
    Object.assign(e, build(core, repo, repo.issues.get(e.number) as IssueState, tip, actor));
    emitGroup(core, repo, e, "checks_requested", actor);
    tip = e.groupSha;
  }
}

export type QueueStep = "merged" | "removed" | "waiting" | "empty";

/**
 * The queue's step for `base`: the first entry merges when every required check of the base's
 * protection passed on its group commit, or is removed when one of them failed.
 */
export function processMergeQueue(core: Core, repo: RepoState, base: string, actor: Account): QueueStep {
  const queue = queueOf(repo);
  const entry = queue.find((e) => e.baseRef === base);
  if (!entry) return "empty";
  const required = repo.protection.get(base)?.requiredChecks ?? [];
  const states = checkStates(repo, entry.groupSha);
  if (required.some((name) => states.get(name) === "failure")) {
    dequeuePull(core, repo, entry.number, actor, "CI_FAILURE");
    return "removed";
  }
  if (required.some((name) => states.get(name) !== "success")) return "waiting";
  if (branchTip(repo, base) !== entry.parentSha) throw new Error(`twin: ${base} moved under the merge queue; dequeue and enqueue again`);
  queue.splice(queue.indexOf(entry), 1);
  const issue = repo.issues.get(entry.number) as IssueState;
  const pull = pullOf(issue);
  const timestamp = now(core);
  Object.assign(pull, { merged: true, mergedAt: timestamp, mergedBy: entry.enqueuedBy, mergeCommitSha: entry.groupSha, landedShas: [entry.groupSha], baseSha: entry.parentSha });
  Object.assign(issue, { state: "closed", closedAt: timestamp, closedBy: entry.enqueuedBy, updatedAt: timestamp });
  emitEvent(core, "pull_request", "closed", repo, entry.enqueuedBy, { number: issue.number, pull_request: pullJson(core, repo, issue) });
  applyRefChange(core, repo, `refs/heads/${base}`, entry.groupSha, actor);
  destroy(core, repo, entry, "merged", actor);
  return "merged";
}
