/** `pull_request` opened/reopened/synchronize/ready/edited/labeled/unlabeled: evaluate the PR's source → target pair and report it. */
import type { Context } from "probot";
import { parsePullRequest } from "../model/pull-request.js";
import { readPull } from "../github/pulls.js";
import { couplingChangeMatters, type PullChange } from "../policy/coupling.js";
import { concludeRetargeted, evaluateAndReport } from "../workflows/evaluate-and-report.js";
import { eventIo, eventLog, type HandlerDeps } from "./event.js";

export const PULL_REQUEST_EVENTS = [
  "pull_request.opened",
  "pull_request.reopened",
  "pull_request.synchronize",
  "pull_request.ready_for_review",
  "pull_request.edited",
  "pull_request.labeled",
  "pull_request.unlabeled",
] as const;

type PullRequestContext = Context<(typeof PULL_REQUEST_EVENTS)[number]>;

/** A label or body change (coupling exceptions); undefined for every other action. */
function pullChange(payload: PullRequestContext["payload"]): PullChange | undefined {
  const p = payload as { action: string; label?: { name?: string }; changes?: { body?: { from?: string } }; pull_request: { body?: string | null } };
  if (p.action === "labeled" || p.action === "unlabeled") return { action: p.action, label: p.label?.name };
  if (p.action !== "edited") return undefined;
  const from = p.changes?.body?.from;
  return { action: "edited", body: from === undefined ? undefined : { from, to: p.pull_request.body ?? "" } };
}

export async function onPullRequest(context: PullRequestContext, deps: HandlerDeps): Promise<void> {
  const sent = parsePullRequest(context.payload.pull_request);
  if ("error" in sent) {
    eventLog(context).warn({ problem: sent.error }, "ignored: malformed pull_request payload");
    return;
  }
  const changes = context.payload.action === "edited" ? context.payload.changes : undefined;
  const oldTarget = changes?.base?.ref?.from;
  const change = oldTarget ? undefined : pullChange(context.payload);
  if (change?.action === "edited" && !change.body) return; // only a base or body change alters the verdict
  if (!sent.open) return;

  const { io, config } = await eventIo(context, deps);
  try {
    if (change) {
      const { coupling } = (await config()).config;
      const matters = couplingChangeMatters(change, { groups: coupling.groups.length, label: coupling.exception.label, bodyLine: coupling.exception.body_line });
      if (!matters) return;
    }
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
