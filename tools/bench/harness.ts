/**
 * The bench's system: the GitHub twin in the bench process and branch-steward in its own
 * process (src/main.ts, as the image runs it), so the app's RSS is the app's alone.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, generatePrivateKey, SANDBOX_APP_ID, SANDBOX_INSTALLATION_ID } from "../sandbox/stack.js";
import { createClock, startTwin, type Twin } from "../twin/index.js";

const LAUNCHER = join(import.meta.dirname, "app-process.js");

/** The Node options the image runs the app with (the Dockerfile's `ENV NODE_OPTIONS`): the bench measures what ships. */
export const IMAGE_NODE_OPTIONS = /^ENV NODE_OPTIONS="?([^"\n]*)"?$/m.exec(readFileSync(join(import.meta.dirname, "../../../Dockerfile"), "utf8"))?.[1] ?? "";

export interface AppProcess {
  readonly pid: number;
  readonly webhookUrl: string;
  /** Resident set size of the app process, in MiB (Linux /proc). */
  rssMiB(): number;
  /** Jobs accepted and not finished, from the app's job counters. */
  pending(): Promise<number>;
  stop(): Promise<number | null>;
}

export interface System {
  readonly twin: Twin;
  readonly app: AppProcess;
  readonly privateKey: string;
  readonly webhookSecret: string;
  close(): Promise<void>;
}

export async function startApp(twin: Twin, keys: { privateKey: string; webhookSecret: string }, env: Record<string, string> = {}): Promise<AppProcess> {
  const port = await freePort();
  const { NODE_OPTIONS: _n, REDIS_URL: _r, ...rest } = process.env;
  const child: ChildProcess = spawn(process.execPath, [LAUNCHER], {
    env: {
      ...rest,
      NODE_ENV: "production",
      NODE_OPTIONS: IMAGE_NODE_OPTIONS,
      APP_ID: String(SANDBOX_APP_ID),
      PRIVATE_KEY: keys.privateKey,
      WEBHOOK_SECRET: keys.webhookSecret,
      GHE_HOST: new URL(twin.url).host,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "error",
      RECONCILE_INTERVAL_MINUTES: "0",
      WRITE_THROTTLE: "off",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr?.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const exit = new Promise<number | null>((resolve) => child.once("exit", resolve));
  for (let i = 0; ; i++) {
    if (await fetch(`http://127.0.0.1:${port}/ping`).then((r) => r.ok, () => false)) break;
    if (child.exitCode !== null || i > 200) throw new Error(`the app did not start:\n${err}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const pid = child.pid as number;
  let lastBusy: { n: number; at: number } | undefined;
  return {
    pid,
    webhookUrl: `http://127.0.0.1:${port}/api/github/webhooks`,
    rssMiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024,
    async pending() {
      // twin.idle polls every 5 ms: a busy answer is reused for 100 ms, so the probe does not load the app it measures.
      if (lastBusy && performance.now() - lastBusy.at < 100) return lastBusy.n;
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => "");
      let n = 0;
      for (const m of text.matchAll(/^branch_steward_jobs_total\{[^}]*outcome="(enqueued|completed|failed)"[^}]*\} (\d+)/gm)) n += (m[1] === "enqueued" ? 1 : -1) * Number(m[2]);
      lastBusy = n > 0 ? { n, at: performance.now() } : undefined;
      return n;
    },
    stop: async () => {
      child.kill("SIGTERM");
      return exit;
    },
  };
}

export async function startSystem(latencyMs: number, env: Record<string, string> = {}, rateLimit?: number): Promise<System> {
  const privateKey = generatePrivateKey();
  const webhookSecret = randomBytes(20).toString("hex");
  const twin = await startTwin({
    appId: SANDBOX_APP_ID,
    privateKey,
    webhookSecret,
    appSlug: "branch-steward",
    installationId: SANDBOX_INSTALLATION_ID,
    clock: createClock(new Date()),
    log: () => undefined,
    latencyMs,
    webhooks: { concurrency: 16, timeoutMs: 30_000 },
    ...(rateLimit ? { rateLimit } : {}),
  });
  const app = await startApp(twin, { privateKey, webhookSecret }, env);
  twin.setWebhookUrl(app.webhookUrl);
  twin.watch(() => app.pending());
  return {
    twin,
    app,
    privateKey,
    webhookSecret,
    async close() {
      await app.stop();
      await twin.close();
    },
  };
}

/** Requests GitHub counts against the rate limit: not a 304, not the token exchange. */
export const counted = (twin: Twin, from = 0) => twin.requests.slice(from).filter((r) => r.status !== 304 && !r.route?.includes("access_tokens"));

export const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
