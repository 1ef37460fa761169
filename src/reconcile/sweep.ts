/**
 * The reconciliation sweep: GitHub does not retry failed deliveries, promises no order and our
 * process may have been down, so the app periodically converges on the right state:
 *   - failed webhook deliveries are redelivered (bounded);
 *   - open governed PRs are evaluated again (writes only where the result changed);
 *   - merged production PRs without a backport get one;
 *   - production merges without a version tag get one (when the release feature is present).
 * It runs at start-up, every RECONCILE_INTERVAL_MINUTES and on POST /admin/reconcile.
 */
import { Context, type Probot } from "probot";
import type { Logger } from "pino";
import { loadConfig } from "../config/load.js";
import type { AppIdentity, IdentityProvider } from "../github/identity.js";
import type { Octokit, RepoRef } from "../github/types.js";
import { mergedFacts, runBackport } from "../handlers/backport.js";
import { pullRequestFacts } from "../handlers/pull-request-facts.js";
import { evaluateAndReport } from "../handlers/report.js";
import { isGoverned } from "../policy/flow.js";
import { metrics } from "../observability/metrics.js";
import type { WorkLock } from "../infra/work-lock.js";
import { planBackportRepairs, planRedeliveries, type DeliveryAttempt } from "./plan.js";

export interface SweepOptions {
  /** How far back to look for failed deliveries and unbackported merges. */
  readonly windowMs: number;
  readonly maxRedeliveries: number;
  readonly maxAttemptsPerDelivery: number;
  /** Open PRs evaluated per repository per sweep. */
  readonly maxPullsPerRepo: number;
  /** Extra per-repository reconcilers (e.g. releases), run after backports. */
  readonly extra?: readonly RepoReconciler[];
  /** The app's work lock, so a sweep and a webhook never work on the same PR or release at once. */
  readonly lock?: Pick<WorkLock, "run">;
}

export const DEFAULT_SWEEP: SweepOptions = {
  windowMs: 6 * 3600_000,
  maxRedeliveries: 50,
  maxAttemptsPerDelivery: 3,
  maxPullsPerRepo: 100,
};

export interface RepoSweepContext {
  readonly context: Context;
  readonly octokit: Octokit;
  readonly repo: RepoRef;
  readonly me: AppIdentity;
  readonly log: Logger;
  readonly now: Date;
  readonly options: SweepOptions;
  readonly lock?: Pick<WorkLock, "run"> | undefined;
}

export type RepoReconciler = (ctx: RepoSweepContext) => Promise<{ found: number; fixed: number }>;

export interface SweepSummary {
  redeliveries: { failed: number; redelivered: number; exhausted: number };
  checks: { evaluated: number; rewritten: number };
  backports: { missing: number; fixed: number; unresolved: number; oldestUnresolvedSeconds: number };
  extra: { found: number; fixed: number };
  repositories: number;
  requests: number;
  errors: number;
  durationMs: number;
}

/** Counts every request an octokit instance makes (the sweep's cost). */
function counted(octokit: Octokit, counter: { requests: number }): Octokit {
  octokit.hook.before("request", () => {
    counter.requests++;
  });
  return octokit;
}

async function listDeliveries(app: Octokit, since: number, maxPages = 10): Promise<DeliveryAttempt[]> {
  const out: DeliveryAttempt[] = [];
  let pages = 0;
  for await (const { data } of app.paginate.iterator("GET /app/hook/deliveries", { per_page: 100 })) {
    for (const d of data) {
      out.push({ id: d.id, guid: d.guid, deliveredAt: d.delivered_at, statusCode: d.status_code, redelivery: d.redelivery, event: d.event, action: d.action ?? null });
    }
    const oldest = data[data.length - 1];
    if (++pages >= maxPages || !oldest || Date.parse(oldest.delivered_at) < since) break;
  }
  return out;
}

/** A Probot context for a repository outside any webhook, so handlers and `context.config` work as usual. */
function repoContext(octokit: Octokit, repo: { owner: string; name: string; installationId: number }, log: Logger): Context {
  const payload = { repository: { owner: { login: repo.owner }, name: repo.name, full_name: `${repo.owner}/${repo.name}` }, installation: { id: repo.installationId } };
  return new Context({ id: `sweep-${Date.now()}`, name: "repository", payload } as never, octokit, log);
}

async function reconcileRepo(ctx: RepoSweepContext, summary: SweepSummary): Promise<void> {
  const { context, octokit, repo, me, log, now, options } = ctx;
  const config = await loadConfig(context);
  // Every open governed PR: a missed event, a config change or a validation result that never
  // reached us all converge here. evaluateAndReport writes only where the result changed.
  const open = await octokit.paginate(octokit.rest.pulls.list, { ...repo, state: "open", per_page: 100 });
  for (const raw of open.slice(0, options.maxPullsPerRepo)) {
    const pr = pullRequestFacts(raw);
    if ("error" in pr || !isGoverned(pr.route.target, config.config)) continue;
    const result = await evaluateAndReport(context, repo, pr, me, { lock: options.lock });
    summary.checks.evaluated++;
    if (result.check === "created" || result.check === "updated") summary.checks.rewritten++;
  }
  if (!config.ok) return;
  // Merged production PRs in the window that carry no backport label.
  const { data: closed } = await octokit.rest.pulls.list({ ...repo, state: "closed", base: config.config.branches.production, sort: "updated", direction: "desc", per_page: 50 });
  const merged = closed
    .filter((p) => p.merged_at)
    .map((p) => ({ number: p.number, mergedAt: p.merged_at as string, labels: p.labels.map((l) => l.name), source: p.head.ref }));
  const missing = planBackportRepairs(merged, config.config, now, options.windowMs);
  summary.backports.missing += missing.length;
  for (const number of missing) {
    const raw = closed.find((p) => p.number === number);
    if (!raw) continue;
    let fixed = false;
    try {
      const work = () => runBackport({ octokit, repo, me, log }, mergedFacts(raw as never), config.config, false);
      const outcome = options.lock ? await options.lock.run(`${repo.owner}/${repo.repo}#${number}:backport`, work) : await work();
      log.info({ pr: number, outcome }, "sweep: backport");
      fixed = !outcome.startsWith("skipped");
    } catch (error) {
      summary.errors++;
      log.error({ pr: number, err: error }, "sweep: backport failed; the next sweep retries it");
    }
    if (fixed) summary.backports.fixed++;
    else {
      summary.backports.unresolved++;
      const age = (now.getTime() - Date.parse(raw.merged_at as string)) / 1000;
      summary.backports.oldestUnresolvedSeconds = Math.max(summary.backports.oldestUnresolvedSeconds, age);
    }
  }
  for (const reconciler of options.extra ?? []) {
    const { found, fixed } = await reconciler(ctx);
    summary.extra.found += found;
    summary.extra.fixed += fixed;
  }
}

export async function sweep(app: Probot, identity: IdentityProvider, options: SweepOptions = DEFAULT_SWEEP, now = new Date()): Promise<SweepSummary> {
  const started = Date.now();
  const counter = { requests: 0 };
  const summary: SweepSummary = {
    redeliveries: { failed: 0, redelivered: 0, exhausted: 0 },
    checks: { evaluated: 0, rewritten: 0 },
    backports: { missing: 0, fixed: 0, unresolved: 0, oldestUnresolvedSeconds: 0 },
    extra: { found: 0, fixed: 0 },
    repositories: 0,
    requests: 0,
    errors: 0,
    durationMs: 0,
  };
  const log = app.log.child({ name: "sweep" });
  const me = await identity();
  const appOctokit = counted(await app.auth(), counter);

  const attempts = await listDeliveries(appOctokit, now.getTime() - options.windowMs);
  const plan = planRedeliveries(attempts, now, { windowMs: options.windowMs, max: options.maxRedeliveries, maxAttempts: options.maxAttemptsPerDelivery });
  Object.assign(summary.redeliveries, { failed: plan.failed, exhausted: plan.exhausted });
  for (const d of plan.redeliver) {
    await appOctokit.request("POST /app/hook/deliveries/{delivery_id}/attempts", { delivery_id: d.id });
    summary.redeliveries.redelivered++;
    log.info({ guid: d.guid, event: d.event, action: d.action }, "sweep: redelivered a failed webhook delivery");
  }

  const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, { per_page: 100 });
  for (const installation of installations) {
    const octokit = counted(await app.auth(installation.id), counter);
    const repos = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
    for (const r of repos) {
      summary.repositories++;
      const repo = { owner: r.owner.login, repo: r.name };
      const repoLog = log.child({ repo: `${repo.owner}/${repo.repo}` });
      try {
        const context = repoContext(octokit, { owner: repo.owner, name: repo.repo, installationId: installation.id }, repoLog);
        await reconcileRepo({ context, octokit, repo, me, log: repoLog, now, options, lock: options.lock }, summary);
      } catch (error) {
        summary.errors++;
        repoLog.error({ err: error }, "sweep: repository failed; the next sweep retries it");
      }
    }
  }
  summary.requests = counter.requests;
  summary.durationMs = Date.now() - started;
  metrics.sweepFixes.inc({ kind: "redelivery" }, summary.redeliveries.redelivered);
  metrics.sweepFixes.inc({ kind: "check" }, summary.checks.rewritten);
  metrics.sweepFixes.inc({ kind: "backport" }, summary.backports.fixed);
  metrics.sweepFixes.inc({ kind: "other" }, summary.extra.fixed);
  metrics.backportsPending.set(summary.backports.unresolved);
  metrics.backportsPendingSeconds.set(summary.backports.oldestUnresolvedSeconds);
  metrics.errors.inc({ source: "sweep" }, summary.errors);
  metrics.lastSweepTimestamp.set(Date.now() / 1000);
  log.info({ summary }, "sweep finished");
  return summary;
}

/** Runs the sweep now and then every `intervalMinutes` (0: never repeats). Returns a stopper. */
export function scheduleSweeps(run: () => Promise<unknown>, intervalMinutes: number, log: Logger): () => void {
  let running: Promise<unknown> | undefined;
  const tick = () => {
    if (running) return; // never two sweeps at once in one process
    running = run()
      .catch((error: unknown) => log.error({ err: error }, "sweep failed"))
      .finally(() => (running = undefined));
  };
  const first = setTimeout(tick, 1000);
  first.unref();
  const every = intervalMinutes > 0 ? setInterval(tick, intervalMinutes * 60_000) : undefined;
  every?.unref();
  return () => {
    clearTimeout(first);
    if (every) clearInterval(every);
  };
}
