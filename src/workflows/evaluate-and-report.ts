/**
 * Evaluate one PR and report the result: the shell around the pure policy.
 * Read state (our existing check and comment), decide, write only what changed. The config is
 * passed in: the caller loads it once per event or repository.
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
import type { ConfigResult } from "../config/parse.js";
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
  type ExistingCheckRun,
  type VerdictForm,
} from "../github/checks.js";
import { findMarkedComment, writeComment, type CommentWrite } from "../github/comments.js";
import { Courtesy, FAILED } from "../github/courtesy.js";
import { listCheckRuns, readGateFacts, type CheckRunRecord } from "../github/gate-facts.js";
import { openPullsWithHead } from "../github/pulls.js";
import { lockKey } from "../infra/lock-keys.js";
import type { WorkLock } from "../infra/work-lock.js";
import type { PullRequestFacts } from "../model/pull-request.js";
import { metrics } from "../observability/metrics.js";
import { checkName, evaluatePullRequest, gateNeeds, retargetedEvaluation } from "../policy/evaluation.js";
import type { Evaluation } from "../policy/types.js";
import { evaluateFlow } from "../policy/flow.js";
import { renderCheck, type CheckOutput } from "../render/check.js";
import { COMMENT_MARKER, renderComment, renderUngovernedComment } from "../render/comment.js";
import { renderMinimalCheck, renderShortCheck } from "../render/verdict-fallback.js";
import { readCouplingFacts } from "./coupling.js";
import type { WorkflowIo } from "./io.js";

export type Verdict = "success" | "failure" | "neutral" | "pending";

export type ReportResult =
  | { readonly kind: "ungoverned"; readonly comment: CommentWrite | typeof FAILED }
  | {
      readonly kind: "reported";
      readonly verdict: Verdict;
      readonly check: CheckWrite;
      /** `short` or `minimal` when GitHub refused the full check output. */
      readonly form?: Exclude<VerdictForm, "full">;
      readonly comment: CommentWrite | "off" | typeof FAILED;
    };

/** The config, or how to load it: a loader is called only when a run actually starts (coalesced arrivals read nothing). */
export type ConfigSource = ConfigResult | (() => Promise<ConfigResult>);
const configOf = (c: ConfigSource): Promise<ConfigResult> => (typeof c === "function" ? c() : Promise.resolve(c));

/** PRs whose comment failed and whose claim could not be rewritten either: compare the comment next time. */
const unconfirmed = new Set<string>();
const UNCONFIRMED_LIMIT = 10_000;
function remember(key: string): void {
  if (unconfirmed.size >= UNCONFIRMED_LIMIT) unconfirmed.delete(unconfirmed.values().next().value as string);
  unconfirmed.add(key);
}

/** The app lost this repository (uninstalled, suspended, removed): its remembered PRs are dropped. */
export function forgetRepository(repo: { owner: string; repo: string }): void {
  const prefix = `${repo.owner}/${repo.repo}#`.toLowerCase();
  for (const key of unconfirmed) if (key.startsWith(prefix)) unconfirmed.delete(key);
}

/** One evaluation per PR at a time (under `io.lock`); an identical queued run is shared. */
export function evaluateAndReport(io: WorkflowIo, pr: PullRequestFacts, config: ConfigSource, o: { force?: boolean } = {}): Promise<ReportResult> {
  const run = async (source: ConfigSource) => report(io, pr, await configOf(source), o.force === true);
  if (!io.lock) return run(config);
  // Two deliveries racing must not both create the check run. Evaluations re-read everything,
  // so one still waiting to start serves every later arrival with the same head and target,
  // with the config of the newest arrival (a config push may be what it arrives for).
  const key = lockKey({ kind: "check", repo: io.repo, pr: pr.number });
  return o.force ? io.lock.run(key, () => run(config)) : coalesced(io.lock, key, `${key}:${pr.headSha}:${pr.route.target}`, config, run);
}

/**
 * Every open PR of `pulls` with one config; each result is logged with `why`. Several PRs go to
 * the job queue when the io can fan out (one job per PR, the config read once here): then the
 * results come from the jobs' logs and this returns none.
 */
export async function reportPulls(io: WorkflowIo, pulls: readonly PullRequestFacts[], config: ConfigSource, o: { why: string; force?: boolean }): Promise<ReportResult[]> {
  const open = pulls.filter((p) => p.open);
  if (io.fanOut && open.length > 1 && !o.force) {
    await io.fanOut(open, await configOf(config), o.why);
    io.log.info({ pulls: open.length, why: o.why }, "re-evaluations queued");
    return [];
  }
  const results: ReportResult[] = [];
  for (const pr of open) {
    const result = await evaluateAndReport(io, pr, config, { force: o.force });
    io.log.info({ pr: pr.number, target: pr.route.target, why: o.why, ...result }, "re-evaluated pull request");
    results.push(result);
  }
  return results;
}

interface Decision {
  readonly evaluation: Evaluation;
  readonly verdict: Verdict;
  readonly name: string;
  readonly existing: ExistingCheckRun | undefined;
  readonly output: CheckOutput;
  /** The status comment's text, or null when comments are off. */
  readonly body: string | null;
  readonly wanted: string;
}

async function report(io: WorkflowIo, pr: PullRequestFacts, config: ConfigResult, force: boolean): Promise<ReportResult> {
  const flow = evaluateFlow(pr.route, config.config);
  if (!flow.governed) return { kind: "ungoverned", comment: await sayUngoverned(io, pr) };
  const runs = await listCheckRuns(io.octokit, { ...io.repo, sha: pr.headSha });
  const d = await decide(io, pr, config, flow, runs);
  const key = `${io.repo.owner}/${io.repo.repo}#${pr.number}`.toLowerCase();
  const verdictCurrent = d.existing !== undefined && verdictIsCurrent(d.existing, d.evaluation, d.output);
  const claimCurrent = verdictCurrent && parseClaim(d.existing?.externalId).comment === d.wanted && !unconfirmed.has(key);
  if (claimCurrent && !force) return { kind: "reported", verdict: d.verdict, check: "unchanged", comment: "unchanged" };

  const written = verdictCurrent ? { check: "unchanged" as const, form: undefined, id: d.existing?.id } : await writeNewVerdict(io, pr, d);
  const comment = d.body === null ? undefined : await writeStatusComment(io, pr, d.body);
  await recordClaim({ io, pr, key, d, verdictCurrent, form: written.form, checkId: written.id, confirmed: comment !== FAILED });
  const form = written.form && written.form !== "full" ? { form: written.form } : {};
  const verdict = written.form === "minimal" ? "failure" : d.verdict;
  return { kind: "reported", verdict, check: written.check, ...form, comment: comment ?? COMMENT_OFF };
}

/** Not governed: no check and no new comment; an old comment from a governed target says so. */
function sayUngoverned(io: WorkflowIo, pr: PullRequestFacts): Promise<CommentWrite | typeof FAILED> {
  const where = commentWhere(io, pr);
  return new Courtesy(io.log).attempt("comment", about(io, pr), async () => {
    const existing = await findMarkedComment(io.octokit, where);
    return existing ? writeComment(io.octokit, where, existing, renderUngovernedComment(pr.route.target)) : "absent";
  });
}

/** Reads the gate's facts and decides: evaluateFlow once, gateNeeds once. */
async function decide(io: WorkflowIo, pr: PullRequestFacts, config: ConfigResult, flow: ReturnType<typeof evaluateFlow>, runs: CheckRunRecord[]): Promise<Decision> {
  const needs = config.ok ? gateNeeds(flow, config.config) : null;
  const now = io.now();
  const facts = needs ? await readGateFacts(io.octokit, io.repo, { ...pr, flow }, needs, config.config.branches, runs, io.me.id, now) : { now };
  const coupling = needs && flow.governed && flow.allowed ? await readCouplingFacts(io, pr, config.config, flow.flow.kind) : undefined;
  const evaluation = evaluatePullRequest({ route: pr.route, config, flow, needs, facts, coupling });
  if (!evaluation) throw new Error("unreachable: a governed flow always evaluates");
  const name = checkName(evaluation.target);
  const body = config.config.comment.enabled ? renderComment(evaluation, { checksUrl: `${pr.htmlUrl}/checks` }) : null;
  return {
    evaluation,
    verdict: verdictOf(evaluation),
    name,
    existing: ourRun(runs, name, io.me.id),
    output: renderCheck(evaluation),
    body,
    wanted: body === null ? COMMENT_OFF : digest(body),
  };
}

/** 1. The verdict, claiming the comment it comes with; GitHub's 422 for size gets the short, then the minimal form. */
async function writeNewVerdict(io: WorkflowIo, pr: PullRequestFacts, d: Decision): Promise<{ check: CheckWrite; form: VerdictForm; id: number | undefined }> {
  const { evaluation, output } = d;
  const written = await writeVerdict(io.octokit, { ...io.repo, sha: pr.headSha, name: d.name }, d.existing, evaluation, output, {
    externalId: formatClaim(digest(output.summary), d.wanted),
    fallbacks: { short: () => renderShortCheck(evaluation, output.title, pr.htmlUrl), minimal: () => renderMinimalCheck(pr.htmlUrl) },
  });
  if (written.form !== "full") {
    metrics.verdictFallbacks.inc({ form: written.form });
    io.log.warn({ ...about(io, pr), form: written.form, refused: written.refused }, "GitHub refused the full check output; wrote a shorter one");
  }
  metrics.verdicts.inc({ conclusion: written.form === "minimal" ? "failure" : d.verdict });
  return { check: written.write, form: written.form, id: written.id };
}

/** 2. The status comment: a courtesy write. */
function writeStatusComment(io: WorkflowIo, pr: PullRequestFacts, body: string): Promise<CommentWrite | typeof FAILED> {
  const where = commentWhere(io, pr);
  return new Courtesy(io.log).attempt("comment", about(io, pr), async () => writeComment(io.octokit, where, await findMarkedComment(io.octokit, where), body));
}

/**
 * 3. The claim, so that the next event knows whether the comment still needs writing. What the
 * run claims now: a minimal fallback claims nothing (it is rewritten on the next event anyway).
 */
async function recordClaim(w: {
  io: WorkflowIo;
  pr: PullRequestFacts;
  key: string;
  d: Decision;
  verdictCurrent: boolean;
  form: VerdictForm | undefined;
  checkId: number | undefined;
  confirmed: boolean;
}): Promise<void> {
  const { io, pr, key, d } = w;
  const claimed = w.verdictCurrent ? (parseClaim(d.existing?.externalId).comment ?? "none") : w.form === "minimal" ? null : d.wanted;
  const claim = w.confirmed ? d.wanted : COMMENT_UNCONFIRMED;
  if (claimed === null || claimed === claim || w.checkId === undefined) {
    if (w.confirmed) unconfirmed.delete(key);
    return;
  }
  try {
    await writeClaim(io.octokit, io.repo, w.checkId, formatClaim(digest(d.output.summary), claim));
    unconfirmed.delete(key);
  } catch (error) {
    remember(key);
    io.log.warn({ ...about(io, pr), err: error }, "could not record the status comment's state on the check; compared again on the next evaluation");
  }
}

const commentWhere = (io: WorkflowIo, pr: PullRequestFacts) => ({ ...io.repo, issueNumber: pr.number, marker: COMMENT_MARKER, botLogin: io.me.botLogin });
const about = (io: WorkflowIo, pr: PullRequestFacts) => ({ repo: `${io.repo.owner}/${io.repo.repo}`, pr: pr.number });

interface Queued {
  /** The config of the newest arrival: read when the run starts. */
  source: ConfigSource;
  result?: Promise<ReportResult>;
}

const waiting = new WeakMap<object, Map<string, Queued & { result: Promise<ReportResult> }>>();

/**
 * Runs `work` under the lock, unless a run for `sameWork` is already queued: then shares that
 * one, which will use this arrival's config.
 */
function coalesced(
  lock: Pick<WorkLock, "run">,
  key: string,
  sameWork: string,
  source: ConfigSource,
  work: (source: ConfigSource) => Promise<ReportResult>,
): Promise<ReportResult> {
  const queue = waiting.get(lock) ?? new Map<string, Queued & { result: Promise<ReportResult> }>();
  waiting.set(lock, queue);
  const queued = queue.get(sameWork);
  if (queued) {
    queued.source = source;
    return queued.result;
  }
  const entry: Queued = { source };
  const result = lock.run(key, () => {
    queue.delete(sameWork); // from now on, new arrivals need a run that starts after this one
    return work(entry.source);
  });
  queue.set(sameWork, Object.assign(entry, { result }));
  return result;
}

/** After a retarget, the old target's check on this SHA says where the PR went (if we wrote one). */
export async function concludeRetargeted(io: WorkflowIo, pr: PullRequestFacts, oldTarget: string): Promise<CheckWrite | "kept"> {
  const name = checkName(oldTarget);
  const existing = ourRun(await listCheckRuns(io.octokit, { ...io.repo, sha: pr.headSha }), name, io.me.id);
  if (!existing) return "unchanged";
  // The same commit may head another open PR into the old target: its check stays.
  const pulls = await openPullsWithHead(io.octokit, io.repo, pr.headSha);
  if (pulls.some((p) => p.number !== pr.number && p.route.target === oldTarget)) return "kept";
  const evaluation = retargetedEvaluation(oldTarget, pr.route.target);
  return writeCheckRun(io.octokit, { ...io.repo, sha: pr.headSha, name }, existing, evaluation, renderCheck(evaluation));
}

export function verdictOf(e: Evaluation): Verdict {
  return e.status === "in_progress" ? "pending" : (e.conclusion ?? "neutral");
}
