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
import type { RepoUnit } from "../infra/sweep-coordinator.js";
import { metrics } from "../observability/metrics.js";
import { backports } from "./backports.js";
import { checks } from "./checks.js";
import { mergeGroups } from "./merge-groups.js";
import { dashboards } from "./dashboard.js";
import { planRedeliveries, type DeliveryAttempt } from "./plan.js";
import { isolated, type Reconciler, type SweepOptions, type SweepSummary } from "./reconciler.js";
import { releases } from "./releases.js";

export type { Reconciler, RepoSweep, SweepFailure, SweepOptions, SweepSummary } from "./reconciler.js";

/** What the sweep repairs on every repository, in this order. */
export const RECONCILERS: readonly Reconciler[] = [checks, mergeGroups, backports, releases, dashboards];

export const DEFAULT_SWEEP: SweepOptions = {
  windowMs: 6 * 3600_000,
  maxRedeliveries: 50,
  maxAttemptsPerDelivery: 3,
  maxPullsPerRepo: 100,
};

/** The rate limit an installation's responses last reported. */
interface Budget {
  remaining?: number;
  limit?: number;
}

/** Counts every request an octokit instance makes (the sweep's cost) and records its rate-limit headroom. */
function counted(octokit: Octokit, counter: { requests: number }, budget: Budget = {}): Octokit {
  octokit.hook.before("request", () => {
    counter.requests++;
  });
  const record = (headers: Record<string, unknown> | undefined) => {
    const remaining = Number(headers?.["x-ratelimit-remaining"]);
    const limit = Number(headers?.["x-ratelimit-limit"]);
    if (headers?.["x-ratelimit-remaining"] !== undefined && Number.isFinite(remaining)) budget.remaining = remaining;
    if (headers?.["x-ratelimit-limit"] !== undefined && Number.isFinite(limit)) budget.limit = limit;
  };
  octokit.hook.after("request", (response) => record(response.headers as Record<string, unknown>));
  octokit.hook.error("request", (error) => {
    record((error as { response?: { headers?: Record<string, unknown> } }).response?.headers);
    throw error;
  });
  return octokit;
}

/** Below the reserve: the sweep leaves this installation's repositories to the next round; events go on. */
const low = (budget: Budget, reserve: number): boolean => budget.remaining !== undefined && budget.limit !== undefined && budget.remaining < reserve * budget.limit;

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

/** One repository: its config read once, then every reconciler, each isolated. */
async function reconcileRepo(octokit: Octokit, where: { repo: RepoRef; htmlUrl: string; installationId: number }, ctx: { me: AppIdentity; log: Logger; now: Date; options: SweepOptions }, summary: SweepSummary): Promise<void> {
  const { repo } = where;
  const context = repoContext(octokit, { owner: repo.owner, name: repo.repo, installationId: where.installationId }, ctx.log);
  const config = await loadConfig(context);
  const io = { octokit, repo, me: ctx.me, log: ctx.log, repoHtmlUrl: where.htmlUrl, lock: ctx.options.lock, now: () => ctx.now };
  for (const reconciler of ctx.options.reconcilers ?? RECONCILERS) {
    await isolated(summary, reconciler.failure, ctx.log, { reconciler: reconciler.name }, () => reconciler.run({ io, config, options: ctx.options }, summary));
  }
}

/** A sweep's summary before it has done anything. */
export function emptySummary(): SweepSummary {
  return {
    redeliveries: { failed: 0, redelivered: 0, exhausted: 0 },
    jobs: { rerun: 0 },
    checks: { evaluated: 0, rewritten: 0, deferred: 0 },
    backports: { missing: 0, fixed: 0, unresolved: 0, oldestUnresolvedSeconds: 0 },
    extra: { found: 0, fixed: 0 },
    repositories: 0,
    rateLimited: 0,
    requests: 0,
    failures: { redeliveries: 0, installations: 0, repositories: 0, pulls: 0, comments: 0, backports: 0, extra: 0 },
    errors: 0,
    durationMs: 0,
  };
}

export async function sweep(app: Probot, identity: IdentityProvider, options: SweepOptions = DEFAULT_SWEEP, now = new Date()): Promise<SweepSummary> {
  const started = Date.now();
  const counter = { requests: 0 };
  const summary = emptySummary();
  const log = app.log.child({ name: "sweep" });
  const me = await identity();
  const appOctokit = counted(await app.auth(), counter);

  if (options.rerunFailedJobs) {
    summary.jobs.rerun = (await isolated(summary, "redeliveries", log, { phase: "rerun failed jobs" }, options.rerunFailedJobs)) ?? 0;
    if (summary.jobs.rerun) log.info({ jobs: summary.jobs.rerun }, "sweep: queued again the jobs that had failed every attempt");
  }
  const cluster = options.cluster;
  const leading = cluster ? await cluster.coordinator.lead(cluster.round) : true;
  let units: RepoUnit[] = [];
  if (leading) {
    try {
      await redeliver(appOctokit, summary, log, options, now);
      units = await listRepositories(app, appOctokit, summary, log, counter);
    } finally {
      // Published even when listing failed, so the other replicas do not wait for it.
      if (cluster) await cluster.coordinator.publish(cluster.round, units);
    }
  }

  const clients = new Map<number, { octokit: Octokit; budget: Budget } | null>();
  const client = async (installationId: number) => {
    if (!clients.has(installationId)) {
      const budget: Budget = {};
      const reached = await isolated(summary, "installations", log, { installation: installationId }, async () => counted(await app.auth(installationId), counter, budget));
      clients.set(installationId, reached ? { octokit: reached, budget } : null);
    }
    return clients.get(installationId) ?? undefined;
  };
  const reserve = options.rateLimitReserve ?? 0.25;
  const next = cluster ? () => cluster.coordinator.take(cluster.round) : async () => units.shift();
  for (let unit = await next(); unit; unit = await next()) {
    const reached = await client(unit.installationId);
    if (!reached) continue;
    if (low(reached.budget, reserve)) {
      summary.rateLimited++;
      continue;
    }
    summary.repositories++;
    const repo = { owner: unit.owner, repo: unit.repo };
    const repoLog = log.child({ repo: `${repo.owner}/${repo.repo}` });
    await isolated(summary, "repositories", repoLog, {}, () => reconcileRepo(reached.octokit, { repo, htmlUrl: unit.htmlUrl, installationId: unit.installationId }, { me, log: repoLog, now, options }, summary));
  }
  if (summary.rateLimited) log.warn({ repositories: summary.rateLimited }, "sweep: rate limit below the reserve; these repositories wait for the next sweep");
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

/** Failed webhook deliveries are redelivered through GitHub (bounded). */
async function redeliver(appOctokit: Octokit, summary: SweepSummary, log: Logger, options: SweepOptions, now: Date): Promise<void> {
  const attempts = await isolated(summary, "redeliveries", log, { phase: "list deliveries" }, () => listDeliveries(appOctokit, now.getTime() - options.windowMs));
  const plan = planRedeliveries(attempts ?? [], now, { windowMs: options.windowMs, max: options.maxRedeliveries, maxAttempts: options.maxAttemptsPerDelivery });
  Object.assign(summary.redeliveries, { failed: plan.failed, exhausted: plan.exhausted });
  for (const d of plan.redeliver) {
    const done = await isolated(summary, "redeliveries", log, { guid: d.guid }, () => appOctokit.request("POST /app/hook/deliveries/{delivery_id}/attempts", { delivery_id: d.id }));
    if (done === undefined) continue;
    summary.redeliveries.redelivered++;
    log.info({ guid: d.guid, event: d.event, action: d.action }, "sweep: redelivered a failed webhook delivery");
  }
}

/** Every installation's repositories: what this round sweeps. */
async function listRepositories(app: Probot, appOctokit: Octokit, summary: SweepSummary, log: Logger, counter: { requests: number }): Promise<RepoUnit[]> {
  const units: RepoUnit[] = [];
  const installations = await isolated(summary, "installations", log, { phase: "list installations" }, () =>
    appOctokit.paginate(appOctokit.rest.apps.listInstallations, { per_page: 100 }),
  );
  for (const installation of installations ?? []) {
    // A suspended installation gets no token (403) and no work until it is unsuspended.
    if (installation.suspended_at) continue;
    const repos = await isolated(summary, "installations", log, { installation: installation.id }, async () => {
      const octokit = counted(await app.auth(installation.id), counter);
      return octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
    });
    for (const r of repos ?? []) {
      units.push({ installationId: installation.id, owner: r.owner.login, repo: r.name, htmlUrl: r.html_url || `https://github.com/${r.owner.login}/${r.name}` });
    }
  }
  return units;
}

/**
 * Runs the sweep now (`start`) and then every `intervalMinutes` (`interval`; 0: never repeats).
 * Returns a stopper.
 */
export function scheduleSweeps(run: (when: "start" | "interval") => Promise<unknown>, intervalMinutes: number, log: Logger): () => void {
  let running: Promise<unknown> | undefined;
  const tick = (when: "start" | "interval") => {
    if (running) return; // never two sweeps at once in one process
    running = run(when)
      .catch((error: unknown) => log.error({ err: error }, "sweep failed"))
      .finally(() => (running = undefined));
  };
  const first = setTimeout(() => tick("start"), 1000);
  first.unref();
  const every = intervalMinutes > 0 ? setInterval(() => tick("interval"), intervalMinutes * 60_000) : undefined;
  every?.unref();
  return () => {
    clearTimeout(first);
    if (every) clearInterval(every);
  };
}
