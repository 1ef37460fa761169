/** `check_run.rerequested` on our own check: evaluate the open PRs it belongs to again. */
import type { Context } from "probot";
import type { IdentityProvider } from "../github/identity.js";
import { openPullsWithHead } from "../github/pulls.js";
import type { WorkLock } from "../infra/work-lock.js";
import { targetOfCheck } from "../policy/evaluation.js";
import { evaluateAndReport } from "./report.js";

export async function onCheckRunRerequested(context: Context<"check_run.rerequested">, identity: IdentityProvider, lock?: Pick<WorkLock, "run">): Promise<void> {
  const repo = context.repo();
  const log = context.log.child({ delivery: context.id, event: "check_run.rerequested", repo: `${repo.owner}/${repo.repo}` });
  const run = context.payload.check_run;
  const target = targetOfCheck(run?.name ?? "");
  if (!run || !target || typeof run.head_sha !== "string") return;
  const me = await identity();
  if (run.app?.id !== me.id) return; // someone else's check with a look-alike name

  // `check_run.pull_requests` is empty for PRs from forks: ask the API which PRs this SHA heads.
  const heads = await openPullsWithHead(context.octokit, repo, run.head_sha);
  if (heads.dropped) log.warn({ dropped: heads.dropped }, "ignored: malformed pull requests from the API");
  const candidates = heads.filter((p) => p.route.target === target);
  for (const pr of candidates) {
    const result = await evaluateAndReport(context, repo, pr, me, { lock });
    log.info({ pr: pr.number, target, ...result }, "re-evaluated on re-run request");
  }
  if (candidates.length === 0) log.info({ sha: run.head_sha, target }, "re-run requested, but no open PR into that target has this head");
}
