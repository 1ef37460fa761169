/**
 * branch-steward: the Probot app function. It wires webhook events to handlers; every
 * decision lives in src/policy, every GitHub call in src/github, every text in src/render.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApplicationFunction, ApplicationFunctionOptions, Probot } from "probot";
import { appIdentity, type IdentityProvider } from "./github/identity.js";
import { DASHBOARD_ROUTES, HANDLERS } from "./handlers/index.js";
import { guardWebhooks } from "./infra/webhook-guard.js";
import { createWorkLock, type WorkLock } from "./infra/work-lock.js";
import { requireAdminToken } from "./observability/admin.js";
import { registerObservability } from "./observability/routes.js";
import { DEFAULT_SWEEP, scheduleSweeps, sweep, type SweepOptions } from "./reconcile/sweep.js";

/** The sweep with every reconciler: deliveries, checks, backports and releases. */
export const FULL_SWEEP: SweepOptions = DEFAULT_SWEEP;

const locks = new WeakMap<Probot, WorkLock>();
/** The work lock the app function created for this Probot instance (the sweep shares it). */
export const workLockOf = (probot: Probot): WorkLock | undefined => locks.get(probot);

export function sweepNow(probot: Probot, identity: IdentityProvider) {
  return sweep(probot, identity, { ...FULL_SWEEP, lock: locks.get(probot) });
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

type AnyContext = { payload: unknown; name: string; id: string; log: Probot["log"] };

/** Payloads without a repository or installation are malformed for us: logged and ignored, never a crash. */
function guarded<C extends AnyContext>(handler: (context: C) => Promise<void>): (context: C) => Promise<void> {
  return async (context) => {
    const payload = context.payload as { repository?: { name?: unknown; owner?: { login?: unknown } }; installation?: { id?: unknown } } | null;
    const ok = typeof payload?.repository?.name === "string" && typeof payload.repository.owner?.login === "string" && typeof payload.installation?.id === "number";
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

export interface AppOptions {
  /** Redis for the cross-replica work lock; default REDIS_URL (read when the app loads). */
  readonly redisUrl?: string | undefined;
  /** Minutes between sweeps; default RECONCILE_INTERVAL_MINUTES (10 in production, else 0). */
  readonly sweepMinutes?: number;
  /** Keep the dashboard issue current on events (default true); handler tests that mock every request turn it off. */
  readonly dashboards?: boolean;
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
  for (const route of routes) probot.on([...route.events], guarded((context) => route.run(context, { identity, lock })));
  adminRoutes(probot, identity, options?.addHandler);
  const interval = appOptions.sweepMinutes ?? sweepInterval();
  if (interval > 0) scheduleSweeps(() => sweepNow(probot, identity), interval, probot.log);
};

export default createApp();
