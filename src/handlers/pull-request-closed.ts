/**
 * `pull_request.closed`: a merge into production gets its backport and its release; a backport PR
 * merged into development marks its source PR backported. One config read for all of it.
 */
import type { Context } from "probot";
import { parsePullRequest, type PullRequestFacts } from "../model/pull-request.js";
import { sourceOfBackportBranch } from "../policy/backport.js";
import { backport, markBackported, sayBackportFailed } from "../workflows/backport.js";
import type { WorkflowIo } from "../workflows/io.js";
import { releaseMerge } from "../workflows/release.js";
import { all, Courtesy, eventIo, eventLog, failOnCourtesy, type EventIo, type HandlerDeps } from "./event.js";

export async function onPullRequestClosed(context: Context<"pull_request.closed">, deps: HandlerDeps): Promise<void> {
  const pr = parsePullRequest(context.payload.pull_request);
  if ("error" in pr) {
    eventLog(context).warn({ problem: pr.error }, "ignored: malformed pull_request payload");
    return;
  }
  if (!pr.merged) return;
  const event = await eventIo(context, deps);
  await all([backportOnMerge(event, pr), releaseOnMerge(event, pr)]);
}

async function backportOnMerge({ io, config }: EventIo, pr: PullRequestFacts): Promise<void> {
  const loaded = await config();
  const courtesy = new Courtesy(io.log);
  const source = sourceOfBackportBranch(loaded.config, pr.route.source);
  const sameRepo = pr.route.headRepo === pr.route.baseRepo; // a fork's look-alike branch is not ours
  if (source !== undefined && sameRepo && pr.route.target === loaded.config.branches.development) {
    const result = await markBackported(io, { source, backport: pr.number }, loaded.config, courtesy);
    io.log.info({ pr: source, backport: pr.number, result }, "backport merged");
  } else if (pr.route.target !== loaded.config.branches.production) {
    io.log.info({ pr: pr.number, result: { kind: "skipped", reason: "other-target" } }, "backport");
  } else {
    // The payload may be stale (labels change, redeliveries come late): the workflow reads the PR as it is now.
    await reported(io, pr.number, courtesy, () => backport(io, pr.number, loaded, { requested: false, courtesy }));
  }
  failOnCourtesy(courtesy, io.log, "backport");
}

/** Logs a backport's result; a failure is said on the source PR and fails the delivery. */
export async function reported(io: WorkflowIo, source: number, courtesy: Courtesy, work: () => ReturnType<typeof backport>): Promise<void> {
  try {
    io.log.info({ pr: source, result: await work() }, "backport");
  } catch (error) {
    io.log.error({ pr: source, err: error }, "backport failed");
    await sayBackportFailed(io, source, error, courtesy);
    throw error;
  }
}

async function releaseOnMerge({ io, config }: EventIo, pr: PullRequestFacts): Promise<void> {
  const courtesy = new Courtesy(io.log);
  try {
    const result = await releaseMerge(io, pr, await config(), { courtesy });
    io.log.info({ pr: pr.number, result }, "release");
  } catch (error) {
    io.log.error({ pr: pr.number, err: error }, "failed to release the production merge; the delivery fails so it can be redelivered");
    throw error;
  }
  failOnCourtesy(courtesy, io.log, "release");
}
