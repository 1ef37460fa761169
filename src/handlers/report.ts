/**
 * Evaluate one PR and report the result: the shell around the pure policy.
 * Read state (config, our existing check and comment), decide, write only what changed.
 */
import type { Context } from "probot";
import { loadConfig } from "../config/load.js";
import { checkName, evaluatePullRequest, gateNeeds, retargetedEvaluation, type Evaluation } from "../policy/evaluation.js";
import { evaluateFlow } from "../policy/flow.js";
import { metrics } from "../observability/metrics.js";
import type { WorkLock } from "../infra/work-lock.js";
import { renderCheck } from "../render/check.js";
import { COMMENT_MARKER, renderComment, renderUngovernedComment } from "../render/comment.js";
import { isUnchanged, ourRun, writeCheckRun, type CheckWrite } from "../github/checks.js";
import { listCheckRuns, readGateFacts } from "../github/gate-facts.js";
import { openPullsWithHead } from "../github/pulls.js";
import { findMarkedComment, writeComment, type CommentWrite } from "../github/comments.js";
import type { AppIdentity } from "../github/identity.js";
import type { RepoRef } from "../github/types.js";
import type { PullRequestFacts } from "./pull-request-facts.js";

/** What reporting needs from a Probot context, whatever the event. */
export type ReportContext = Pick<Context, "octokit" | "repo">;

export interface ReportResult {
  readonly governed: boolean;
  readonly verdict?: string;
  readonly check?: CheckWrite;
  readonly comment?: CommentWrite;
}

export async function evaluateAndReport(
  context: ReportContext,
  repo: RepoRef,
  pr: PullRequestFacts,
  me: AppIdentity,
  options: { force?: boolean; lock?: Pick<WorkLock, "run"> } = {},
): Promise<ReportResult> {
  // One evaluation per PR at a time: two deliveries racing must not both create the check run.
  // Evaluations re-read everything, so one still waiting to start serves every later arrival.
  if (options.lock) {
    const key = `${repo.owner}/${repo.repo}#${pr.number}:check`;
    const run = () => evaluateAndReport(context, repo, pr, me, { force: options.force });
    // Only an identical request (same head, same target) may share a queued run.
    return options.force ? options.lock.run(key, run) : coalesced(options.lock, key, `${key}:${pr.headSha}:${pr.route.target}`, run);
  }
  const config = await loadConfig(context);
  const flow = evaluateFlow(pr.route, config.config);
  const comment = { ...repo, issueNumber: pr.number, marker: COMMENT_MARKER, botLogin: me.botLogin };

  if (!flow.governed) {
    // Not governed: no check and no new comment; an old comment from a governed target says so.
    const existing = await findMarkedComment(context.octokit, comment);
    const written = existing ? await writeComment(context.octokit, comment, existing, renderUngovernedComment(pr.route.target)) : "absent";
    return { governed: false, comment: written };
  }

  const runs = await listCheckRuns(context.octokit, { ...repo, sha: pr.headSha });
  const needs = config.ok ? gateNeeds(flow, config.config) : null;
  const now = new Date();
  const facts = needs
    ? await readGateFacts(context.octokit, repo, { ...pr, flow }, needs, config.config.branches, runs, me.id, now)
    : { now };
  const evaluation = evaluatePullRequest(pr.route, config, facts);
  if (!evaluation) throw new Error("unreachable: a governed flow always evaluates");
  const checksUrl = `${pr.htmlUrl}/checks`;

  // Our check on this head is read first. The comment is written before the check, so an
  // unchanged check proves the comment already carries this verdict: one read saved per event.
  const name = checkName(evaluation.target);
  const existing = ourRun(runs, name, me.id);
  const output = renderCheck(evaluation);
  if (existing && isUnchanged(existing, evaluation, output) && !options.force) {
    return { governed: true, verdict: verdictOf(evaluation), check: "unchanged", comment: "unchanged" };
  }
  let written: CommentWrite | undefined;
  if (config.config.comment.enabled) {
    const current = await findMarkedComment(context.octokit, comment);
    written = await writeComment(context.octokit, comment, current, renderComment(evaluation, { checksUrl }));
  }
  const check = await writeCheckRun(context.octokit, { ...repo, sha: pr.headSha, name }, existing, evaluation, output);
  metrics.verdicts.inc({ conclusion: verdictOf(evaluation) });
  return { governed: true, verdict: verdictOf(evaluation), check, comment: written };
}

const waiting = new WeakMap<object, Map<string, Promise<ReportResult>>>();

/** Runs `work` under the lock, unless a run for `key` is already queued: then shares that one. */
function coalesced(lock: Pick<WorkLock, "run">, lockKey: string, sameWork: string, work: () => Promise<ReportResult>): Promise<ReportResult> {
  const queue = waiting.get(lock) ?? new Map<string, Promise<ReportResult>>();
  waiting.set(lock, queue);
  const queued = queue.get(sameWork);
  if (queued) return queued;
  const started = lock.run(lockKey, () => {
    queue.delete(sameWork); // from now on, new arrivals need a run that starts after this one
    return work();
  });
  queue.set(sameWork, started);
  return started;
}

/** After a retarget, the old target's check on this SHA says where the PR went (if we wrote one). */
export async function concludeRetargeted(
  context: ReportContext,
  repo: RepoRef,
  pr: PullRequestFacts,
  oldTarget: string,
  me: AppIdentity,
): Promise<CheckWrite | "kept"> {
  const name = checkName(oldTarget);
  const existing = ourRun(await listCheckRuns(context.octokit, { ...repo, sha: pr.headSha }), name, me.id);
  if (!existing) return "unchanged";
  // The same commit may head another open PR into the old target: its check stays.
  const pulls = await openPullsWithHead(context.octokit, repo, pr.headSha);
  if (pulls.some((p) => p.number !== pr.number && p.base.ref === oldTarget)) {
    return "kept";
  }
  const evaluation = retargetedEvaluation(oldTarget, pr.route.target);
  return writeCheckRun(context.octokit, { ...repo, sha: pr.headSha, name }, existing, evaluation, renderCheck(evaluation));
}

export function verdictOf(e: Evaluation): string {
  return e.status === "in_progress" ? "pending" : (e.conclusion ?? "unknown");
}
