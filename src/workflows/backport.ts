/**
 * Backports: a merge into production opens a merge-back PR into development, for maintainers to
 * approve. `/backport` on the merged PR retries or redoes it. When the backport PR merges, the
 * source PR's label flips from pending to done. Safe to repeat: the branch name is the lock.
 */
import type { CompiledConfig } from "../config/compile.js";
import type { ConfigResult } from "../config/parse.js";
import { findPullsForBranch, pullCommitTitles, removeLabel, updatePull } from "../github/backport.js";
import { compare } from "../github/compare.js";
import type { CommentWrite } from "../github/comments.js";
import { Courtesy } from "../github/courtesy.js";
import { listLabels } from "../github/evidence.js";
import { getPull } from "../github/pulls.js";
import { httpStatus, isRateLimited, isWorkflowsRefusal } from "../github/errors.js";
import { lockKey } from "../infra/lock-keys.js";
import type { PullRequestFacts } from "../model/pull-request.js";
import { backportTrigger, nextBackportStep, type BackportSkip } from "../policy/backport.js";
import { renderAlreadyInDevelopment, renderBackportConfigInvalid, renderBackportExists, renderBackportFailed, renderBackportFailure, renderClosedByHuman, renderWorkflowsRefused } from "../render/backport.js";
import { label, openBackportPr, pickOrFallBack, polite, repairExisting, sayOnSource, type BackportRun, type Repair, type Trigger } from "./backport-steps.js";
import type { WorkflowIo } from "./io.js";

export type BackportResult =
  | { readonly kind: "skipped"; readonly reason: BackportSkip | "other-target" }
  | { readonly kind: "config-invalid" }
  | { readonly kind: "exists"; readonly pr: number; readonly state: "open" | "merged"; readonly repaired: readonly Repair[] }
  | { readonly kind: "closed-by-human"; readonly pr: number }
  | { readonly kind: "reopened"; readonly pr: number }
  | { readonly kind: "not-needed"; readonly why: "in-development" | "empty-pick" }
  | { readonly kind: "pick-conflict"; readonly issue: number }
  /** GitHub refused the branch: it changes workflow files and the app has no `workflows` permission. */
  | { readonly kind: "workflows-refused"; readonly branch: string }
  | { readonly kind: "opened"; readonly pr: number; readonly created: boolean; readonly mergeable: boolean | null };

export interface MarkBackportedResult {
  readonly kind: "marked";
  readonly source: number;
  readonly removed: boolean;
  readonly added: boolean;
  readonly comment: CommentWrite | "failed";
}

export interface BackportOptions {
  /** An explicit `/backport`, which may redo a closed backport. */
  readonly requested: boolean;
  /** Delays between mergeability polls (tests shorten them). */
  readonly mergeablePolls?: readonly number[];
  /** Where refused courtesy writes are recorded (the caller may fail the delivery afterwards). */
  readonly courtesy?: Courtesy;
}

/**
 * The backport of one merged PR. A number means "read the PR now" (a payload may be stale), after
 * the config is known to be valid. One backport of a PR at a time under `io.lock`.
 */
export async function backport(io: WorkflowIo, pull: PullRequestFacts | number, config: ConfigResult, o: BackportOptions): Promise<BackportResult> {
  const number = typeof pull === "number" ? pull : pull.number;
  const courtesy = o.courtesy ?? new Courtesy(io.log);
  if (!config.ok) {
    await sayOnSource({ io, courtesy }, number, renderBackportConfigInvalid(config.issues));
    return { kind: "config-invalid" };
  }
  const work = async () => {
    const pr = typeof pull === "number" ? await getPull(io.octokit, io.repo, pull) : pull;
    return runBackport({ io, pr, config: config.config, courtesy }, o);
  };
  return io.lock ? io.lock.run(lockKey({ kind: "backport", repo: io.repo, pr: number }), work) : work();
}

/**
 * Says on the source PR why its backport failed (a courtesy); the caller rethrows. A rate limit is
 * no one's mistake: nothing is said, and the failed delivery is redelivered later.
 */
export async function sayBackportFailed(io: WorkflowIo, source: number, error: unknown, courtesy = new Courtesy(io.log)): Promise<void> {
  if (isRateLimited(error)) return;
  await sayOnSource({ io, courtesy }, source, renderBackportFailure({ status: httpStatus(error), message: (error as Error).message }));
}

async function runBackport(run: BackportRun, o: BackportOptions): Promise<BackportResult> {
  const { io, pr, config } = run;
  const trigger = backportTrigger(pr, config);
  if (!trigger.backport) {
    if (pr.merged && pr.route.target === config.branches.production && !pr.mergeCommitSha) {
      await sayOnSource(run, pr.number, renderBackportFailed("GitHub reports no merge commit for this PR."));
    }
    return { kind: "skipped", reason: trigger.reason };
  }
  const step = nextBackportStep(await findPullsForBranch(io.octokit, io.repo, trigger.branch), o.requested);
  if (step.step === "done") {
    const repaired = await repairExisting({ run, existing: step.pr, target: trigger.target });
    return { kind: "exists", pr: step.pr.number, state: step.pr.merged ? "merged" : "open", repaired };
  }
  if (step.step === "closed-by-human") {
    await sayOnSource(run, pr.number, renderClosedByHuman(step.pr.number));
    return { kind: "closed-by-human", pr: step.pr.number };
  }
  if (step.step === "reopen" && (await reopen(run, step.pr.number, trigger))) return { kind: "reopened", pr: step.pr.number };
  try {
    return await bringBack(run, trigger, o);
  } catch (error) {
    if (!isWorkflowsRefusal(error)) throw error;
    // Retrying cannot help: the pending label keeps the sweep from retrying, and the maintainer's PR from the branch completes it.
    io.log.warn({ err: error, branch: trigger.branch }, "GitHub refused the backport branch: it changes workflow files; a maintainer pushes it");
    await label(run, pr.number, [config.backport.labels.pending]);
    const strategy = config.backport.strategy === "cherry-pick" && trigger.kind !== "sync" ? "cherry-pick" : "merge-back";
    await sayOnSource(run, pr.number, renderWorkflowsRefused({ source: pr.number, branch: trigger.branch, development: trigger.target, mergeCommitSha: trigger.mergeCommitSha, strategy }));
    return { kind: "workflows-refused", branch: trigger.branch };
  }
}

async function reopen(run: BackportRun, number: number, trigger: Trigger): Promise<boolean> {
  const { io, pr } = run;
  const reopened = await updatePull(io.octokit, io.repo, number, { state: "open" }).then(
    () => true,
    (error: unknown) => (io.log.warn({ err: error, pr: number }, "could not reopen the backport PR; opening a new one"), false),
  );
  if (!reopened) return false;
  await label(run, pr.number, [run.config.backport.labels.pending]);
  await sayOnSource(run, pr.number, renderBackportExists(number, trigger.target, "reopened"));
  return true;
}

/** What development lacks of the merge: nothing (not needed), a picked commit or the merge commit, in a new PR. */
async function bringBack(run: BackportRun, trigger: Trigger, o: BackportOptions): Promise<BackportResult> {
  const { io, pr, config } = run;
  const brings = await compare(io.octokit, io.repo, trigger.target, trigger.mergeCommitSha);
  if (brings.aheadBy === 0) {
    await label(run, pr.number, [config.backport.labels.not_needed]);
    await sayOnSource(run, pr.number, renderAlreadyInDevelopment(trigger.target));
    return { kind: "not-needed", why: "in-development" };
  }
  const own = trigger.kind === "sync" ? [] : await pullCommitTitles(io.octokit, io.repo, pr.number);
  let at = { branchAt: trigger.mergeCommitSha, note: "" };
  if (config.backport.strategy === "cherry-pick" && trigger.kind !== "sync") {
    const pick = await pickOrFallBack({ run, trigger, ownTitles: own.map((c) => c.title) });
    if ("done" in pick) return pick.done === "empty-pick" ? { kind: "not-needed", why: "empty-pick" } : { kind: "pick-conflict", issue: pick.issue };
    at = pick;
  }
  const opened = await openBackportPr({ run, trigger, brings, own, ...at, mergeablePolls: o.mergeablePolls });
  return { kind: "opened", ...opened };
}

/** A backport PR merged into development: the source PR is now backported. */
export async function markBackported(io: WorkflowIo, merged: { source: number; backport: number }, config: CompiledConfig, courtesy = new Courtesy(io.log)): Promise<MarkBackportedResult> {
  const { source, backport: backportPr } = merged;
  const run = { io, courtesy };
  const { pending, done } = config.backport.labels;
  const labels = await listLabels(io.octokit, io.repo, source);
  const removed = labels.includes(pending);
  if (removed) await polite(run, "label", source, () => removeLabel(io.octokit, io.repo, source, pending));
  const added = !labels.includes(done);
  if (added) await label(run, source, [done]);
  const comment = await sayOnSource(run, source, renderBackportExists(backportPr, config.branches.development, "merged"));
  return { kind: "marked", source, removed, added, comment };
}
