/**
 * /ready, /metrics and the metrics themselves, against the real Probot server and the GitHub
 * twin (real JWT auth, real webhook signatures).
 */
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { RequestError } from "@octokit/request-error";
import { Octokit } from "@octokit/rest";
import { pino } from "pino";
import { Probot, ProbotOctokit, Server } from "probot";
import { Registry } from "prom-client";
import { createMetrics, metrics as sharedMetrics, statusClass, type Metrics } from "../../src/observability/metrics.js";
import { instrumentedOctokit } from "../../src/observability/octokit.js";
import { readinessProbe, registerObservability } from "../../src/observability/routes.js";
import { generatePrivateKey, SANDBOX_APP_ID, startStack, type Stack } from "../../tools/sandbox/stack.js";
import { seedRepository } from "../../tools/sandbox/story.js";
import { freePort, signedDelivery } from "./helpers.js";

async function value(m: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const hit = (metric?.values ?? []).find((v) => Object.entries(labels).every(([k, l]) => String((v.labels as Record<string, unknown>)[k]) === l));
  return hit?.value ?? 0;
}

/** A Probot server that only carries the observability part, with its own metrics. */
async function startObservedServer(stack: Stack, options: { privateKey?: string; metrics: Metrics }): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = new Server({
    Probot: Probot.defaults({
      appId: SANDBOX_APP_ID,
      privateKey: options.privateKey ?? stack.privateKey,
      secret: stack.webhookSecret,
      baseUrl: stack.twin.url,
      log: pino({ level: "silent" }),
      Octokit: instrumentedOctokit(ProbotOctokit, options.metrics),
    }),
    host: "127.0.0.1",
    port: await freePort(),
    log: pino({ level: "silent" }),
  });
  await server.load((probot, { addHandler }) => registerObservability(probot, addHandler, { metrics: options.metrics }));
  await server.start();
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop() };
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe("GET /ready", () => {
  it("is 200 once the app authenticates as itself, and caches the answer", async () => {
    const res = await fetch(`${stack.appUrl}/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ready: true, app: "branch-steward" });
    const appReads = () => stack.twin.requests.filter((r) => r.route === "GET /app").length;
    const before = appReads();
    for (let i = 0; i < 5; i++) expect((await fetch(`${stack.appUrl}/ready`)).status).toBe(200);
    expect(appReads()).toBe(before);
    expect((await fetch(`${stack.appUrl}/ready`, { method: "HEAD" })).status).toBe(200);
  });

  it("is 503 with a reason when the private key does not match the app", async () => {
    const m = createMetrics(new Registry());
    const app = await startObservedServer(stack, { privateKey: generatePrivateKey(), metrics: m });
    try {
      const res = await fetch(`${app.url}/ready`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { ready: boolean; reason: string };
      expect(body.ready).toBe(false);
      expect(body.reason).toMatch(/GET \/app answered 401/);
      expect(await value(m, "branch_steward_ready")).toBe(0);
      expect(await value(m, "branch_steward_github_requests_total", { method: "GET", status: "4xx" })).toBe(1);
    } finally {
      await app.stop();
    }
  });

  it("is 503 in Probot's setup mode (dummy credentials), without throwing", async () => {
    const probot = new Probot({ appId: 1, privateKey: "dummy value for setup, see #1512", log: pino({ level: "silent" }) });
    const probe = readinessProbe(probot, { metrics: createMetrics(new Registry()) });
    expect(await probe()).toMatchObject({ ready: false, reason: expect.stringMatching(/cannot authenticate/) });
  });

  it("retries a failure after the short TTL and trusts a success for the long one", async () => {
    let t = 0;
    let calls = 0;
    let fail = true;
    const probot = {
      auth: async () => ({
        request: async () => {
          calls++;
          if (fail) throw new RequestError("boom", 500, { request: { method: "GET", url: "/app", headers: {} } });
          return { data: { slug: "x" } };
        },
      }),
    } as unknown as Probot;
    const probe = readinessProbe(probot, { metrics: createMetrics(new Registry()), now: () => t, readyTtlMs: 30_000, notReadyTtlMs: 5_000 });
    expect((await Promise.all([probe(), probe(), probe()])).map((r) => r.ready)).toEqual([false, false, false]);
    expect(calls).toBe(1); // concurrent probes share one request
    t = 4_999;
    await probe();
    expect(calls).toBe(1);
    t = 5_000;
    fail = false;
    expect(await probe()).toMatchObject({ ready: true, app: "x" });
    t = 34_999;
    await probe();
    expect(calls).toBe(2);
    t = 35_000;
    await probe();
    expect(calls).toBe(3);
  });
});

describe("GET /metrics", () => {
  it("serves the Prometheus text format with every family, counting webhook deliveries by outcome", async () => {
    const ok = () => value(sharedMetrics, "branch_steward_webhook_events_total", { event: "pull_request", outcome: "ok" });
    const rejected = () => value(sharedMetrics, "branch_steward_webhook_events_total", { event: "unverified", outcome: "rejected" });
    const okBefore = await ok();
    const rejectedBefore = await rejected();

    const repo = seedRepository(stack.twin);
    repo.commit("feature/metrics", { message: "M", files: { "m.txt": "1\n" }, author: "alice", from: "development" });
    repo.openPR({ head: "feature/metrics", base: "development", title: "M", user: "alice" });
    await stack.twin.idle();
    const bad = await signedDelivery({ event: "pull_request", body: "{}", secret: "not-the-secret-at-all" });
    expect((await fetch(stack.webhookUrl, bad)).status).toBe(400);

    expect(await ok()).toBe(okBefore + 1);
    expect(await rejected()).toBe(rejectedBefore + 1);

    const res = await fetch(`${stack.appUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const family of [
      "webhook_events_total",
      "webhook_duration_seconds",
      "verdicts_total",
      "github_requests_total",
      "github_conditional_requests_total",
      "github_rate_limit_remaining",
      "sweep_fixes_total",
      "errors_total",
      "backports_pending_seconds",
      "backports_pending",
      "last_sweep_timestamp_seconds",
      "ready",
      "process_cpu_seconds_total",
    ]) {
      expect(text).toContain(`# TYPE branch_steward_${family} `);
    }
    expect(text).toMatch(/branch_steward_webhook_events_total\{event="pull_request",outcome="ok"\} \d+/);
    // Bounded labels: nothing about repositories, PRs or branches, except the cadence gauges, one
    // series per installed repository (the dashboard sets them; the README's alerts use them).
    const perRepository = /^branch_steward_(sync_age_seconds|development_ahead_commits|backport_oldest_pending_seconds)\{repository="[^"]+"\} /;
    const bounded = text.split("\n").filter((line) => !perRepository.test(line)).join("\n");
    expect(bounded).not.toMatch(/acme|forecast|feature\/metrics/);
  });

  it("lets other modules increment the shared metrics object", async () => {
    const before = await value(sharedMetrics, "branch_steward_verdicts_total", { conclusion: "failure" });
    sharedMetrics.verdicts.inc({ conclusion: "failure" });
    sharedMetrics.sweepFixes.inc({ kind: "check" });
    sharedMetrics.backportsPendingSeconds.set(120);
    expect(await value(sharedMetrics, "branch_steward_verdicts_total", { conclusion: "failure" })).toBe(before + 1);
    const text = await (await fetch(`${stack.appUrl}/metrics`)).text();
    expect(text).toContain('branch_steward_sweep_fixes_total{kind="check"}');
    expect(text).toContain("branch_steward_backports_pending_seconds 120");
    sharedMetrics.backportsPendingSeconds.set(0);
  });

  it("several metric sets coexist (a dedicated registry each, never the global one)", async () => {
    const a = createMetrics(new Registry());
    const b = createMetrics(new Registry());
    a.verdicts.inc({ conclusion: "success" });
    expect(await value(a, "branch_steward_verdicts_total", { conclusion: "success" })).toBe(1);
    expect(await value(b, "branch_steward_verdicts_total", { conclusion: "success" })).toBe(0);
    const { register } = await import("prom-client");
    expect(await register.getMetricsAsJSON()).toEqual([]);
  });
});

describe("instrumentedOctokit", () => {
  let api: HttpServer;
  let baseUrl: string;
  beforeAll(async () => {
    api = createHttpServer((req, res) => {
      const status = req.url?.startsWith("/missing") ? 404 : req.url?.startsWith("/broken") ? 502 : 200;
      res.writeHead(status, { "content-type": "application/json", "x-ratelimit-remaining": status === 200 ? "4321" : "4320", "x-ratelimit-resource": "core" });
      res.end(status === 200 ? "{}" : JSON.stringify({ message: "nope" }));
    });
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => api.close(resolve));
  });

  it("counts requests by method and status class and tracks the rate-limit headroom", async () => {
    const m = createMetrics(new Registry());
    const Instrumented = instrumentedOctokit(Octokit, m);
    const octokit = new Instrumented({ baseUrl, log: { debug() {}, info() {}, warn() {}, error() {} } });
    await octokit.request("GET /ok");
    expect(await value(m, "branch_steward_github_rate_limit_remaining", { resource: "core" })).toBe(4321);
    await octokit.request("POST /ok");
    await expect(octokit.request("GET /missing")).rejects.toMatchObject({ status: 404 });
    await expect(octokit.request("DELETE /broken")).rejects.toMatchObject({ status: 502 });
    expect(await value(m, "branch_steward_github_requests_total", { method: "GET", status: "2xx" })).toBe(1);
    expect(await value(m, "branch_steward_github_requests_total", { method: "POST", status: "2xx" })).toBe(1);
    expect(await value(m, "branch_steward_github_requests_total", { method: "GET", status: "4xx" })).toBe(1);
    expect(await value(m, "branch_steward_github_requests_total", { method: "DELETE", status: "5xx" })).toBe(1);
    expect(await value(m, "branch_steward_github_rate_limit_remaining", { resource: "core" })).toBe(4320);
    expect(await value(m, "branch_steward_errors_total", { source: "github" })).toBe(2);
  });

  it("keeps the class usable with ProbotOctokit's statics", () => {
    const Instrumented = instrumentedOctokit(ProbotOctokit.defaults({ throttle: { enabled: false } }), createMetrics(new Registry()));
    expect(typeof Instrumented.defaults).toBe("function");
    expect(typeof Instrumented.plugin).toBe("function");
  });

  it("classifies statuses", () => {
    expect([undefined, 0, 200, 304, 404, 502].map(statusClass)).toEqual(["network", "network", "2xx", "3xx", "4xx", "5xx"]);
  });
});
