/** `pull_request` opened/reopened/synchronize/ready/edited: evaluate the PR's source → target pair and report it. */
import type { Context } from "probot";
import { parsePullRequest } from "../model/pull-request.js";
import { readPull } from "../github/pulls.js";
import { concludeRetargeted, evaluateAndReport } from "../workflows/evaluate-and-report.js";
import { eventIo, eventLog, type HandlerDeps } from "./event.js";

export const PULL_REQUEST_EVENTS = [
  "pull_request.opened",
  "pull_request.reopened",
  "pull_request.synchronize",
  "pull_request.ready_for_review",
  "pull_request.edited",
] as const;

type PullRequestContext = Context<(typeof PULL_REQUEST_EVENTS)[number]>;

export async function onPullRequest(context: PullRequestContext, deps: HandlerDeps): Promise<void> {
  const sent = parsePullRequest(context.payload.pull_request);
  if ("error" in sent) {
    eventLog(context).warn({ problem: sent.error }, "ignored: malformed pull_request payload");
    return;
  }
  const changes = context.payload.action === "edited" ? context.payload.changes : undefined;
  const oldTarget = changes?.base?.ref?.from;
  if (context.payload.action === "edited" && !oldTarget) return; // only a base change alters the verdict
  if (!sent.open) return;

  const { io, config } = await eventIo(context, deps);
  try {
    // Deliveries arrive in no promised order: decide on the PR as it is now, not as it was sent.
    const pr = await readPull(io.octokit, io.repo, sent.number);
    if (!pr?.open) return;
    const result = await evaluateAndReport(io, pr, config);
    // A stale or redelivered `edited` must not touch the check of the target the PR has now.
    const retarget = oldTarget && oldTarget !== pr.route.target ? await concludeRetargeted(io, pr, oldTarget) : undefined;
    io.log.info({ pr: pr.number, target: pr.route.target, source: pr.route.source, ...result, retarget }, "evaluated pull request");
  } catch (error) {
    io.log.error({ pr: sent.number, err: error }, "failed to report on pull request; the delivery fails so it can be redelivered");
    throw error;
  }
}
