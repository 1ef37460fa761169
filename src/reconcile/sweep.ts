/**
 * The reconciliation sweep: GitHub does not retry failed deliveries, promises no order and our
 * process may have been down, so the app periodically converges on the right state:
 *   - failed webhook deliveries are redelivered (bounded);
 *   - open governed PRs are evaluated again (writes only where the result changed);
 *   - merged production PRs without a backport get one;
 *   - production merges without a version tag get one (when the release feature is present).
 * Every unit of work (a delivery, an installation, a repository, a PR, a backport, a reconciler)
 * is isolated: its failure is counted in the summary and the errors metric, logged, retried by
 * the next sweep, and the rest of the sweep goes on.
 * It runs at start-up, every RECONCILE_INTERVAL_MINUTES and on POST /admin/reconcile.
 */
import { Context, type Probot } from "probot";
import type { Logger } from "pino";
import { loadConfig } from "../config/load.js";
import type { AppIdentity, IdentityProvider } from "../github/identity.js";
import type { Octokit, RepoRef } from "../github/types.js";
import { Courtesy } from "../github/courtesy.js";
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

/** A per-repository reconciler; `failed` counts what it could not do (retried by the next sweep). */
export type RepoReconciler = (ctx: RepoSweepContext) => Promise<{ found: number; fixed: number; failed?: number }>;

/** Where a sweep failure happened; each is counted, logged and retried by the next sweep. */
export type SweepFailure = "redeliveries" | "installations" | "repositories" | "pulls" | "comments" | "backports" | "extra";

export interface SweepSummary {
  redeliveries: { failed: number; redelivered: number; exhausted: number };
  /** `deferred`: governed open PRs beyond `maxPullsPerRepo`, left for a later sweep or event. */
  checks: { evaluated: number; rewritten: number; deferred: number };
  backports: { missing: number; fixed: number; unresolved: number; oldestUnresolvedSeconds: number };
  extra: { found: number; fixed: number };
  repositories: number;
  requests: number;
  /** Failures by where they happened; the rest of the sweep went on. */
  failures: Record<SweepFailure, number>;
  /** All failures (the sum of `failures`). */
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

/**
 * Runs one unit of sweep work; a failure is counted (summary and metric), logged, and the sweep
 * goes on with the next unit. Returns undefined when it failed.
 */
async function isolated<T>(summary: SweepSummary, kind: SweepFailure, log: Logger, about: Record<string, unknown>, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    fail(summary, kind);
    log.error({ ...about, err: error, failure: kind }, `sweep: ${kind} failed; the sweep goes on and the next one retries it`);
    return undefined;
  }
}

function fail(summary: SweepSummary, kind: SweepFailure, n = 1): void {
  summary.failures[kind] += n;
  summary.errors += n;
}

async function reconcileRepo(ctx: RepoSweepContext, summary: SweepSummary): Promise<void> {
  const { context, octokit, repo, me, log, now, options } = ctx;
  const config = await loadConfig(context);
  // Every open governed PR: a missed event, a config change or a validation result that never
  // reached us all converge here. evaluateAndReport writes only where the result changed.
  // One PR failing (a 422, a 500) never stops the others.
  const open = await isolated(summary, "pulls", log, { phase: "list open pull requests" }, () =>
    octokit.paginate(octokit.rest.pulls.list, { ...repo, state: "open", per_page: 100 }),
  );
  const governed = (open ?? []).flatMap((raw) => {
    const pr = pullRequestFacts(raw);
    return "error" in pr || !isGoverned(pr.route.target, config.config) ? [] : [pr];
  });
  if (governed.length > options.maxPullsPerRepo) {
    summary.checks.deferred += governed.length - options.maxPullsPerRepo;
    log.warn({ governed: governed.length, max: options.maxPullsPerRepo }, "sweep: more open governed PRs than one sweep evaluates; the rest wait for their next event or a later sweep");
  }
  for (const pr of governed.slice(0, options.maxPullsPerRepo)) {
    const result = await isolated(summary, "pulls", log, { pr: pr.number }, () => evaluateAndReport(context, repo, pr, me, { lock: options.lock }));
    if (!result) continue;
    summary.checks.evaluated++;
    if (result.check === "created" || result.check === "updated") summary.checks.rewritten++;
    if (result.comment === "failed") fail(summary, "comments"); // the check stands; the next sweep retries the comment
  }
  if (!config.ok) return;
  // Merged production PRs in the window that carry no backport label.
  const closed = await isolated(summary, "backports", log, { phase: "list merged pull requests" }, async () => {
    const { data } = await octokit.rest.pulls.list({ ...repo, state: "closed", base: config.config.branches.production, sort: "updated", direction: "desc", per_page: 50 });
    return data;
  });
  const merged = (closed ?? [])
    .filter((p) => p.merged_at)
    .map((p) => ({ number: p.number, mergedAt: p.merged_at as string, labels: p.labels.map((l) => l.name), source: p.head.ref }));
  const missing = planBackportRepairs(merged, config.config, now, options.windowMs);
  summary.backports.missing += missing.length;
  for (const number of missing) {
    const raw = (closed ?? []).find((p) => p.number === number);
    if (!raw) continue;
    const courtesy = new Courtesy(log);
    const work = () => runBackport({ octokit, repo, me, log, courtesy }, mergedFacts(raw as never), config.config, false);
    const outcome = await isolated(summary, "backports", log, { pr: number }, () =>
      options.lock ? options.lock.run(`${repo.owner}/${repo.repo}#${number}:backport`, work) : work(),
    );
    if (courtesy.failed) fail(summary, "comments", courtesy.failed);
    if (outcome !== undefined) log.info({ pr: number, outcome }, "sweep: backport");
    if (outcome !== undefined && !outcome.startsWith("skipped")) summary.backports.fixed++;
    else {
      summary.backports.unresolved++;
      const age = (now.getTime() - Date.parse(raw.merged_at as string)) / 1000;
      summary.backports.oldestUnresolvedSeconds = Math.max(summary.backports.oldestUnresolvedSeconds, age);
    }
  }
  for (const reconciler of options.extra ?? []) {
    const result = await isolated(summary, "extra", log, { reconciler: reconciler.name }, () => reconciler(ctx));
    if (!result) continue;
    summary.extra.found += result.found;
    summary.extra.fixed += result.fixed;
    if (result.failed) fail(summary, "extra", result.failed);
  }
}

export async function sweep(app: Probot, identity: IdentityProvider, options: SweepOptions = DEFAULT_SWEEP, now = new Date()): Promise<SweepSummary> {
  const started = Date.now();
  const counter = { requests: 0 };
  const summary: SweepSummary = {
    redeliveries: { failed: 0, redelivered: 0, exhausted: 0 },
    checks: { evaluated: 0, rewritten: 0, deferred: 0 },
    backports: { missing: 0, fixed: 0, unresolved: 0, oldestUnresolvedSeconds: 0 },
    extra: { found: 0, fixed: 0 },
    repositories: 0,
    requests: 0,
    failures: { redeliveries: 0, installations: 0, repositories: 0, pulls: 0, comments: 0, backports: 0, extra: 0 },
    errors: 0,
    durationMs: 0,
  };
  const log = app.log.child({ name: "sweep" });
  const me = await identity();
  const appOctokit = counted(await app.auth(), counter);

  const attempts = await isolated(summary, "redeliveries", log, { phase: "list deliveries" }, () => listDeliveries(appOctokit, now.getTime() - options.windowMs));
  const plan = planRedeliveries(attempts ?? [], now, { windowMs: options.windowMs, max: options.maxRedeliveries, maxAttempts: options.maxAttemptsPerDelivery });
  Object.assign(summary.redeliveries, { failed: plan.failed, exhausted: plan.exhausted });
  for (const d of plan.redeliver) {
    const done = await isolated(summary, "redeliveries", log, { guid: d.guid }, () => appOctokit.request("POST /app/hook/deliveries/{delivery_id}/attempts", { delivery_id: d.id }));
    if (done === undefined) continue;
    summary.redeliveries.redelivered++;
    log.info({ guid: d.guid, event: d.event, action: d.action }, "sweep: redelivered a failed webhook delivery");
  }

  const installations = await isolated(summary, "installations", log, { phase: "list installations" }, () =>
    appOctokit.paginate(appOctokit.rest.apps.listInstallations, { per_page: 100 }),
  );
  for (const installation of installations ?? []) {
    const reached = await isolated(summary, "installations", log, { installation: installation.id }, async () => {
      const octokit = counted(await app.auth(installation.id), counter);
      return { octokit, repos: await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 }) };
    });
    if (!reached) continue;
    const { octokit, repos } = reached;
    for (const r of repos) {
      summary.repositories++;
      const repo = { owner: r.owner.login, repo: r.name };
      const repoLog = log.child({ repo: `${repo.owner}/${repo.repo}` });
      await isolated(summary, "repositories", repoLog, {}, async () => {
        const context = repoContext(octokit, { owner: repo.owner, name: repo.repo, installationId: installation.id }, repoLog);
        await reconcileRepo({ context, octokit, repo, me, log: repoLog, now, options, lock: options.lock }, summary);
      });
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
  log[summary.errors ? "warn" : "info"]({ summary }, "sweep finished");
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
