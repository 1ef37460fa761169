/** Pull requests: open, edit/retarget, close/reopen, merge (3 methods), reviews, reviewers. */
import type { Core } from "../core.js";
import { now } from "../core.js";
import { HttpError, validationFailed } from "../errors.js";
import { emitEvent } from "../events.js";
import { commitsBetween, isAncestor, mergeTrees } from "../git.js";
import { checkIssueText } from "../limits.js";
import { branchTip, pullJson, reviewJson, userJson } from "../serialize.js";
import type { Account, IssueState, PullState, RepoState, Review } from "../state.js";
import { permissionOf } from "../state.js";
import { computeMergeability, mergeCommits } from "./mergeability.js";
import { applyRefChange } from "./refs.js";

/** The committer GitHub uses for web merges. */
const GITHUB_COMMITTER = { name: "GitHub", email: "noreply@github.com" };

export function pullOf(issue: IssueState): PullState {
  if (!issue.pull) throw new Error(`twin: #${issue.number} is not a pull request`);
  return issue.pull;
}

function emitPull(core: Core, repo: RepoState, issue: IssueState, action: string, sender: Account, extra: Record<string, unknown> = {}): void {
  emitEvent(core, "pull_request", action, repo, sender, { number: issue.number, pull_request: pullJson(core, repo, issue), ...extra });
}

function touch(core: Core, repo: RepoState, issue: IssueState): void {
  issue.updatedAt = now(core);
  if (issue.pull) {
    issue.pull.mergeableNullReads = core.options.mergeableNullReads;
    issue.pull.baseSha = branchTip(repo, issue.pull.baseRef) ?? issue.pull.baseSha;
  }
}

function findOpenPull(repo: RepoState, headRepo: RepoState, headRef: string, baseRef: string): IssueState | undefined {
  return [...repo.issues.values()].find(
    (i) => i.state === "open" && i.pull?.headRepo === headRepo && i.pull.headRef === headRef && i.pull.baseRef === baseRef,
  );
}

function custom(message: string): HttpError {
  return validationFailed({ resource: "PullRequest", code: "custom", message });
}

export interface OpenPullInput {
  headRepo: RepoState;
  headRef: string;
  baseRef: string;
  title: string;
  body: string | null;
  draft: boolean;
  user: Account;
}

export function openPull(core: Core, repo: RepoState, input: OpenPullInput): IssueState {
  checkIssueText(input);
  const baseTip = branchTip(repo, input.baseRef);
  const headTip = branchTip(input.headRepo, input.headRef);
  if (!baseTip) throw validationFailed({ resource: "PullRequest", field: "base", code: "invalid" });
  if (!headTip) throw validationFailed({ resource: "PullRequest", field: "head", code: "invalid" });
  const label = `${input.headRepo.owner.login}:${input.headRef}`;
  if (findOpenPull(repo, input.headRepo, input.headRef, input.baseRef)) {
    throw custom(`A pull request already exists for ${label}.`);
  }
  if (commitsBetween(core.world, baseTip, headTip).length === 0) {
    throw custom(`No commits between ${input.baseRef} and ${input.headRef}`);
  }
  const timestamp = now(core);
  const issue: IssueState = {
    id: core.world.newId(),
    number: repo.nextNumber++,
    title: input.title,
    body: input.body,
    user: input.user,
    state: "open",
    labels: [],
    assignees: [],
    createdAt: timestamp,
    updatedAt: timestamp,
    closedAt: null,
    closedBy: null,
    pull: {
      headRepo: input.headRepo,
      headRef: input.headRef,
      headSha: headTip,
      baseRef: input.baseRef,
      baseSha: baseTip,
      draft: input.draft,
      merged: false,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      landedShas: [],
      requestedReviewers: [],
      mergeableNullReads: core.options.mergeableNullReads,
    },
  };
  repo.issues.set(issue.number, issue);
  emitPull(core, repo, issue, "opened", input.user);
  return issue;
}

export interface UpdatePullInput {
  title?: string;
  body?: string | null;
  state?: "open" | "closed";
  base?: string;
}

/** `PATCH /pulls/{n}`: one `edited` event for title/body/base changes, then closed/reopened. */
export function updatePull(core: Core, repo: RepoState, issue: IssueState, input: UpdatePullInput, actor: Account): void {
  checkIssueText(input);
  const pull = pullOf(issue);
  const changes: Record<string, unknown> = {};
  if (input.base !== undefined && input.base !== pull.baseRef) {
    const newTip = branchTip(repo, input.base);
    if (issue.state !== "open") throw custom("Cannot change the base branch of a closed pull request.");
    if (!newTip) throw validationFailed({ resource: "PullRequest", field: "base", code: "invalid" });
    if (findOpenPull(repo, pull.headRepo, pull.headRef, input.base)) {
      throw custom(`A pull request already exists for ${pull.headRepo.owner.login}:${pull.headRef}.`);
    }
    // Unsure of GitHub's exact wording here; the refusal itself is documented behaviour.
    if (commitsBetween(core.world, newTip, pull.headSha).length === 0) {
      throw custom(`There are no new commits between base branch '${input.base}' and head branch '${pull.headRef}'.`);
    }
    changes.base = { ref: { from: pull.baseRef }, sha: { from: branchTip(repo, pull.baseRef) ?? pull.baseSha } };
    pull.baseRef = input.base;
  }
  if (input.title !== undefined && input.title !== issue.title) {
    changes.title = { from: issue.title };
    issue.title = input.title;
  }
  if (input.body !== undefined && input.body !== issue.body) {
    changes.body = { from: issue.body ?? "" };
    issue.body = input.body;
  }
  if (Object.keys(changes).length > 0) {
    touch(core, repo, issue);
    emitPull(core, repo, issue, "edited", actor, { changes });
  }
  if (input.state === "closed" && issue.state === "open") closePull(core, repo, issue, actor);
  if (input.state === "open" && issue.state === "closed") reopenPull(core, repo, issue, actor);
}

export function closePull(core: Core, repo: RepoState, issue: IssueState, actor: Account): void {
  if (issue.state === "closed") return;
  touch(core, repo, issue);
  issue.state = "closed";
  issue.closedAt = now(core);
  issue.closedBy = actor;
  emitPull(core, repo, issue, "closed", actor);
}

export function reopenPull(core: Core, repo: RepoState, issue: IssueState, actor: Account): void {
  const pull = pullOf(issue);
  if (issue.state === "open") return;
  if (pull.merged) throw custom("Cannot reopen a merged pull request.");
  const headTip = branchTip(pull.headRepo, pull.headRef);
  if (!headTip) throw custom("state cannot be changed. The head branch has been deleted.");
  pull.headSha = headTip;
  issue.state = "open";
  issue.closedAt = null;
  issue.closedBy = null;
  touch(core, repo, issue);
  emitPull(core, repo, issue, "reopened", actor);
}

export type MergeMethod = "merge" | "squash" | "rebase";

export interface MergeInput {
  method: MergeMethod;
  sha?: string;
  commitTitle?: string;
  commitMessage?: string;
}

/** `PUT /pulls/{n}/merge`. Returns the new base tip (merge_commit_sha). */
export function mergePull(core: Core, repo: RepoState, issue: IssueState, input: MergeInput, actor: Account): string {
  const pull = pullOf(issue);
  if (issue.state !== "open") throw new HttpError(405, "Pull Request is not mergeable");
  if (input.sha !== undefined && input.sha !== pull.headSha) {
    throw new HttpError(409, "Head branch was modified. Review and try the merge again.");
  }
  // GitHub refuses to merge drafts; the exact message is not documented.
  if (pull.draft) throw new HttpError(405, "Pull Request is still a draft");
  const baseTip = branchTip(repo, pull.baseRef);
  const state = computeMergeability(core, repo, issue, false);
  if (!baseTip || state.mergeable === false) throw new HttpError(405, "Pull Request is not mergeable");
  if (state.blockedReason) throw new HttpError(405, state.blockedReason);
  const landed = landCommits(core, repo, issue, baseTip, input, actor);
  const tip = landed[landed.length - 1] as string;
  const timestamp = now(core);
  Object.assign(pull, { merged: true, mergedAt: timestamp, mergedBy: actor, mergeCommitSha: tip, landedShas: landed, baseSha: baseTip });
  Object.assign(issue, { state: "closed", closedAt: timestamp, closedBy: actor, updatedAt: timestamp });
  emitPull(core, repo, issue, "closed", actor);
  applyRefChange(core, repo, `refs/heads/${pull.baseRef}`, tip, actor);
  return tip;
}

function landCommits(core: Core, repo: RepoState, issue: IssueState, baseTip: string, input: MergeInput, actor: Account): string[] {
  const pull = pullOf(issue);
  const world = core.world;
  const date = now(core);
  const committer = { ...GITHUB_COMMITTER, date };
  const shared = { committer, committerLogin: null };
  if (input.method === "rebase") return rebaseCommits(core, baseTip, pull.headSha, date);
  const merged = mergeCommits(core, baseTip, pull.headSha).files;
  if (input.method === "merge") {
    const title = input.commitTitle ?? `Merge pull request #${issue.number} from ${pull.headRepo.owner.login}/${pull.headRef}`;
    const commit = world.putCommit({
      ...shared,
      parents: [baseTip, pull.headSha],
      files: merged,
      message: `${title}\n\n${input.commitMessage ?? issue.title}`,
      author: world.signature(actor, date),
      authorLogin: actor.login,
    });
    return [commit.sha];
  }
  const messages = commitsBetween(world, baseTip, pull.headSha).map((sha) => world.commits.get(sha)?.message ?? "");
  const title = input.commitTitle ?? `${issue.title} (#${issue.number})`;
  const body = input.commitMessage ?? messages.map((m) => `* ${m}`).join("\n\n");
  const commit = world.putCommit({
    ...shared,
    parents: [baseTip],
    files: merged,
    message: body === "" ? title : `${title}\n\n${body}`,
    author: world.signature(issue.user, date),
    authorLogin: issue.user.login,
  });
  return [commit.sha];
}

/** Replays each non-merge commit of `head` onto `base` with new committer (GitHub) → new shas. */
function rebaseCommits(core: Core, base: string, head: string, date: string): string[] {
  const world = core.world;
  let tip = base;
  const landed: string[] = [];
  for (const sha of commitsBetween(world, base, head)) {
    const commit = world.commits.get(sha);
    if (!commit || commit.parents.length > 1) continue; // GitHub's rebase drops merge commits (twin assumption)
    const parent = commit.parents[0];
    const result = mergeTrees(parent ? world.commitFiles(parent) : {}, world.commitFiles(tip), world.commitFiles(sha));
    if (result.conflicts.length > 0) throw new HttpError(405, "This branch can't be rebased");
    const replayed = world.putCommit({
      parents: [tip],
      files: result.files,
      message: commit.message,
      author: commit.author,
      authorLogin: commit.authorLogin,
      committer: { ...GITHUB_COMMITTER, date },
      committerLogin: null,
    });
    tip = replayed.sha;
    landed.push(tip);
  }
  if (landed.length === 0) throw new HttpError(405, "This branch can't be rebased");
  return landed;
}

/** Reacts to a branch moving or being deleted in `repo`: synchronize, close, or mark merged. */
export function onBranchMoved(core: Core, repo: RepoState, branch: string, before: string | null, after: string | null, actor: Account): void {
  for (const baseRepo of core.world.repos.values()) {
    for (const issue of baseRepo.issues.values()) {
      const pull = issue.pull;
      if (!pull || issue.state !== "open") continue;
      if (pull.headRepo === repo && pull.headRef === branch) syncHead(core, baseRepo, issue, before, after, actor);
      else if (baseRepo === repo && pull.baseRef === branch) syncBase(core, baseRepo, issue, after, actor);
    }
  }
}

function syncHead(core: Core, repo: RepoState, issue: IssueState, before: string | null, after: string | null, actor: Account): void {
  const pull = pullOf(issue);
  if (after === null) return closePull(core, repo, issue, actor);
  if (after === pull.headSha) return;
  pull.headSha = core.world.peel(after);
  touch(core, repo, issue);
  emitPull(core, repo, issue, "synchronize", actor, { before: before ?? pull.headSha, after: pull.headSha });
}

/**
 * Base branch moved: if it now contains the PR head, GitHub marks the PR merged (the
 * merge commit recorded here is the new base tip; GitHub's choice may differ). If the
 * base branch was deleted the PR is closed.
 */
function syncBase(core: Core, repo: RepoState, issue: IssueState, after: string | null, actor: Account): void {
  const pull = pullOf(issue);
  if (after === null) return closePull(core, repo, issue, actor);
  if (!isAncestor(core.world, pull.headSha, core.world.peel(after))) {
    pull.mergeableNullReads = core.options.mergeableNullReads;
    return;
  }
  const timestamp = now(core);
  Object.assign(pull, { merged: true, mergedAt: timestamp, mergedBy: actor, mergeCommitSha: after, landedShas: [after] });
  Object.assign(issue, { state: "closed", closedAt: timestamp, closedBy: actor, updatedAt: timestamp });
  emitPull(core, repo, issue, "closed", actor);
}

export type ReviewEvent = "APPROVE" | "REQUEST_CHANGES" | "COMMENT";

export function submitReview(
  core: Core,
  repo: RepoState,
  issue: IssueState,
  input: { event?: ReviewEvent; body?: string; commitId?: string },
  actor: Account,
): Review {
  const pull = pullOf(issue);
  const own = actor.login.toLowerCase() === issue.user.login.toLowerCase();
  if (own && input.event === "APPROVE") throw new HttpError(422, "Unprocessable Entity", ["Can not approve your own pull request"]);
  if (own && input.event === "REQUEST_CHANGES") {
    throw new HttpError(422, "Unprocessable Entity", ["Can not request changes on your own pull request"]);
  }
  if ((input.event === "REQUEST_CHANGES" || input.event === "COMMENT") && !input.body) {
    throw new HttpError(422, "Unprocessable Entity", [`Body is required when the review event is ${input.event}`]);
  }
  const states = { APPROVE: "APPROVED", REQUEST_CHANGES: "CHANGES_REQUESTED", COMMENT: "COMMENTED" } as const;
  const review: Review = {
    id: core.world.newId(),
    pullNumber: issue.number,
    user: actor,
    state: input.event ? states[input.event] : "PENDING",
    body: input.body ?? "",
    commitId: input.commitId ?? pull.headSha,
    submittedAt: input.event ? now(core) : null,
  };
  repo.reviews.push(review);
  if (!input.event) return review;
  pull.requestedReviewers = pull.requestedReviewers.filter((login) => login.toLowerCase() !== actor.login.toLowerCase());
  touch(core, repo, issue);
  emitEvent(core, "pull_request_review", "submitted", repo, actor, {
    review: reviewJson(core, repo, review),
    pull_request: pullJson(core, repo, issue),
  });
  return review;
}

export function requestReviewers(core: Core, repo: RepoState, issue: IssueState, logins: string[], actor: Account): void {
  const pull = pullOf(issue);
  for (const login of logins) {
    if (login.toLowerCase() === issue.user.login.toLowerCase()) {
      throw new HttpError(422, "Review cannot be requested from pull request author.");
    }
    if (!permissionOf(repo, login)) {
      throw new HttpError(
        422,
        `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${repo.fullName} repository.`,
      );
    }
  }
  for (const login of logins) {
    if (pull.requestedReviewers.some((r) => r.toLowerCase() === login.toLowerCase())) continue;
    const reviewer = core.world.account(login);
    pull.requestedReviewers.push(reviewer.login);
    touch(core, repo, issue);
    emitPull(core, repo, issue, "review_requested", actor, { requested_reviewer: userJson(core, reviewer) });
  }
}

export function removeRequestedReviewers(core: Core, repo: RepoState, issue: IssueState, logins: string[], actor: Account): void {
  const pull = pullOf(issue);
  for (const login of logins) {
    const present = pull.requestedReviewers.find((r) => r.toLowerCase() === login.toLowerCase());
    if (!present) continue;
    pull.requestedReviewers = pull.requestedReviewers.filter((r) => r !== present);
    touch(core, repo, issue);
    emitPull(core, repo, issue, "review_request_removed", actor, { requested_reviewer: userJson(core, core.world.account(present)) });
  }
}

export function setDraft(core: Core, repo: RepoState, issue: IssueState, draft: boolean, actor: Account): void {
  const pull = pullOf(issue);
  if (pull.draft === draft) return;
  pull.draft = draft;
  touch(core, repo, issue);
  emitPull(core, repo, issue, draft ? "converted_to_draft" : "ready_for_review", actor);
}
