/**
 * Production entry point (the Docker image runs `node lib/main.js`): Probot's server with the
 * app loaded, plus what Probot lacks:
 *
 * - the environment is validated first (src/env.ts): in production a missing APP_ID, private
 *   key or real WEBHOOK_SECRET stops the process with one message listing every problem;
 * - a redacting logger (src/observability/log.ts) and instrumented Octokit (GitHub request and
 *   rate-limit metrics, src/observability/octokit.ts);
 * - graceful shutdown: on SIGTERM or SIGINT it stops accepting connections, lets the job queue's
 *   running jobs finish (bounded by SHUTDOWN_GRACE_MS; on Redis, queued jobs stay for the other
 *   replicas or the next start), and exits 0.
 *
 * The webhook endpoint itself (25 MB cap, signature, JSON object) is installed by the app
 * function (src/infra/webhook-guard.ts), so `probot run ./lib/index.js` serves the same one.
 *
 * Without APP_ID and a private key outside production, it serves the setup page (src/setup/),
 * which registers the app on GitHub from app.yml (the manifest flow) and writes `.env`.
 */
import { existsSync } from "node:fs";
import { ProbotOctokit, run } from "probot";
import { formatProblems, validateEnv } from "./env.js";
import { withConditionalRequests } from "./github/conditional-requests.js";
import { withCourtesyGate } from "./github/courtesy-gate.js";
import app, { drainQueues } from "./index.js";
import { createAppLogger, logOptionsFromEnv } from "./observability/log.js";
import { instrumentedOctokit } from "./observability/octokit.js";
import { startSetup } from "./setup/server.js";

// .env (written by the setup page) counts as environment; variables already set win.
if (existsSync(".env")) process.loadEnvFile(".env");
const env = validateEnv(process.env);
if (!env.ok) {
  console.error(formatProblems(env));
  process.exit(1);
}

const log = await createAppLogger(logOptionsFromEnv(process.env));
if (env.problems.length) log.warn(formatProblems(env));

const SHUTDOWN_GRACE_MS = env.config.shutdownGraceMs;

// Probot spaces writes one second apart per installation, which protects GitHub's secondary
// limits. WRITE_THROTTLE=off lifts that for load tests against the GitHub twin only.
const throttleOff = process.env.WRITE_THROTTLE === "off";
if (throttleOff) log.warn("WRITE_THROTTLE=off: GitHub writes are not spaced; use this against the twin only");
const Octokit = throttleOff
  ? ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, throttle: { ...(o.throttle as object), enabled: false } }))
  : ProbotOctokit;
// Without credentials (never in production: validateEnv stopped above), our setup page registers the app.
const setupMode = env.config.appId === undefined || !env.config.hasPrivateKey;
const server = setupMode
  ? await startSetup({ env: env.config.setup, log, host: env.config.host, port: env.config.port })
  : await run(app, { log, Octokit: withConditionalRequests(withCourtesyGate(instrumentedOctokit(Octokit)), { redisUrl: process.env.REDIS_URL, log }) });
let stopping = false;

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info(`received ${signal}; draining`);
  const deadline = setTimeout(() => {
    log.error(`in-flight work did not finish within ${SHUTDOWN_GRACE_MS} ms; exiting`);
    process.exit(1);
  }, SHUTDOWN_GRACE_MS);
  deadline.unref();
  // server.stop() closes the listener (Node ≥ 19 also closes idle keep-alive sockets) and
  // resolves once open requests, whose webhook handlers are still running, have finished.
  const started = Date.now();
  await server.stop();
  // Deliveries are answered once queued: the work itself drains here.
  const left = await drainQueues(Math.max(0, SHUTDOWN_GRACE_MS - (Date.now() - started) - 250));
  if (left > 0) log.warn({ jobs: left }, "jobs still running at the end of the grace period; the reconcile sweep (or another replica) finishes them");
  else log.info("job queue drained");
  log.info("stopped");
  process.exit(0);
}

process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
