/** `pull_request` events: evaluate the PR's source → target pair and report it. */
import type { Context } from "probot";
import type { IdentityProvider } from "../github/identity.js";
import type { WorkLock } from "../infra/work-lock.js";
import { pullRequestFacts } from "./pull-request-facts.js";
import { concludeRetargeted, evaluateAndReport } from "./report.js";

export const PULL_REQUEST_EVENTS = [
  "pull_request.opened",
  "pull_request.reopened",
  "pull_request.synchronize",
  "pull_request.ready_for_review",
  "pull_request.edited",
] as const;

type PullRequestContext = Context<(typeof PULL_REQUEST_EVENTS)[number]>;

export async function onPullRequest(context: PullRequestContext, identity: IdentityProvider, lock?: Pick<WorkLock, "run">): Promise<void> {
  const repo = context.repo();
  const log = context.log.child({ delivery: context.id, event: `${context.name}.${context.payload.action}`, repo: `${repo.owner}/${repo.repo}` });
  const sent = pullRequestFacts(context.payload.pull_request);
  if ("error" in sent) {
    log.warn({ problem: sent.error }, "ignored: malformed pull_request payload");
    return;
  }
  const changes = context.payload.action === "edited" ? context.payload.changes : undefined;
  const oldTarget = changes?.base?.ref?.from;
  if (context.payload.action === "edited" && !oldTarget) return; // only a base change alters the verdict
  if (!sent.open) return;

  const me = await identity();
  try {
    // Deliveries arrive in no promised order: decide on the PR as it is now, not as it was sent.
    const { data } = await context.octokit.rest.pulls.get({ ...repo, pull_number: sent.number });
    const pr = pullRequestFacts(data);
    if ("error" in pr || !pr.open) return;
    const result = await evaluateAndReport(context, repo, pr, me, { lock });
    // A stale or redelivered `edited` must not touch the check of the target the PR has now.
    const retarget = oldTarget && oldTarget !== pr.route.target ? await concludeRetargeted(context, repo, pr, oldTarget, me) : undefined;
    log.info({ pr: pr.number, target: pr.route.target, source: pr.route.source, ...result, retarget }, "evaluated pull request");
  } catch (error) {
    log.error({ pr: sent.number, err: error }, "failed to report on pull request; the delivery fails so it can be redelivered");
    throw error;
  }
}
