/**
 * The whole system on one machine: the GitHub twin and the real branch-steward server
 * (Probot's Server, real webhook signature verification, real JWT → installation-token auth
 * against the twin). Used by `npm run sandbox`, the scenario tests and `npm run bench`.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type AddressInfo } from "node:net";
import { pino, type Logger } from "pino";
import { Probot, ProbotOctokit, Server, type ApplicationFunction } from "probot";
import { createApp, queueOf, sweepOptionsOf, type QueueSettings } from "../../src/index.js";
import { withConditionalRequests } from "../../src/github/conditional-requests.js";
import { withCourtesyGate } from "../../src/github/courtesy-gate.js";
import { appIdentity, type IdentityProvider } from "../../src/github/identity.js";
import { createEtagStore } from "../../src/infra/etag-cache.js";
import { RECONCILERS, sweep, type SweepOptions, type SweepSummary } from "../../src/reconcile/sweep.js";
import { createClock, startTwin, type Twin, type TwinOptions } from "../twin/index.js";

export const SANDBOX_APP_ID = 1001;
export const SANDBOX_INSTALLATION_ID = 1;

export interface Stack {
  readonly twin: Twin;
  readonly appUrl: string;
  readonly webhookUrl: string;
  readonly webhookSecret: string;
  readonly privateKey: string;
  /** Runs one reconciliation sweep in the app, as the schedule or POST /admin/reconcile would. */
  sweep(options?: Partial<SweepOptions>): Promise<SweepSummary>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** The app under test; the default is branch-steward. */
  readonly app?: ApplicationFunction;
  readonly logLevel?: "silent" | "fatal" | "error" | "warn" | "info" | "debug";
  readonly log?: Logger;
  readonly twin?: Partial<TwinOptions>;
  /** Probot spaces writes one second apart; the twin has no secondary limits to protect. */
  readonly throttle?: boolean;
  /** Redis for the app's work lock (none by default). */
  readonly redisUrl?: string;
  /** Base of octokit's retry backoff (1000 ms in production: retries after 1 s, 4 s, 9 s). */
  readonly retryBaseMs?: number;
  /** Conditional requests (ETags), on as in src/main.ts; off measures the app without them. */
  readonly conditionalRequests?: boolean;
  /** The app's job queue (default: in process, retries after 100 ms, 200 ms, …); `inline` runs handlers in the request. */
  readonly queue?: "inline" | QueueSettings;
  /** The dashboard issue (events and the sweep's reconciler); on by default, as in the app. */
  readonly dashboards?: boolean;
}

export function generatePrivateKey(): string {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
}

/** Probot's Server treats port 0 as "unset" (3000): ask the OS for a free port instead. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const privateKey = generatePrivateKey();
  const webhookSecret = randomBytes(20).toString("hex");
  const log = options.log ?? pino({ level: options.logLevel ?? "silent" });
  const twin = await startTwin({
    appId: SANDBOX_APP_ID,
    privateKey,
    webhookSecret,
    appSlug: "branch-steward",
    installationId: SANDBOX_INSTALLATION_ID,
    clock: createClock(new Date()),
    log: (message) => log.warn({ source: "twin" }, message),
    ...options.twin,
  });
  const Octokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({
    ...o,
    ...(options.throttle ? {} : { throttle: { ...(o.throttle as object), enabled: false } }),
    ...(options.retryBaseMs !== undefined ? { retry: { ...(o.retry as object), retryAfterBaseValue: options.retryBaseMs } } : {}),
  }));
  // The ETag cache, shared through Redis when the stack has one, as in src/main.ts.
  const etags = options.conditionalRequests === false ? undefined : await createEtagStore({ redisUrl: options.redisUrl, log });
  const Client = etags ? withConditionalRequests(withCourtesyGate(Octokit), { store: etags }) : withCourtesyGate(Octokit);
  const server = new Server({
    Probot: Probot.defaults({ appId: SANDBOX_APP_ID, privateKey, secret: webhookSecret, baseUrl: twin.url, log, Octokit: Client }),
    host: "127.0.0.1",
    port: await freePort(),
    log,
  });
  let probot: Probot | undefined;
  let identity: IdentityProvider | undefined;
  // The stack's app never inherits REDIS_URL or a sweep schedule from the environment.
  const app = options.app ?? createApp({ redisUrl: options.redisUrl, sweepMinutes: 0, queue: options.queue ?? { backoffMs: 100 }, dashboards: options.dashboards ?? true });
  const reconcilers = options.dashboards === false ? RECONCILERS.filter((r) => r.name !== "dashboard") : RECONCILERS;
  await server.load((p, o) => {
    probot = p;
    return app(p, o);
  });
  await server.start();
  const appUrl = `http://127.0.0.1:${server.port}`;
  const webhookUrl = `${appUrl}/api/github/webhooks`;
  twin.setWebhookUrl(webhookUrl);
  // Deliveries are answered once queued: twin.idle() also waits for the app's jobs.
  const queue = probot ? queueOf(probot) : undefined;
  if (queue) twin.watch(() => queue.pending());
  return {
    twin,
    appUrl,
    webhookUrl,
    webhookSecret,
    privateKey,
    async sweep(overrides = {}) {
      if (!probot) throw new Error("the app is not loaded");
      identity ??= appIdentity(probot); // one per app, as the app's own schedule has
      return sweep(probot, identity, { ...sweepOptionsOf(probot), reconcilers, ...overrides });
    },
    async close() {
      await server.stop();
      await queue?.close(5_000);
      await twin.close();
      await etags?.close();
    },
  };
}
