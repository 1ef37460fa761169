/**
 * HTTP routes for operators, added through Probot's `addHandler`:
 *
 * - `GET /ping` is Probot's own liveness route (answers `PONG`); untouched.
 * - `GET /ready`: 200 once the app can authenticate as itself (`app.auth()` then `GET /app`),
 *   cached for `readyTtlMs`; 503 with a JSON reason otherwise (a wrong APP_ID or private key,
 *   GitHub unreachable). Configuration is validated at boot by src/env.ts, and production
 *   refuses to start with a bad one. In Probot's setup mode the app is not loaded: 404.
 * - `GET /metrics`: Prometheus text format from the dedicated registry in ./metrics.ts.
 *
 * It also counts webhook deliveries by event name and outcome.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApplicationFunctionOptions, Probot } from "probot";
import { httpStatus } from "../github/errors.js";
import { metrics as sharedMetrics, type Metrics } from "./metrics.js";

export type AddHandler = ApplicationFunctionOptions["addHandler"];

export interface ObservabilityOptions {
  readonly metrics?: Metrics;
  /** How long a successful readiness probe is trusted (default 30 s). */
  readonly readyTtlMs?: number;
  /** How long a failed probe is remembered, so a probe storm does not hammer GitHub (default 5 s). */
  readonly notReadyTtlMs?: number;
  /** Upper bound for one probe (default 5 s). */
  readonly probeTimeoutMs?: number;
  readonly now?: () => number;
}

export type Readiness = { readonly ready: true; readonly app: string; readonly checkedAt: string } | { readonly ready: false; readonly reason: string; readonly checkedAt: string };

/** Probes and caches "can this app authenticate as itself?". */
export function readinessProbe(probot: Probot, options: ObservabilityOptions = {}): () => Promise<Readiness> {
  const m = options.metrics ?? sharedMetrics;
  const now = options.now ?? Date.now;
  const okTtl = options.readyTtlMs ?? 30_000;
  const failTtl = options.notReadyTtlMs ?? 5_000;
  const timeoutMs = options.probeTimeoutMs ?? 5_000;
  let cached: { value: Readiness; until: number } | undefined;
  let inFlight: Promise<Readiness> | undefined;

  async function probe(): Promise<Readiness> {
    const checkedAt = new Date(now()).toISOString();
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer from GitHub within ${timeoutMs} ms`)), timeoutMs);
      });
      const check = (async () => {
        const octokit = await probot.auth();
        const { data } = await octokit.request("GET /app");
        return (data as { slug?: string } | null)?.slug ?? "app";
      })();
      const slug = await Promise.race([check, timeout]);
      return { ready: true, app: slug, checkedAt };
    } catch (error) {
      m.errors.inc({ source: "ready" });
      const status = httpStatus(error);
      const reason = status ? `GET /app answered ${status}: cannot authenticate as the app (check APP_ID and the private key)` : `cannot authenticate as the app: ${error instanceof Error ? error.message : String(error)}`;
      return { ready: false, reason: reason.slice(0, 300), checkedAt };
    } finally {
      clearTimeout(timer);
    }
  }

  return async () => {
    if (cached && cached.until > now()) return cached.value;
    inFlight ??= probe().then((value) => {
      cached = { value, until: now() + (value.ready ? okTtl : failTtl) };
      m.ready.set(value.ready ? 1 : 0);
      inFlight = undefined;
      return value;
    });
    return inFlight;
  };
}

function send(res: ServerResponse, status: number, contentType: string, body: string, head: boolean): void {
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
  res.end(head ? undefined : body);
}

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "") || "/";
  } catch {
    return "";
  }
}

/** The request handler for /ready and /metrics; answers false (not handled) for anything else. */
export function observabilityHandler(probot: Probot, options: ObservabilityOptions = {}) {
  const m = options.metrics ?? sharedMetrics;
  const readiness = readinessProbe(probot, options);
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const head = req.method === "HEAD";
    switch (pathOf(req)) {
      case "/ready": {
        const r = await readiness();
        send(res, r.ready ? 200 : 503, "application/json", JSON.stringify(r), head);
        return true;
      }
      case "/metrics":
        send(res, 200, m.registry.contentType, await m.registry.metrics(), head);
        return true;
      default:
        return false;
    }
  };
}

interface WebhooksLike {
  receive: (event: { name: string }) => Promise<void>;
  verifyAndReceive: (event: { name: string }) => Promise<void>;
}

const instrumented = new WeakSet<object>();

function isRejection(error: unknown): boolean {
  const inner = (error as { errors?: unknown[] }).errors ?? [error];
  return inner.every((e) => {
    const x = e as { status?: number; message?: string };
    return x.status === 400 && /signature does not match|Invalid JSON/.test(x.message ?? "");
  });
}

/**
 * Counts deliveries by event name and outcome: `ok` (every handler settled without error),
 * `error` (a handler threw; the delivery answers 500), `rejected` (bad signature or not JSON;
 * the event name is then unverified and recorded as `unverified`). Wraps the webhooks
 * instance's `receive`/`verifyAndReceive`, which the webhook endpoint and `probot.receive`
 * call. Deliveries the endpoint refuses itself (over 25 MB, bad signature, not a JSON object:
 * src/infra/webhook-guard.ts) never reach `receive` and are counted there as `rejected`.
 */
export function instrumentWebhooks(probot: Probot, m: Metrics = sharedMetrics): void {
  const webhooks = probot.webhooks as unknown as WebhooksLike | null;
  if (!webhooks || instrumented.has(webhooks)) return;
  instrumented.add(webhooks);
  const wrap = (fn: WebhooksLike["receive"], verify: boolean): WebhooksLike["receive"] =>
    async (event) => {
      const started = process.hrtime.bigint();
      // The event header is not covered by the signature: keep the label set bounded anyway.
      const name = typeof event?.name === "string" && /^[a-z_]{1,40}$/.test(event.name) ? event.name : "other";
      try {
        await fn(event);
        m.webhookEvents.inc({ event: name, outcome: "ok" });
        m.webhookDuration.observe({ event: name }, Number(process.hrtime.bigint() - started) / 1e9);
      } catch (error) {
        if (verify && isRejection(error)) {
          m.webhookEvents.inc({ event: "unverified", outcome: "rejected" });
        } else {
          m.webhookEvents.inc({ event: name, outcome: "error" });
          m.webhookDuration.observe({ event: name }, Number(process.hrtime.bigint() - started) / 1e9);
          m.errors.inc({ source: "webhook" });
        }
        throw error;
      }
    };
  webhooks.verifyAndReceive = wrap(webhooks.verifyAndReceive, true);
  webhooks.receive = wrap(webhooks.receive, false);
}

/**
 * Wires observability into an app: webhook counters always; the routes when the app runs in a
 * Probot server (`addHandler` throws "No server instance" for a bare `Probot`, e.g. in tests).
 */
export function registerObservability(probot: Probot, addHandler: AddHandler | undefined, options: ObservabilityOptions = {}): void {
  instrumentWebhooks(probot, options.metrics);
  if (typeof addHandler !== "function") return;
  try {
    addHandler(observabilityHandler(probot, options));
  } catch (error) {
    probot.log.debug({ err: error }, "no HTTP server: /ready and /metrics are not served");
  }
}
