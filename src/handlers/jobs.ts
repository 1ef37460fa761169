/**
 * What the job queue carries and how a worker runs it. A job is plain JSON, so a replica other
 * than the one that received the webhook can run it:
 *
 * - `delivery`: a verified webhook (event name, delivery id, payload, installation id). The
 *   worker rebuilds a Probot Context (`probot.auth(installationId)` gives the installation's
 *   Octokit) and runs the event table's handlers, as Probot would have.
 * - `evaluate`: one PR of a fan-out (a push with N open PRs, a config change, a check on a
 *   commit several PRs head): the PR as the parent read it and the config it read once.
 *
 * Keys serialize jobs about the same thing: a PR, a branch (push), a commit (check, status).
 */
import { Context, type Probot } from "probot";
import { fromPortable, toPortable, type PortableConfig } from "../config/portable.js";
import { lockKey } from "../infra/lock-keys.js";
import type { Job } from "../infra/queue.js";
import type { PullRequestFacts } from "../model/pull-request.js";
import { evaluateAndReport } from "../workflows/evaluate-and-report.js";
import type { WorkflowIo } from "../workflows/io.js";
import type { FanOutTarget, HandlerDeps } from "./event.js";
import { HANDLERS, type Route } from "./index.js";

export type Work =
  | { readonly kind: "delivery"; readonly id: string; readonly name: string; readonly payload: Record<string, unknown>; readonly installationId: number }
  | {
      readonly kind: "evaluate";
      /** The delivery that fanned out. */
      readonly delivery: string;
      readonly installationId: number;
      readonly repo: WorkflowIo["repo"];
      readonly repoHtmlUrl: string;
      readonly pr: PullRequestFacts;
      readonly config: PortableConfig;
      readonly why: string;
    };

type Payload = {
  action?: unknown;
  repository?: { name?: unknown; owner?: { login?: unknown } };
  installation?: { id?: unknown };
  pull_request?: { number?: unknown };
  issue?: { number?: unknown };
  number?: unknown;
  ref?: unknown;
  sha?: unknown;
  check_run?: { head_sha?: unknown };
  check_suite?: { head_sha?: unknown };
};

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isInteger(v) ? v : undefined);

/** The serialization key of a delivery: its PR, branch or commit; else its repository; an installation event: its installation. */
export function deliveryKey(name: string, payload: Payload): string {
  if (str(payload.repository?.name) === undefined) return `installation:${String(num(payload.installation?.id) ?? "")}`;
  const repo = { owner: String(payload.repository?.owner?.login ?? ""), repo: String(payload.repository?.name ?? "") };
  const pr = num(payload.pull_request?.number) ?? num(payload.issue?.number) ?? (name === "pull_request" ? num(payload.number) : undefined);
  if (pr !== undefined) return lockKey({ kind: "check", repo, pr });
  const sha = str(payload.check_run?.head_sha) ?? str(payload.check_suite?.head_sha) ?? (name === "status" ? str(payload.sha) : undefined);
  if (sha) return lockKey({ kind: "commit", repo, sha });
  const ref = str(payload.ref);
  return lockKey({ kind: "branch", repo, branch: ref ?? "" });
}

const group = (installationId: number) => `installation:${installationId}`;

/** The job for a verified delivery whose payload names a repository and an installation (checked by the caller). */
export function deliveryJob(event: { id: string; name: string; payload: unknown }): Job<Work> {
  const payload = event.payload as Payload & Record<string, unknown>;
  const installationId = payload.installation?.id as number;
  return { key: deliveryKey(event.name, payload), group: group(installationId), data: { kind: "delivery", id: event.id, name: event.name, payload, installationId } };
}

/** One job per PR of a fan-out, carrying the config read once. */
export function evaluateJobs(target: FanOutTarget, pulls: readonly PullRequestFacts[], config: Parameters<typeof toPortable>[0], why: string): Job<Work>[] {
  const portable = toPortable(config);
  return pulls.map((pr) => ({
    key: lockKey({ kind: "check", repo: target.repo, pr: pr.number }),
    group: group(target.installationId),
    data: { kind: "evaluate", delivery: target.delivery, installationId: target.installationId, repo: target.repo, repoHtmlUrl: target.repoHtmlUrl, pr, config: portable, why },
  }));
}

/** The routes of the event table that take this event (`push`, or `pull_request` + its action). */
export function routesFor(name: string, action: unknown, routes: readonly Route[] = HANDLERS): Route[] {
  const full = typeof action === "string" ? `${name}.${action}` : name;
  return routes.filter((r) => r.events.some((e) => e === name || e === full));
}

/** Runs one job: a delivery through its handlers, or one PR's evaluation. */
export function jobRunner(probot: Probot, deps: HandlerDeps, routes: readonly Route[] = HANDLERS): (work: Work) => Promise<void> {
  return async (work) => {
    const octokit = await probot.auth(work.installationId);
    if (work.kind === "delivery") {
      const context = new Context({ id: work.id, name: work.name, payload: work.payload } as never, octokit, probot.log.child({ name: "job" }));
      for (const route of routesFor(work.name, work.payload.action, routes)) await route.run(context, deps);
      return;
    }
    const log = probot.log.child({ name: "job", delivery: work.delivery, repo: `${work.repo.owner}/${work.repo.repo}` });
    const io: WorkflowIo = { octokit: octokit as WorkflowIo["octokit"], repo: work.repo, me: await deps.identity(), log, repoHtmlUrl: work.repoHtmlUrl, lock: deps.lock, now: () => new Date() };
    const result = await evaluateAndReport(io, work.pr, fromPortable(work.config));
    log.info({ pr: work.pr.number, target: work.pr.route.target, why: work.why, ...result }, "re-evaluated pull request");
  };
}

/** Bounded, loggable facts about a job (never its payload). */
export function describeJob(work: Work): Record<string, unknown> {
  if (work.kind === "delivery") return { job: "delivery", delivery: work.id, event: typeof work.payload.action === "string" ? `${work.name}.${work.payload.action}` : work.name };
  return { job: "evaluate", delivery: work.delivery, repo: `${work.repo.owner}/${work.repo.repo}`, pr: work.pr.number, why: work.why };
}
