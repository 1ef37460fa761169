/**
 * `check_run` events. created/completed (someone else's check): when a flow requires a check of
 * that name, re-evaluate the open PRs it heads and, when it is release evidence on production,
 * refresh that release's notes; any other check costs the config read alone. rerequested (our
 * check): evaluate its PRs again. One config read per event.
 */
import type { Context } from "probot";
import { openPullsWithHead } from "../github/pulls.js";
import { isEvidenceCheck } from "../policy/release.js";
import { canChangeVerdict, targetOfCheck } from "../policy/evaluation.js";
import { evaluateAndReport, reportPulls } from "../workflows/evaluate-and-report.js";
import { refreshEvidence } from "../workflows/release.js";
import { all, eventIo, parsePulls, type EventIo, type HandlerDeps } from "./event.js";
import { reevaluateGroup } from "./merge-group.js";

export async function onCheckRun(context: Context<"check_run.created" | "check_run.completed">, deps: HandlerDeps): Promise<void> {
  const run = context.payload.check_run;
  if (!run?.head_sha) return;
  const me = await deps.identity();
  if (run.app?.id === me.id) return; // our own check: re-evaluating on it would loop
  // A check on a merge group's commit (its suite's branch is the queue branch) concludes that group.
  if (await reevaluateGroup(context, deps, run.check_suite?.head_branch, run.head_sha, `check_run ${run.name} ${context.payload.action}`)) return;
  const event = await eventIo(context, deps);
  if (!canChangeVerdict(run.name, await event.config())) return event.io.log.debug({ check: run.name }, "ignored: no flow requires this check");
  const why = `check_run ${run.name} ${context.payload.action}`;
  const heads = async () => reportPulls(event.io, parsePulls(event.io.log, await openPullsWithHead(event.io.octokit, event.io.repo, run.head_sha)), event.config, { why });
  const evidence = context.payload.action === "completed" ? releaseEvidence(event, run) : Promise.resolve();
  await all([heads(), evidence]);
}

/** A required check completed on a commit of production: refresh the release whose tag points at it. */
async function releaseEvidence({ io, config }: EventIo, run: { head_sha: string; name: string; check_suite?: { head_branch?: string | null } | null }): Promise<void> {
  const loaded = await config();
  if (!loaded.ok || !loaded.config.release.enabled) return;
  if (!isEvidenceCheck(run.name, loaded.config.compiled.evidence)) return;
  const branch = run.check_suite?.head_branch;
  if (branch && branch !== loaded.config.branches.production) return;
  const result = await refreshEvidence(io, run.head_sha, loaded.config);
  if (result.kind !== "absent") io.log.info({ sha: run.head_sha, check: run.name, notes: result.notes }, "refreshed release evidence");
}

export async function onCheckRunRerequested(context: Context<"check_run.rerequested">, deps: HandlerDeps): Promise<void> {
  const run = context.payload.check_run;
  const target = targetOfCheck(run?.name ?? "");
  if (!run || !target || typeof run.head_sha !== "string") return;
  const me = await deps.identity();
  if (run.app?.id !== me.id) return; // someone else's check with a look-alike name
  const { io, config } = await eventIo(context, deps);
  // `check_run.pull_requests` is empty for PRs from forks: ask the API which PRs this SHA heads.
  const candidates = parsePulls(io.log, await openPullsWithHead(io.octokit, io.repo, run.head_sha)).filter((p) => p.route.target === target);
  for (const pr of candidates) {
    const result = await evaluateAndReport(io, pr, config);
    io.log.info({ pr: pr.number, target, ...result }, "re-evaluated on re-run request");
  }
  if (candidates.length === 0) io.log.info({ sha: run.head_sha, target }, "re-run requested, but no open PR into that target has this head");
}
