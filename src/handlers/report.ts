/**
 * Evaluate one PR and report the result: the shell around the pure policy.
 * Read state (config, our existing check and comment), decide, write only what changed.
 *
 * The verdict is written first, and always: the check run, then the status comment as a
 * courtesy write that never blocks it. The check run's claim (external_id, see
 * github/checks.ts) says whether the comment matching its verdict was written:
 *   - verdict and claim current → nothing is written and the comment is not even read;
 *   - verdict changed → the check is written (claiming the new comment), then the comment;
 *     if the comment write fails, the claim is rewritten to `unconfirmed`;
 *   - verdict current, claim not (the comment failed before, or comments were switched on) →
 *     the comment is compared and written, then the claim.
 * So a comment that failed once is retried by the next event or sweep for that PR. If even
 * the claim cannot be rewritten, the PR is remembered in this process and its comment is
 * compared on its next evaluation (the sweep included).
 */
import type { Evaluation } from "../policy/types.js";
import type { Context } from "probot";
import { loadConfig } from "../config/load.js";
import { checkName, evaluatePullRequest, gateNeeds, retargetedEvaluation } from "../policy/evaluation.js";
import { evaluateFlow } from "../policy/flow.js";
import { metrics } from "../observability/metrics.js";
import type { WorkLock } from "../infra/work-lock.js";
import { renderCheck } from "../render/check.js";
import { COMMENT_MARKER, renderComment, renderUngovernedComment } from "../render/comment.js";
import { renderMinimalCheck, renderShortCheck } from "../render/verdict-fallback.js";
import {
  COMMENT_OFF,
  COMMENT_UNCONFIRMED,
  digest,
  formatClaim,
  ourRun,
  parseClaim,
  verdictIsCurrent,
  writeCheckRun,
  writeClaim,
  writeVerdict,
  type CheckWrite,
  type VerdictForm,
} from "../github/checks.js";
import { Courtesy, FAILED } from "../github/courtesy.js";
import { listCheckRuns, readGateFacts } from "../github/gate-facts.js";
import { openPullsWithHead } from "../github/pulls.js";
import { findMarkedComment, writeComment, type CommentWrite } from "../github/comments.js";
import type { AppIdentity } from "../github/identity.js";
import type { RepoRef } from "../github/types.js";
import type { PullRequestFacts } from "./pull-request-facts.js";

/** What reporting needs from a Probot context, whatever the event. */
export type ReportContext = Pick<Context, "octokit" | "repo" | "log">;

export interface ReportResult {
  readonly governed: boolean;
  readonly verdict?: string;
  readonly check?: CheckWrite;
  /** `short` or `minimal` when GitHub refused the full check output. */
  readonly form?: VerdictForm;
  readonly comment?: CommentWrite | typeof FAILED;
}

/** PRs whose comment failed and whose claim could not be rewritten either: compare the comment next time. */
const unconfirmed = new Set<string>();
const UNCONFIRMED_LIMIT = 10_000;
function remember(key: string): void {
  if (unconfirmed.size >= UNCONFIRMED_LIMIT) unconfirmed.delete(unconfirmed.values().next().value as string);
  unconfirmed.add(key);
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
  const courtesy = new Courtesy(context.log);
  const about = { repo: `${repo.owner}/${repo.repo}`, pr: pr.number };

  if (!flow.governed) {
    // Not governed: no check and no new comment; an old comment from a governed target says so.
    const written = await courtesy.attempt("comment", about, async () => {
      const existing = await findMarkedComment(context.octokit, comment);
      return existing ? writeComment(context.octokit, comment, existing, renderUngovernedComment(pr.route.target)) : "absent";
    });
    return { governed: false, comment: written };
  }

  const runs = await listCheckRuns(context.octokit, { ...repo, sha: pr.headSha });
  const needs = config.ok ? gateNeeds(flow, config.config) : null;
  const now = new Date();
  const facts = needs
    ? await readGateFacts(context.octokit, repo, { ...pr, flow }, needs, config.config.branches, runs, me.id, now)
    : { now };
  const evaluation = evaluatePullRequest({ route: pr.route, config, flow, needs, facts });
  if (!evaluation) throw new Error("unreachable: a governed flow always evaluates");
  const checksUrl = `${pr.htmlUrl}/checks`;
  const verdict = verdictOf(evaluation);

  const name = checkName(evaluation.target);
  const existing = ourRun(runs, name, me.id);
  const output = renderCheck(evaluation);
  const body = config.config.comment.enabled ? renderComment(evaluation, { checksUrl }) : null;
  const wanted = body === null ? COMMENT_OFF : digest(body);
  const key = `${repo.owner}/${repo.repo}#${pr.number}`.toLowerCase();
  const verdictCurrent = existing !== undefined && verdictIsCurrent(existing, evaluation, output);
  const claimCurrent = verdictCurrent && parseClaim(existing.externalId).comment === wanted && !unconfirmed.has(key);
  if (claimCurrent && !options.force) {
    return { governed: true, verdict, check: "unchanged", comment: "unchanged" };
  }

  // 1. The verdict.
  const summaryDigest = digest(output.summary);
  let check: CheckWrite = "unchanged";
  let form: VerdictForm | undefined;
  let checkId = existing?.id;
  if (!verdictCurrent) {
    const written = await writeVerdict(context.octokit, { ...repo, sha: pr.headSha, name }, existing, evaluation, output, {
      externalId: formatClaim(summaryDigest, wanted),
      fallbacks: { short: () => renderShortCheck(evaluation, output.title, pr.htmlUrl), minimal: () => renderMinimalCheck(pr.htmlUrl) },
    });
    ({ write: check, id: checkId, form } = written);
    if (written.form !== "full") {
      metrics.verdictFallbacks.inc({ form: written.form });
      context.log.warn({ ...about, form: written.form, refused: written.refused }, "GitHub refused the full check output; wrote a shorter one");
    }
    metrics.verdicts.inc({ conclusion: written.form === "minimal" ? "failure" : verdict });
  }

  // 2. The status comment: a courtesy write.
  let written: CommentWrite | typeof FAILED | undefined;
  if (body !== null) {
    written = await courtesy.attempt("comment", about, async () =>
      writeComment(context.octokit, comment, await findMarkedComment(context.octokit, comment), body),
    );
  }

  // 3. The claim, so that the next event knows whether the comment still needs writing. What the
  // run claims now: a minimal fallback claims nothing (it is rewritten on the next event anyway).
  const claimed = verdictCurrent ? (parseClaim(existing?.externalId).comment ?? "none") : form === "minimal" ? null : wanted;
  const confirmed = written !== FAILED;
  const claim = confirmed ? wanted : COMMENT_UNCONFIRMED;
  if (claimed !== null && claimed !== claim && checkId !== undefined) {
    try {
      await writeClaim(context.octokit, repo, checkId, formatClaim(summaryDigest, claim));
      unconfirmed.delete(key);
    } catch (error) {
      remember(key);
      context.log.warn({ ...about, err: error }, "could not record the status comment's state on the check; compared again on the next evaluation");
    }
  } else if (confirmed) {
    unconfirmed.delete(key);
  }
  return { governed: true, verdict: form === "minimal" ? "failure" : verdict, check, ...(form && form !== "full" ? { form } : {}), comment: written };
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
  if (pulls.some((p) => p.number !== pr.number && p.route.target === oldTarget)) {
    return "kept";
  }
  const evaluation = retargetedEvaluation(oldTarget, pr.route.target);
  return writeCheckRun(context.octokit, { ...repo, sha: pr.headSha, name }, existing, evaluation, renderCheck(evaluation));
}

export function verdictOf(e: Evaluation): string {
  return e.status === "in_progress" ? "pending" : (e.conclusion ?? "unknown");
}
