/**
 * Backports: a merge into production opens a merge-back PR into development, for
 * maintainers to approve. `/backport` on the merged PR retries or redoes it. When the
 * backport PR merges, the source PR's label flips from pending to done.
 */
import type { Context } from "probot";
import { loadConfig } from "../config/load.js";
import type { CompiledConfig } from "../config/compile.js";
import type { Config } from "../config/schema.js";
import {
  backportLabels,
  backportPeople,
  backportTrigger,
  nextBackportStep,
  sourceOfBackportBranch,
} from "../policy/backport.js";
import {
  addLabels,
  createBranchOnce,
  findPullsForBranch,
  openPullOnce,
  pullCommitTitles,
  removeLabel,
  requestReviewers,
  waitForMergeable,
} from "../github/backport.js";
import { compare } from "../github/compare.js";
import { findMarkedComment, writeComment } from "../github/comments.js";
import { Courtesy, CourtesyWritesFailed, type CourtesyKind } from "../github/courtesy.js";
import { httpStatus } from "../github/errors.js";
import type { AppIdentity, IdentityProvider } from "../github/identity.js";
import type { Octokit, RepoRef } from "../github/types.js";
import {
  BACKPORT_MARKER,
  CONFLICT_MARKER,
  renderAlreadyInDevelopment,
  renderBackportBody,
  renderBackportExists,
  renderBackportFailed,
  renderBackportTitle,
  renderClosedByHuman,
  renderConflict,
  renderPickConflictIssue,
  renderPickConflictIssueTitle,
  renderPickConflictNote,
} from "../render/backport.js";
import { runCommand } from "./commands.js";
import { RELEASE_COMMENT_MARKER, versionInReleaseComment } from "../render/release.js";
import type { WorkLock } from "../infra/work-lock.js";
import { cherryPick, pickBase } from "../github/cherry-pick.js";
import type { PullRequestFacts } from "../model/pull-request.js";
import { approversOf } from "../policy/release.js";

type Log = Context["log"];

export interface BackportDeps {
  readonly octokit: Octokit;
  readonly repo: RepoRef;
  readonly me: AppIdentity;
  readonly log: Log;
  /** Delays between mergeability polls (tests shorten them). */
  readonly mergeablePolls?: readonly number[];
  /**
   * Where courtesy writes (comments, labels, assignees, reviewer requests, bodies) that GitHub
   * refused are recorded; without one, they are only logged and counted.
   */
  readonly courtesy?: Courtesy;
}

/** A courtesy write: never stops the backport; a refusal is logged, counted and recorded. */
function polite<T>(deps: BackportDeps, kind: CourtesyKind, number: number, write: () => Promise<T>): Promise<T | "failed"> {
  return (deps.courtesy ?? new Courtesy(deps.log)).attempt(kind, { pr: number }, write);
}

/** The closed PR's facts from a payload or an API answer (not validated, as before; the workflow will use parsePullRequest). */
export function mergedFacts(pr: {
  number: number;
  title: string;
  body?: string | null;
  html_url?: string;
  state?: string;
  user: { login: string } | null;
  merged_by?: { login: string } | null;
  merged?: boolean | null;
  merged_at?: string | null;
  merge_commit_sha: string | null;
  head: { ref: string; sha?: string; repo?: { full_name: string } | null };
  base: { ref: string; repo?: { full_name: string } };
  labels?: { name?: string }[];
}): PullRequestFacts {
  return {
    number: pr.number,
    title: pr.title,
    body: pr.body ?? "",
    htmlUrl: pr.html_url ?? "",
    open: pr.state === "open",
    author: pr.user?.login ?? null,
    mergedBy: pr.merged_by?.login ?? null,
    merged: pr.merged === true || Boolean(pr.merged_at),
    mergedAt: pr.merged_at ?? null,
    mergeCommitSha: pr.merge_commit_sha,
    headSha: pr.head.sha ?? "",
    labels: (pr.labels ?? []).map((l) => l.name ?? "").filter(Boolean),
    route: { baseRepo: pr.base.repo?.full_name ?? "", headRepo: pr.head.repo?.full_name ?? null, source: pr.head.ref, target: pr.base.ref },
  };
}

/** Our one backport comment on the source PR, written only when its text changes (a courtesy write). */
async function sayOnSource(deps: BackportDeps, number: number, body: string): Promise<void> {
  const where = { ...deps.repo, issueNumber: number, marker: BACKPORT_MARKER, botLogin: deps.me.botLogin };
  await polite(deps, "comment", number, async () => writeComment(deps.octokit, where, await findMarkedComment(deps.octokit, where), body));
}

/** Labels as a courtesy: the sweep finds a merge without a backport label and runs the backport again, which repairs them. */
const label = (deps: BackportDeps, number: number, labels: readonly string[]) => polite(deps, "label", number, () => addLabels(deps.octokit, deps.repo, number, labels));
const assign = (deps: BackportDeps, number: number, assignees: readonly string[]) =>
  assignees.length ? polite(deps, "assignee", number, () => deps.octokit.rest.issues.addAssignees({ ...deps.repo, issue_number: number, assignees: [...assignees] })) : Promise.resolve();

/** Runs the backport of one merged PR. Safe to repeat: the branch name is the lock. */
export async function runBackport(deps: BackportDeps, pr: PullRequestFacts, config: CompiledConfig, requested: boolean): Promise<string> {
  const { octokit, repo, log } = deps;
  const trigger = backportTrigger(pr, config);
  if (!trigger.backport) {
    if (pr.merged && pr.route.target === config.branches.production && !pr.mergeCommitSha) {
      await sayOnSource(deps, pr.number, renderBackportFailed("GitHub reports no merge commit for this PR."));
    }
    return `skipped: ${trigger.reason}`;
  }
  const labels = config.backport.labels;
  const existing = await findPullsForBranch(octokit, repo, trigger.branch);
  const step = nextBackportStep(existing, requested);
  if (step.step === "done") {
    // Repair what an interrupted run left out (the source label, the comment); write nothing else.
    const state = step.pr.merged ? labels.done : labels.pending;
    if (!pr.labels.includes(state)) await label(deps, pr.number, [state]);
    if (step.pr.state === "open") {
      const missingLabels = backportLabels(pr, config).filter((l) => !(step.pr.labels ?? []).includes(l));
      await label(deps, step.pr.number, missingLabels);
      await assign(deps, step.pr.number, backportPeople(pr, []).assignees.filter((a) => !(step.pr.assignees ?? []).includes(a)));
    }
    await sayOnSource(deps, pr.number, renderBackportExists(step.pr.number, trigger.target, step.pr.merged ? "merged" : "open"));
    return `nothing to do: ${step.why} (#${step.pr.number})`;
  }
  if (step.step === "closed-by-human") {
    await sayOnSource(deps, pr.number, renderClosedByHuman(step.pr.number));
    return `not reopened: #${step.pr.number} was closed by a human`;
  }
  if (step.step === "reopen") {
    const reopened = await octokit.rest.pulls.update({ ...repo, pull_number: step.pr.number, state: "open" }).then(
      () => true,
      (error: unknown) => (log.warn({ err: error, pr: step.pr.number }, "could not reopen the backport PR; opening a new one"), false),
    );
    if (reopened) {
      await label(deps, pr.number, [labels.pending]);
      await sayOnSource(deps, pr.number, renderBackportExists(step.pr.number, trigger.target, "reopened"));
      return `reopened #${step.pr.number}`;
    }
  }

  const brings = await compare(octokit, repo, trigger.target, trigger.mergeCommitSha);
  if (brings.aheadBy === 0) {
    await label(deps, pr.number, [labels.not_needed]);
    await sayOnSource(deps, pr.number, renderAlreadyInDevelopment(trigger.target));
    return "not needed: development already contains the merge commit";
  }

  const own = trigger.kind === "sync" ? [] : await pullCommitTitles(octokit, repo, pr.number);
  let branchAt = trigger.mergeCommitSha;
  let strategyNote = "";
  if (config.backport.strategy === "cherry-pick" && trigger.kind !== "sync") {
    const pick = await pickOrFallBack(deps, pr, trigger, config, own.map((c) => c.title));
    if ("done" in pick) return pick.done;
    ({ branchAt, note: strategyNote } = pick);
  }
  await createBranchOnce(octokit, repo, trigger.branch, branchAt);
  const ownShas = new Set(own.map((c) => c.sha));
  const ownTitles = new Set(own.map((c) => c.title));
  const extra = brings.commits.filter((c) => c.sha !== trigger.mergeCommitSha && !ownShas.has(c.sha) && !ownTitles.has(c.title) && !c.title.startsWith("Merge "));
  const { data: reviews } = await octokit.rest.pulls.listReviews({ ...repo, pull_number: pr.number, per_page: 100 });
  const people = backportPeople(
    pr,
    approversOf(reviews.map((r) => ({ id: r.id, user: r.user?.login ?? null, state: r.state }))),
  );
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
    strategy: branchAt === trigger.mergeCommitSha ? ("merge-back" as const) : ("cherry-pick" as const),
    note: strategyNote,
  };
  // If the merge is already released, say so; otherwise the release handler adds the line later.
  const released = await findMarkedComment(octokit, { ...repo, issueNumber: pr.number, marker: RELEASE_COMMENT_MARKER, botLogin: deps.me.botLogin });
  const tag = released ? versionInReleaseComment(released.body) : null;
  const url = released?.body.match(/\((https?:\/\/[^)\s]+\/releases\/tag\/[^)\s]+)\)/)?.[1];
  const release = tag && url ? { tag, url } : undefined;
  const opened = await openPullOnce(octokit, repo, {
    head: trigger.branch,
    base: trigger.target,
    title: renderBackportTitle(trigger.kind, { ...config.branches, development: trigger.target, number: pr.number, title: pr.title }),
    body: renderBackportBody({ ...body, release, reviewerProblems: [] }),
  });
  // The backport PR exists: everything after this is a courtesy and never undoes or stops it.
  if (opened.created) {
    const problems = await polite(deps, "reviewer", opened.number, () => requestReviewers(octokit, repo, opened.number, people.reviewers));
    if (problems !== "failed" && problems.length) {
      log.warn({ pr: opened.number, problems }, "some reviewers could not be requested");
      const described = renderBackportBody({ ...body, release, reviewerProblems: problems });
      await polite(deps, "body", opened.number, () => octokit.rest.pulls.update({ ...repo, pull_number: opened.number, body: described }));
    }
    await assign(deps, opened.number, people.assignees);
    await label(deps, opened.number, backportLabels(pr, config));
  }
  await label(deps, pr.number, [labels.pending]);
  await sayOnSource(deps, pr.number, renderBackportExists(opened.number, trigger.target, "open"));

  const mergeable = await waitForMergeable(octokit, repo, opened.number, deps.mergeablePolls).catch((error: unknown) => {
    log.warn({ err: error, pr: opened.number }, "could not read the backport PR's mergeability");
    return null;
  });
  if (mergeable === false) {
    await label(deps, opened.number, [labels.conflict]);
    const where = { ...repo, issueNumber: opened.number, marker: CONFLICT_MARKER, botLogin: deps.me.botLogin };
    await polite(deps, "comment", opened.number, async () =>
      writeComment(octokit, where, await findMarkedComment(octokit, where), renderConflict(trigger.branch, trigger.target)),
    );
  }
  return `opened #${opened.number}${mergeable === false ? " (conflict)" : mergeable === null ? " (mergeability unknown)" : ""}`;
}

type Trigger = Extract<ReturnType<typeof backportTrigger>, { backport: true }>;

/** Cherry-pick mode: the picked commit, or a merge-back fallback, or a tracking issue on conflict. */
async function pickOrFallBack(
  deps: BackportDeps,
  pr: PullRequestFacts,
  trigger: Trigger,
  config: CompiledConfig,
  ownTitles: readonly string[],
): Promise<{ branchAt: string; note: string } | { done: string }> {
  const { octokit, repo } = deps;
  const labels = config.backport.labels;
  const picked = await cherryPick(octokit, repo, {
    sha: trigger.mergeCommitSha,
    base: await pickBase(octokit, repo, trigger.mergeCommitSha, ownTitles),
    onto: trigger.target,
    message: `${pr.title} (backport #${pr.number})\n\n(cherry picked from commit ${trigger.mergeCommitSha})`,
    tempPrefix: trigger.branch,
  });
  if (picked.kind === "picked") return { branchAt: picked.sha, note: "" };
  if (picked.kind === "empty") {
    await label(deps, pr.number, [labels.not_needed]);
    await sayOnSource(deps, pr.number, renderAlreadyInDevelopment(trigger.target));
    return { done: "not needed: the cherry-pick is empty" };
  }
  if (config.backport.on_cherry_pick_conflict === "merge-back") {
    return { branchAt: trigger.mergeCommitSha, note: "The cherry-pick conflicted, so this is a merge-back PR instead." };
  }
  const title = renderPickConflictIssueTitle(pr.number, trigger.target);
  const open = await octokit.paginate(octokit.rest.issues.listForRepo, { ...repo, state: "open", labels: labels.conflict, creator: deps.me.botLogin, per_page: 100 });
  const tracked = open.find((i) => i.title === title);
  const issue = tracked
    ? { number: tracked.number }
    : (
        await octokit.rest.issues.create({
          ...repo,
          title,
          body: renderPickConflictIssue(pr.number, trigger.target, trigger.mergeCommitSha),
          labels: [labels.backport, labels.conflict],
          assignees: backportPeople(pr, []).assignees,
        })
      ).data;
  await label(deps, pr.number, [labels.pending]);
  await sayOnSource(deps, pr.number, renderPickConflictNote(trigger.target, `tracking issue #${issue.number}`));
  return { done: `cherry-pick conflicted: tracking issue #${issue.number}` };
}

/** A backport PR merged into development: the source PR is now backported. */
async function markBackported(deps: BackportDeps, config: Config, source: number, backport: number): Promise<void> {
  const { pending, done } = config.backport.labels;
  const { data } = await deps.octokit.rest.issues.listLabelsOnIssue({ ...deps.repo, issue_number: source, per_page: 100 });
  const labels = data.map((l) => l.name);
  if (labels.includes(pending)) await polite(deps, "label", source, () => removeLabel(deps.octokit, deps.repo, source, pending));
  if (!labels.includes(done)) await label(deps, source, [done]);
  await sayOnSource(deps, source, renderBackportExists(backport, config.branches.development, "merged"));
}

async function withReporting(deps: BackportDeps, source: number, work: () => Promise<string>): Promise<void> {
  try {
    const outcome = await work();
    deps.log.info({ pr: source, outcome }, "backport");
  } catch (error) {
    deps.log.error({ pr: source, err: error }, "backport failed");
    const status = httpStatus(error);
    const reason = status === 403 || status === 404 ? `GitHub refused a request (HTTP ${status}); check that the app has contents and pull requests write permission.` : `${(error as Error).message}`;
    await sayOnSource(deps, source, renderBackportFailed(reason));
    throw error;
  }
}

export async function onPullRequestClosed(context: Context<"pull_request.closed">, identity: IdentityProvider, lock?: Pick<WorkLock, "run">): Promise<void> {
  const raw = context.payload.pull_request;
  if (!raw?.merged || !raw.head || !raw.base) return;
  const repo = context.repo();
  const me = await identity();
  const log = context.log.child({ delivery: context.id, repo: `${repo.owner}/${repo.repo}` });
  const deps: BackportDeps = { octokit: context.octokit, repo, me, log, courtesy: new Courtesy(log) };
  await backportOnMerge(context, deps, raw, lock);
  // The work is done; if courtesy writes failed, fail the delivery so that a redelivery retries
  // them (every step is idempotent: the redelivery finds the backport PR and repairs only those).
  if (deps.courtesy?.failed) {
    const error = new CourtesyWritesFailed(deps.courtesy.failures);
    log.warn({ err: error }, "backport handled, but courtesy writes failed; the delivery fails so that a redelivery retries them");
    throw error;
  }
}

async function backportOnMerge(
  context: Context<"pull_request.closed">,
  deps: BackportDeps,
  raw: Context<"pull_request.closed">["payload"]["pull_request"],
  lock?: Pick<WorkLock, "run">,
): Promise<void> {
  const repo = deps.repo;
  const loaded = await loadConfig(context);
  const config = loaded.config;
  const pr = mergedFacts(raw);

  const source = sourceOfBackportBranch(config, pr.route.source);
  const sameRepo = raw.head.repo?.full_name === raw.base.repo?.full_name; // a fork's look-alike branch is not ours
  if (source !== undefined && sameRepo && pr.route.target === config.branches.development) {
    await markBackported(deps, config, source, pr.number);
    deps.log.info({ pr: source, backport: pr.number }, "backport merged");
    return;
  }
  if (pr.route.target !== config.branches.production) return;
  if (!loaded.ok) {
    await sayOnSource(deps, pr.number, renderBackportFailed("`.github/branch-steward.yml` is invalid, so the backport was not attempted. Fix it, then comment `/backport`."));
    return;
  }
  // The payload may be stale (labels change, redeliveries come late): act on the PR as it is now.
  const { data: fresh } = await context.octokit.rest.pulls.get({ ...repo, pull_number: pr.number });
  await serialized(lock, repo, pr.number, () => withReporting(deps, pr.number, () => runBackport(deps, mergedFacts(fresh), config, false)));
}

/** One backport of a PR at a time (the branch lock keeps it correct; this avoids wasted work). */
function serialized(lock: Pick<WorkLock, "run"> | undefined, repo: RepoRef, number: number, work: () => Promise<void>): Promise<void> {
  return lock ? lock.run(`${repo.owner}/${repo.repo}#${number}:backport`, work) : work();
}

export const BACKPORT_COMMAND = /^\/backport\s*$/m;

/** `/backport` on a merged PR into production, from someone with write access (see ./commands.ts). */
export async function onBackportCommand(context: Context<"issue_comment.created">, identity: IdentityProvider, lock?: Pick<WorkLock, "run">): Promise<void> {
  const { comment, issue } = context.payload;
  if (!issue.pull_request || !BACKPORT_COMMAND.test(comment.body ?? "") || comment.user?.type === "Bot") return;
  await runCommand(context, identity, lock, "/backport", async () => {
    const repo = context.repo();
    const me = await identity();
    const deps: BackportDeps = { octokit: context.octokit, repo, me, log: context.log.child({ delivery: context.id, repo: `${repo.owner}/${repo.repo}` }) };
    const loaded = await loadConfig(context);
    if (!loaded.ok) {
      await sayOnSource(deps, issue.number, renderBackportFailed("`.github/branch-steward.yml` is invalid, so the backport was not attempted. Fix it, then comment `/backport`."));
      return;
    }
    const { data } = await context.octokit.rest.pulls.get({ ...repo, pull_number: issue.number });
    await serialized(lock, repo, issue.number, () => withReporting(deps, issue.number, () => runBackport(deps, mergedFacts(data), loaded.config, true)));
  });
}
