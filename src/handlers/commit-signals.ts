/**
 * Signals about commits that can change open PRs' verdicts: a check suite or a status finishing on
 * a head, a governed branch moving (up-to-date), the config changing. Each finds the affected open
 * PRs and reports again with one config read; writes still happen only where the result changed.
 * A suite or status no flow can be gated on costs the config read alone.
 */
import type { Context } from "probot";
import type { ConfigResult } from "../config/parse.js";
import { CONFIG_PATH } from "../config/schema.js";
import { openPulls, openPullsWithHead } from "../github/pulls.js";
import { anyCheckRequired, canChangeVerdict } from "../policy/evaluation.js";
import { parseQueueBranch, QUEUE_BRANCH_PREFIX } from "../policy/merge-group.js";
import { reportPulls } from "../workflows/evaluate-and-report.js";
import { eventIo, parsePulls, type HandlerDeps } from "./event.js";
import { reevaluateGroup } from "./merge-group.js";

/**
 * Open PRs whose head is `sha`, when the signal can change a verdict (`matters`, asked of the
 * config first: otherwise the config read is all it costs). The payloads' `pull_requests` lists
 * are empty for forks, so ask the API: the open PR list, one conditional read (see pulls.ts).
 */
async function reevaluateSha(context: Context, deps: HandlerDeps, sha: string, why: string, matters: (config: ConfigResult) => boolean): Promise<void> {
  const { io, config } = await eventIo(context, deps);
  if (!matters(await config())) return io.log.debug({ sha, why }, "ignored: no flow requires this check");
  await reportPulls(io, parsePulls(io.log, await openPullsWithHead(io.octokit, io.repo, sha)), config, { why });
}

export async function onCheckSuite(context: Context<"check_suite.completed">, deps: HandlerDeps): Promise<void> {
  const suite = context.payload.check_suite;
  if (!suite?.head_sha) return;
  const me = await deps.identity();
  if (suite.app?.id === me.id) return;
  if (await reevaluateGroup(context, deps, suite.head_branch, suite.head_sha, "check_suite completed")) return;
  await reevaluateSha(context, deps, suite.head_sha, "check_suite completed", anyCheckRequired);
}

export async function onStatus(context: Context<"status">, deps: HandlerDeps): Promise<void> {
  if (!context.payload.sha) return;
  const name = context.payload.context;
  const why = `status ${name} ${context.payload.state}`;
  const queue = context.payload.branches?.find((b) => b.commit?.sha === context.payload.sha && parseQueueBranch(b.name));
  if (queue && (await reevaluateGroup(context, deps, queue.name, context.payload.sha, why))) return;
  await reevaluateSha(context, deps, context.payload.sha, why, (config) => canChangeVerdict(name, config));
}

/** A governed branch moved: PRs into it may no longer be up to date. The config changed: everything. */
export async function onPush(context: Context<"push">, deps: HandlerDeps): Promise<void> {
  const { ref, repository, commits } = context.payload;
  if (!ref?.startsWith("refs/heads/") || context.payload.deleted) return;
  const branch = ref.slice("refs/heads/".length);
  if (branch.startsWith(QUEUE_BRANCH_PREFIX)) return; // a merge queue branch: no PR targets it
  const touched = (commits ?? []).some((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].includes(CONFIG_PATH));
  const configChanged = branch === repository.default_branch && touched;
  const { io, config } = await eventIo(context, deps);
  const pulls = await openPulls(io.octokit, io.repo, configChanged ? undefined : branch);
  await reportPulls(io, parsePulls(io.log, pulls), config, { why: configChanged ? "config changed" : `${branch} moved` });
}
