/**
 * branch-steward: the Probot app function. It wires webhook events to handlers; every
 * decision lives in src/policy, every GitHub call in src/github, every text in src/render.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApplicationFunction, ApplicationFunctionOptions, Probot } from "probot";
import { appIdentity, type IdentityProvider } from "./github/identity.js";
import type { HandlerDeps } from "./handlers/event.js";
import { DASHBOARD_ROUTES, HANDLERS, type Route } from "./handlers/index.js";
import { deliveryJob, describeJob, evaluateJobs, jobRunner, type Work } from "./handlers/jobs.js";
import { createBullQueue } from "./infra/queue-bullmq.js";
import { createMemoryQueue, type JobQueue, type QueueOptions } from "./infra/queue.js";
import { createMemoryCoordinator, createRedisCoordinator, roundOf } from "./infra/sweep-coordinator.js";
import { guardWebhooks } from "./infra/webhook-guard.js";
import { createWorkLock, type WorkLock } from "./infra/work-lock.js";
import { requireAdminToken } from "./observability/admin.js";
import { metrics } from "./observability/metrics.js";
import { registerObservability } from "./observability/routes.js";
import { DEFAULT_SWEEP, scheduleSweeps, sweep, type SweepOptions } from "./reconcile/sweep.js";

/** The sweep with every reconciler: deliveries, checks, backports and releases. */
export const FULL_SWEEP: SweepOptions = DEFAULT_SWEEP;

const locks = new WeakMap<Probot, WorkLock>();
/** The work lock the app function created for this Probot instance (the sweep shares it). */
export const workLockOf = (probot: Probot): WorkLock | undefined => locks.get(probot);

/** The sweep's options for this app: its work lock, and its queue's failed jobs to run again. */
export function sweepOptionsOf(probot: Probot): SweepOptions {
  const queue = queues.get(probot);
  return { ...FULL_SWEEP, lock: locks.get(probot), ...(queue ? { rerunFailedJobs: () => queue.rerunFailed() } : {}) };
}

export function sweepNow(probot: Probot, identity: IdentityProvider) {
  return sweep(probot, identity, sweepOptionsOf(probot));
}

/** `POST /admin/reconcile` (Bearer ADMIN_TOKEN): run a sweep now and answer its summary. */
function adminRoutes(probot: Probot, identity: IdentityProvider, addHandler: ApplicationFunctionOptions["addHandler"] | undefined): void {
  if (!addHandler) return;
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== "POST" || req.url?.split("?")[0] !== "/admin/reconcile") return false;
    if (!requireAdminToken(req, res, process.env.ADMIN_TOKEN)) return true;
    try {
      const summary = await sweepNow(probot, identity);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(summary));
    } catch (error) {
      probot.log.error({ err: error }, "admin sweep failed");
      res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: "sweep failed; see the logs" }));
    }
    return true;
  };
  try {
    addHandler(handler);
  } catch {
    // A Probot without a server (tests that call probot.receive) has no routes to add.
  }
}

const INSTALLATION_EVENTS: ReadonlySet<string> = new Set(["installation", "installation_repositories"]);

type AnyContext = { payload: unknown; name: string; id: string; log: Probot["log"] };

/** Payloads without a repository or installation are malformed for us: logged and ignored, never a crash. */
function guarded<C extends AnyContext>(handler: (context: C) => Promise<void>): (context: C) => Promise<void> {
  return async (context) => {
    const payload = context.payload as { repository?: { name?: unknown; owner?: { login?: unknown } }; installation?: { id?: unknown } } | null;
    // Installation events name their repositories in `repositories` / `repositories_added` instead.
    const repositoryOk = INSTALLATION_EVENTS.has(context.name) || (typeof payload?.repository?.name === "string" && typeof payload.repository.owner?.login === "string");
    const ok = repositoryOk && typeof payload?.installation?.id === "number";
    if (!ok) {
      context.log.warn({ delivery: context.id, event: context.name }, "ignored: payload without repository or installation");
      return;
    }
    await handler(context);
  };
}

/** Sweeps run every RECONCILE_INTERVAL_MINUTES (default 10 in production, off elsewhere; 0 turns them off). */
function sweepInterval(): number {
  const raw = process.env.RECONCILE_INTERVAL_MINUTES;
  if (raw !== undefined && raw !== "") return Number(raw);
  return process.env.NODE_ENV === "production" ? 10 : 0;
}

/** The job queue's knobs (see src/infra/queue.ts for the defaults). */
export interface QueueSettings {
  /** Concurrent jobs per installation per process (default 16: each runs its requests one after another, well within GitHub's 100 concurrent requests). */
  readonly concurrency?: number;
  /** Attempts per job (default 5). */
  readonly attempts?: number;
  /** First retry delay, doubled on each retry (default 1000 ms). */
  readonly backoffMs?: number;
  /** With Redis: how long before a killed replica's job is run elsewhere (default 30 s). */
  readonly lockMs?: number;
}

export interface AppOptions {
  /** Redis for the cross-replica work lock and the job queue; default REDIS_URL (read when the app loads). */
  readonly redisUrl?: string | undefined;
  /** Minutes between sweeps; default RECONCILE_INTERVAL_MINUTES (10 in production, else 0). */
  readonly sweepMinutes?: number;
  /**
   * `inline`: handlers run inside the webhook request, as Probot does (handler tests that assert
   * right after `probot.receive`). Default: the job queue (on Redis with `redisUrl`).
   */
  readonly queue?: "inline" | QueueSettings;
  /** Keep the dashboard issue current on events (default true); handler tests that mock every request turn it off. */
  readonly dashboards?: boolean;
}

const queues = new WeakMap<Probot, JobQueue<Work>>();
const openQueues = new Set<JobQueue<Work>>();
/** The job queue the app function created for this Probot instance (none in inline mode). */
export const queueOf = (probot: Probot): JobQueue<Work> | undefined => queues.get(probot);

/**
 * Shutdown: every queue of this process stops taking jobs and lets running ones finish within
 * `graceMs`. Returns how many were left unfinished (on Redis they stay queued for the others).
 */
export async function drainQueues(graceMs: number): Promise<number> {
  const left = await Promise.all([...openQueues].map((q) => q.close(graceMs)));
  openQueues.clear();
  return left.reduce((a, b) => a + b, 0);
}

async function createJobQueue(probot: Probot, deps: HandlerDeps, routes: readonly Route[], redisUrl: string | undefined, settings: QueueSettings): Promise<JobQueue<Work>> {
  const runner = jobRunner(probot, deps, routes);
  const options: QueueOptions<Work> = {
    ...settings,
    run: async (work) => {
      const stop = metrics.jobDuration.startTimer({ kind: work.kind });
      try {
        await runner(work);
        metrics.jobs.inc({ kind: work.kind, outcome: "completed" });
      } finally {
        stop();
      }
    },
    onRetry: (job, error, delayMs) => {
      metrics.jobs.inc({ kind: job.data.kind, outcome: "retried" });
      probot.log.warn({ ...describeJob(job.data), err: error, retryInMs: delayMs }, "job failed; it runs again after a backoff");
    },
    onFailed: (job, error) => {
      metrics.jobs.inc({ kind: job.data.kind, outcome: "failed" });
      metrics.errors.inc({ source: "job" });
      probot.log.error({ ...describeJob(job.data), err: error }, "job failed every attempt; the reconcile sweep repairs what it would have done");
    },
  };
  const created = redisUrl ? await createBullQueue({ ...options, redisUrl }) : createMemoryQueue(options);
  const queue: JobQueue<Work> = {
    ...created,
    close: (graceMs) => {
      openQueues.delete(queue);
      return created.close(graceMs);
    },
  };
  queues.set(probot, queue);
  openQueues.add(queue);
  return queue;
}

/** The app function, with its environment made explicit (tests and the sandbox pass their own). */
export const createApp = (appOptions: AppOptions = {}): ApplicationFunction => async (probot, options) => {
  registerObservability(probot, options?.addHandler); // /ready, /metrics, webhook counters
  guardWebhooks(probot); // the webhook endpoint: 25 MB cap, one warn per forged delivery, objects only
  const identity = appIdentity(probot);
  // Work that races is serialized per key: in this process always, across replicas with REDIS_URL.
  const redisUrl = "redisUrl" in appOptions ? appOptions.redisUrl : process.env.REDIS_URL;
  const lock: WorkLock = await createWorkLock({ redisUrl, log: probot.log });
  locks.set(probot, lock);
  const routes = appOptions.dashboards === false ? HANDLERS.filter((r) => !DASHBOARD_ROUTES.includes(r)) : HANDLERS;
  if (appOptions.queue === "inline") {
    for (const route of routes) probot.on([...route.events], guarded((context) => route.run(context, { identity, lock })));
  } else {
    // Work leaves the request path: a verified delivery becomes a job, and the endpoint answers.
    const enqueue = async (work: ReturnType<typeof deliveryJob>) => {
      await queue.enqueue(work);
      metrics.jobs.inc({ kind: work.data.kind, outcome: "enqueued" });
    };
    const deps: HandlerDeps = {
      identity,
      lock,
      fanOut: async (target, pulls, config, why) => {
        for (const job of evaluateJobs(target, pulls, config, why)) await enqueue(job);
      },
    };
    const queue = await createJobQueue(probot, deps, routes, redisUrl, appOptions.queue ?? {});
    const events = [...new Set(routes.flatMap((route) => route.events))];
    probot.on(events, guarded((context) => enqueue(deliveryJob(context))));
  }
  adminRoutes(probot, identity, options?.addHandler);
  const interval = appOptions.sweepMinutes ?? sweepInterval();
  if (interval > 0) {
    // One sweep per cluster and interval: replicas sharing REDIS_URL share each round (src/infra/sweep-coordinator.ts).
    const intervalMs = interval * 60_000;
    const coordinator = redisUrl ? await createRedisCoordinator({ redisUrl, ttlMs: intervalMs }) : createMemoryCoordinator();
    scheduleSweeps(
      // The start-up sweep has a round of its own: replicas that start together (a deploy) share it.
      (when) => sweep(probot, identity, { ...sweepOptionsOf(probot), cluster: { coordinator, round: `${when}-${roundOf(Date.now(), intervalMs)}` } }),
      interval,
      probot.log,
    );
  }
};

export default createApp();
