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
import { metrics } from "../observability/metrics.js";
import { backports } from "./backports.js";
import { checks } from "./checks.js";
import { dashboards } from "./dashboard.js";
import { planRedeliveries, type DeliveryAttempt } from "./plan.js";
import { isolated, type Reconciler, type SweepOptions, type SweepSummary } from "./reconciler.js";
import { releases } from "./releases.js";

export type { Reconciler, RepoSweep, SweepFailure, SweepOptions, SweepSummary } from "./reconciler.js";

/** What the sweep repairs on every repository, in this order. */
export const RECONCILERS: readonly Reconciler[] = [checks, backports, releases, dashboards];

export const DEFAULT_SWEEP: SweepOptions = {
  windowMs: 6 * 3600_000,
  maxRedeliveries: 50,
  maxAttemptsPerDelivery: 3,
  maxPullsPerRepo: 100,
};

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
    checks: { evaluated: 0, rewritten: 0, deferred: 0 },
    backports: { missing: 0, fixed: 0, unresolved: 0, oldestUnresolvedSeconds: 0 },
    extra: { found: 0, fixed: 0 },
    repositories: 0,
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
      const htmlUrl = r.html_url || `https://github.com/${repo.owner}/${repo.repo}`;
      await isolated(summary, "repositories", repoLog, {}, () => reconcileRepo(octokit, { repo, htmlUrl, installationId: installation.id }, { me, log: repoLog, now, options }, summary));
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
