/**
 * Re-evaluation: other events that can change a PR's verdict. Validation checks and statuses
 * finishing, a governed branch moving (up-to-date), the config changing, and an explicit
 * `/branch-steward recheck` comment. Each finds the affected open PRs and reports again;
 * writes still happen only where the result changed.
 */
import type { Context } from "probot";
import { CONFIG_PATH } from "../config/schema.js";
import type { IdentityProvider } from "../github/identity.js";
import type { WorkLock } from "../infra/work-lock.js";
import { getPull, openPulls, openPullsWithHead } from "../github/pulls.js";
import type { RepoRef } from "../github/types.js";
import { runCommand } from "./commands.js";
import type { PullRequestFacts } from "../model/pull-request.js";
import { evaluateAndReport, type ReportContext } from "./report.js";

type AnyContext = ReportContext & Pick<Context, "id" | "name" | "log" | "repo">;

async function reportAll(
  context: AnyContext,
  repo: RepoRef,
  pulls: readonly PullRequestFacts[] & { readonly dropped?: number },
  identity: IdentityProvider,
  why: string,
  options: { force?: boolean; lock?: Pick<WorkLock, "run"> } = {},
): Promise<void> {
  const me = await identity();
  const log = context.log.child({ delivery: context.id, event: context.name, repo: `${repo.owner}/${repo.repo}` });
  if (pulls.dropped) log.warn({ dropped: pulls.dropped }, "ignored: malformed pull requests from the API");
  for (const pr of pulls) {
    if (!pr.open) continue;
    const result = await evaluateAndReport(context, repo, pr, me, options);
    log.info({ pr: pr.number, target: pr.route.target, why, ...result }, "re-evaluated pull request");
  }
}

/** Open PRs whose head is `sha`. The payloads' `pull_requests` lists are empty for forks, so ask the API. */
export async function reevaluateSha(context: AnyContext, sha: string, identity: IdentityProvider, why: string, lock?: Pick<WorkLock, "run">): Promise<void> {
  const repo = context.repo();
  const heads = await openPullsWithHead(context.octokit, repo, sha);
  await reportAll(context, repo, heads, identity, why, { lock });
}

export async function onCheckRun(context: Context<"check_run">, identity: IdentityProvider, lock?: Pick<WorkLock, "run">): Promise<void> {
  const run = context.payload.check_run;
  if (!run?.head_sha) return;
  const me = await identity();
  if (run.app?.id === me.id) return; // our own check: re-evaluating on it would loop
  await reevaluateSha(context, run.head_sha, identity, `check_run ${run.name} ${context.payload.action}`, lock);
}

export async function onCheckSuite(context: Context<"check_suite.completed">, identity: IdentityProvider, lock?: Pick<WorkLock, "run">): Promise<void> {
  const suite = context.payload.check_suite;
  if (!suite?.head_sha) return;
  const me = await identity();
  if (suite.app?.id === me.id) return;
  await reevaluateSha(context, suite.head_sha, identity, "check_suite completed", lock);
}

export async function onStatus(context: Context<"status">, identity: IdentityProvider, lock?: Pick<WorkLock, "run">): Promise<void> {
  if (!context.payload.sha) return;
  await reevaluateSha(context, context.payload.sha, identity, `status ${context.payload.context} ${context.payload.state}`, lock);
}

/** A governed branch moved: PRs into it may no longer be up to date. The config changed: everything. */
export async function onPush(context: Context<"push">, identity: IdentityProvider, lock?: Pick<WorkLock, "run">): Promise<void> {
  const { ref, repository, commits } = context.payload;
  if (!ref?.startsWith("refs/heads/") || context.payload.deleted) return;
  const branch = ref.slice("refs/heads/".length);
  const repo = context.repo();
  const touched = (commits ?? []).some((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].includes(CONFIG_PATH));
  const configChanged = branch === repository.default_branch && touched;
  const pulls = await openPulls(context.octokit, repo, configChanged ? undefined : branch);
  await reportAll(context, repo, pulls, identity, configChanged ? "config changed" : `${branch} moved`, { lock });
}

export const RECHECK_COMMAND = /^\/branch-steward\s+recheck\b/m;

/** `/branch-steward recheck` on a PR, from someone with write access: evaluate it afresh (see ./commands.ts). */
export async function onRecheckComment(context: Context<"issue_comment.created">, identity: IdentityProvider, lock?: Pick<WorkLock, "run">): Promise<void> {
  const { comment, issue } = context.payload;
  if (!issue.pull_request || !RECHECK_COMMAND.test(comment.body ?? "")) return;
  if (comment.user?.type === "Bot") return;
  const repo = context.repo();
  await runCommand(context, identity, lock, "/branch-steward recheck", async (login) => {
    const pull = await getPull(context.octokit, repo, issue.number);
    await reportAll(context, repo, [pull], identity, `recheck by ${login}`, { force: true, lock });
  });
}
