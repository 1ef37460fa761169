/**
 * The named steps of a backport (see ./backport.ts). Each takes one object: the workflow's
 * state so far. Courtesy writes (comments, labels, assignees, reviewers, bodies) never stop it.
 */
import type { CompiledConfig } from "../config/compile.js";
import { addAssignees, addLabels, createBranchOnce, openPullOnce, requestReviewers, trackingIssueOnce, updatePull, waitForMergeable } from "../github/backport.js";
import type { Comparison } from "../github/compare.js";
import { cherryPick, pickBase } from "../github/cherry-pick.js";
import { findMarkedComment, writeComment, type CommentWrite } from "../github/comments.js";
import { Courtesy, type CourtesyKind } from "../github/courtesy.js";
import { listReviews } from "../github/evidence.js";
import type { PullRequestFacts } from "../model/pull-request.js";
import { backportLabels, backportPeople, backportTrigger, type ExistingBackport } from "../policy/backport.js";
import { approversOf } from "../policy/release.js";
import {
  BACKPORT_MARKER,
  CONFLICT_MARKER,
  renderAlreadyInDevelopment,
  renderBackportBody,
  renderBackportExists,
  renderBackportTitle,
  renderConflict,
  renderPickConflictIssue,
  renderPickConflictTitle,
  renderPickMessage,
  renderPickConflictNote,
} from "../render/backport.js";
import { RELEASE_COMMENT_MARKER, versionInReleaseComment } from "../render/release.js";
import type { WorkflowIo } from "./io.js";

export type Trigger = Extract<ReturnType<typeof backportTrigger>, { backport: true }>;

/** One backport run: who does it, on what, with which config. */
export interface BackportRun {
  readonly io: WorkflowIo;
  readonly pr: PullRequestFacts;
  readonly config: CompiledConfig;
  readonly courtesy: Courtesy;
}

/** A courtesy write: never stops the backport; a refusal is logged, counted and recorded. */
export function polite<T>(r: Pick<BackportRun, "courtesy">, kind: CourtesyKind, number: number, write: () => Promise<T>): Promise<T | "failed"> {
  return r.courtesy.attempt(kind, { pr: number }, write);
}

/** Our one backport comment on the source PR, written only when its text changes. */
export function sayOnSource(r: Pick<BackportRun, "io" | "courtesy">, number: number, body: string): Promise<CommentWrite | "failed"> {
  const { io } = r;
  const where = { ...io.repo, issueNumber: number, marker: BACKPORT_MARKER, botLogin: io.me.botLogin };
  return polite(r, "comment", number, async () => writeComment(io.octokit, where, await findMarkedComment(io.octokit, where), body));
}

/** Labels as a courtesy: the sweep finds a merge without a backport label and runs the backport again, which repairs them. */
export const label = (r: Pick<BackportRun, "io" | "courtesy">, number: number, labels: readonly string[]) =>
  polite(r, "label", number, () => addLabels(r.io.octokit, r.io.repo, number, labels));

const assign = (r: Pick<BackportRun, "io" | "courtesy">, number: number, assignees: readonly string[]) =>
  assignees.length
    ? polite(r, "assignee", number, () => addAssignees(r.io.octokit, r.io.repo, number, assignees))
    : Promise.resolve();

export type Repair = "source-label" | "labels" | "assignees";

/** Repairs what an interrupted run left out on an existing backport (the source label, its labels and assignees, the comment). */
export async function repairExisting(s: { run: BackportRun; existing: ExistingBackport; target: string }): Promise<Repair[]> {
  const { run, existing } = s;
  const { pr, config } = run;
  const repaired: Repair[] = [];
  const state = existing.merged ? config.backport.labels.done : config.backport.labels.pending;
  if (!pr.labels.includes(state)) {
    await label(run, pr.number, [state]);
    repaired.push("source-label");
  }
  if (existing.state === "open") {
    const missingLabels = backportLabels(pr, config).filter((l) => !(existing.labels ?? []).includes(l));
    if (missingLabels.length) repaired.push("labels");
    await label(run, existing.number, missingLabels);
    const missingAssignees = backportPeople(pr, []).assignees.filter((a) => !(existing.assignees ?? []).includes(a));
    if (missingAssignees.length) repaired.push("assignees");
    await assign(run, existing.number, missingAssignees);
  }
  await sayOnSource(run, pr.number, renderBackportExists(existing.number, s.target, existing.merged ? "merged" : "open"));
  return repaired;
}

export type PickOutcome = { readonly branchAt: string; readonly note: string } | { readonly done: "empty-pick" } | { readonly done: "pick-conflict"; readonly issue: number };

/** Cherry-pick mode: the picked commit, or a merge-back fallback, or a tracking issue on conflict. */
export async function pickOrFallBack(s: { run: BackportRun; trigger: Trigger; ownTitles: readonly string[] }): Promise<PickOutcome> {
  const { run, trigger } = s;
  const { io, pr, config } = run;
  const picked = await cherryPick(io.octokit, io.repo, {
    sha: trigger.mergeCommitSha,
    base: await pickBase(io.octokit, io.repo, trigger.mergeCommitSha, s.ownTitles),
    onto: trigger.target,
    message: renderPickMessage(pr.title, pr.number, trigger.mergeCommitSha),
    tempPrefix: trigger.branch,
  });
  if (picked.kind === "picked") return { branchAt: picked.sha, note: "" };
  if (picked.kind === "empty") {
    await label(run, pr.number, [config.backport.labels.not_needed]);
    await sayOnSource(run, pr.number, renderAlreadyInDevelopment(trigger.target));
    return { done: "empty-pick" };
  }
  if (config.backport.on_cherry_pick_conflict === "merge-back") {
    return { branchAt: trigger.mergeCommitSha, note: "The cherry-pick conflicted, so this is a merge-back PR instead." };
  }
  return { done: "pick-conflict", issue: await flagConflict({ run, trigger }) };
}

/** A tracking issue for a conflicting cherry-pick (found again by its title), noted on the source. */
export async function flagConflict(s: { run: BackportRun; trigger: Trigger }): Promise<number> {
  const { run, trigger } = s;
  const { io, pr, config } = run;
  const labels = config.backport.labels;
  const title = renderPickConflictTitle(pr.number, trigger.target);
  const issue = await trackingIssueOnce(io.octokit, io.repo, {
    title,
    body: renderPickConflictIssue(pr.number, trigger.target, trigger.mergeCommitSha),
    labels: [labels.backport, labels.conflict],
    assignees: backportPeople(pr, []).assignees,
    findBy: { label: labels.conflict, creator: io.me.botLogin },
  });
  await label(run, pr.number, [labels.pending]);
  await sayOnSource(run, pr.number, renderPickConflictNote(trigger.target, `tracking issue #${issue.number}`));
  return issue.number;
}

/** The release this merge already has, from our release comment on it (the release workflow adds the line later otherwise). */
async function releaseOf(run: BackportRun): Promise<{ tag: string; url: string } | undefined> {
  const { io, pr } = run;
  const released = await findMarkedComment(io.octokit, { ...io.repo, issueNumber: pr.number, marker: RELEASE_COMMENT_MARKER, botLogin: io.me.botLogin });
  const tag = released ? versionInReleaseComment(released.body) : null;
  const url = released?.body.match(/\((https?:\/\/[^)\s]+\/releases\/tag\/[^)\s]+)\)/)?.[1];
  return tag && url ? { tag, url } : undefined;
}

/** Opens the backport PR (once: the branch is the lock), then its courtesy writes; returns its number and mergeability. */
export async function openBackportPr(s: {
  run: BackportRun;
  trigger: Trigger;
  brings: Comparison;
  own: readonly { sha: string; title: string }[];
  branchAt: string;
  note: string;
  mergeablePolls?: readonly number[] | undefined;
}): Promise<{ pr: number; created: boolean; mergeable: boolean | null }> {
  const { run, trigger, brings } = s;
  const { io, pr, config } = run;
  await createBranchOnce(io.octokit, io.repo, trigger.branch, s.branchAt);
  const ownShas = new Set(s.own.map((c) => c.sha));
  const ownTitles = new Set(s.own.map((c) => c.title));
  const extra = brings.commits.filter((c) => c.sha !== trigger.mergeCommitSha && !ownShas.has(c.sha) && !ownTitles.has(c.title) && !c.title.startsWith("Merge "));
  const people = backportPeople(pr, approversOf(await listReviews(io.octokit, io.repo, pr.number)));
  const body = {
    kind: trigger.kind,
    source: { number: pr.number, title: pr.title },
    production: config.branches.production,
    development: trigger.target,
    mergeCommitSha: trigger.mergeCommitSha,
    commits: brings.commits,
    totalCommits: brings.totalCommits,
    extra: trigger.kind === "sync" ? [] : extra,
    filesChanged: brings.filesChanged,
    strategy: s.branchAt === trigger.mergeCommitSha ? ("merge-back" as const) : ("cherry-pick" as const),
    note: s.note,
    release: await releaseOf(run),
  };
  const opened = await openPullOnce(io.octokit, io.repo, {
    head: trigger.branch,
    base: trigger.target,
    title: renderBackportTitle(trigger.kind, { ...config.branches, development: trigger.target, number: pr.number, title: pr.title }),
    body: renderBackportBody({ ...body, reviewerProblems: [] }),
  });
  // The backport PR exists: everything after this is a courtesy and never undoes or stops it.
  if (opened.created) {
    const problems = await polite(run, "reviewer", opened.number, () => requestReviewers(io.octokit, io.repo, opened.number, people.reviewers));
    if (problems !== "failed" && problems.length) {
      io.log.warn({ pr: opened.number, problems }, "some reviewers could not be requested");
      const described = renderBackportBody({ ...body, reviewerProblems: problems });
      await polite(run, "body", opened.number, () => updatePull(io.octokit, io.repo, opened.number, { body: described }));
    }
    await assign(run, opened.number, people.assignees);
    await label(run, opened.number, backportLabels(pr, config));
  }
  await label(run, pr.number, [config.backport.labels.pending]);
  await sayOnSource(run, pr.number, renderBackportExists(opened.number, trigger.target, "open"));
  const mergeable = await waitForMergeable(io.octokit, io.repo, opened.number, s.mergeablePolls).catch((error: unknown) => {
    io.log.warn({ err: error, pr: opened.number }, "could not read the backport PR's mergeability");
    return null;
  });
  if (mergeable === false) await flagMergeConflict({ run, pr: opened.number, trigger });
  return { pr: opened.number, created: opened.created, mergeable };
}

/** A backport PR GitHub cannot merge: the conflict label and the commands to resolve it. */
async function flagMergeConflict(s: { run: BackportRun; pr: number; trigger: Trigger }): Promise<void> {
  const { run } = s;
  const { io } = run;
  await label(run, s.pr, [run.config.backport.labels.conflict]);
  const where = { ...io.repo, issueNumber: s.pr, marker: CONFLICT_MARKER, botLogin: io.me.botLogin };
  await polite(run, "comment", s.pr, async () =>
    writeComment(io.octokit, where, await findMarkedComment(io.octokit, where), renderConflict(s.trigger.branch, s.trigger.target)),
  );
}

