/** What every handler builds once per delivery: the workflow io and the config, read at most once. */
import type { Context } from "probot";
import { loadConfig } from "../config/load.js";
import type { ConfigResult } from "../config/parse.js";
import { Courtesy, CourtesyWritesFailed } from "../github/courtesy.js";
import type { IdentityProvider } from "../github/identity.js";
import type { WorkLock } from "../infra/work-lock.js";
import type { PullList } from "../github/pulls.js";
import type { PullRequestFacts } from "../model/pull-request.js";
import type { WorkflowIo } from "../workflows/io.js";

/** Where a fan-out's jobs go: the event's installation and repository. */
export interface FanOutTarget {
  readonly installationId: number;
  readonly delivery: string;
  readonly repo: WorkflowIo["repo"];
  readonly repoHtmlUrl: string;
}

export interface HandlerDeps {
  readonly identity: IdentityProvider;
  readonly lock?: Pick<WorkLock, "run"> | undefined;
  /** The job queue's fan-out (see WorkflowIo.fanOut); absent in inline mode. */
  readonly fanOut?: ((target: FanOutTarget, ...rest: Parameters<NonNullable<WorkflowIo["fanOut"]>>) => Promise<void>) | undefined;
}

export interface EventIo {
  readonly io: WorkflowIo;
  /** The repository's config, loaded on first use and then shared by every workflow of this event. */
  readonly config: () => Promise<ConfigResult>;
}

/** The log of one delivery: its id, event and repository. */
export function eventLog(context: Context): Context["log"] {
  const { owner, repo } = context.repo();
  const action = (context.payload as { action?: unknown }).action;
  const event = typeof action === "string" ? `${context.name}.${action}` : context.name;
  return context.log.child({ delivery: context.id, event, repo: `${owner}/${repo}` });
}

export async function eventIo(context: Context, deps: HandlerDeps): Promise<EventIo> {
  const repo = context.repo();
  const repository = (context.payload as { repository?: { html_url?: string } }).repository;
  const io: WorkflowIo = {
    octokit: context.octokit,
    repo,
    me: await deps.identity(),
    log: eventLog(context),
    repoHtmlUrl: repository?.html_url ?? `https://github.com/${repo.owner}/${repo.repo}`,
    lock: deps.lock,
    now: () => new Date(),
  };
  const installationId = (context.payload as { installation?: { id?: unknown } }).installation?.id;
  const fanOut = deps.fanOut;
  if (fanOut && typeof installationId === "number") {
    const target: FanOutTarget = { installationId, delivery: context.id, repo, repoHtmlUrl: io.repoHtmlUrl };
    return { io: { ...io, fanOut: (pulls, config, why) => fanOut(target, pulls, config, why) }, config: once(() => loadConfig(context)) };
  }
  return { io, config: once(() => loadConfig(context)) };
}

export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

/** PRs from an adapter's list; the malformed ones it dropped are logged. */
export function parsePulls(log: WorkflowIo["log"], pulls: PullList): PullRequestFacts[] {
  if (pulls.dropped) log.warn({ dropped: pulls.dropped }, "ignored: malformed pull requests from the API");
  return pulls;
}

/** Runs an event's workflows side by side; the first failure fails the delivery (so it is redelivered) once all are done. */
export async function all(work: readonly Promise<unknown>[]): Promise<void> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) throw failed.reason;
}

/** The work is done; failed courtesy writes fail the delivery, so that a redelivery (which writes nothing else) retries them. */
export function failOnCourtesy(courtesy: Courtesy, log: WorkflowIo["log"], what: string): void {
  if (!courtesy.failed) return;
  const error = new CourtesyWritesFailed(courtesy.failures);
  log.warn({ err: error }, `${what} handled, but courtesy writes failed; the delivery fails so that a redelivery retries them`);
  throw error;
}

export { Courtesy };
