/**
 * `npm run bench`, in sections:
 *
 * 1. the app in its own process (src/main.ts) against the twin at 200 ms latency: webhook ack
 *    latency per event type, counted (non-304) requests per action, and a push to development
 *    with 100 open PRs timed until all 100 verdicts are current (./scale.ts);
 * 2. the app process's RSS over 10,000 events (./scale.ts);
 * 3. sweep cost with 1 replica and with 3 (./scale.ts);
 * 4. ack throughput of the webhook endpoint in the bench process, relative to a bare Probot app
 *    with a no-op handler (the "× baseline" column): it measures verify + enqueue, not the work;
 * 5. pattern matching under hostile input; the command flood with `--flood` (minutes, throttle on).
 *
 * Options: --events N --concurrency C --latency MS (section 4), --rss-events N, --flood.
 */
import { scaleSections } from "./scale.js";
import { hostname, cpus, totalmem } from "node:os";
import { randomUUID } from "node:crypto";
import type { ApplicationFunction } from "probot";
import { startStack, type Stack } from "../sandbox/stack.js";
import { seedRepository } from "../sandbox/story.js";
import { signPayload } from "../twin/index.js";
import { benchPatterns } from "./patterns.js";

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg("events", 200);
const CONCURRENCY = arg("concurrency", 8);
const LATENCY = arg("latency", 10);

const noop: ApplicationFunction = (app) => {
  app.on("pull_request", async () => {});
};

interface Result {
  readonly label: string;
  readonly eventsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly readsPerEvent: number;
  readonly writesPerEvent: number;
  readonly peakRssMb: number;
  readonly failures: number;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function token(stack: Stack): Promise<string> {
  const { createAppAuth } = await import("@octokit/auth-app");
  const auth = createAppAuth({ appId: 1001, privateKey: stack.privateKey, request: undefined });
  const { token: jwt } = await auth({ type: "app" });
  const res = await fetch(`${stack.twin.url}/app/installations/1/access_tokens`, { method: "POST", headers: { authorization: `Bearer ${jwt}` } });
  return ((await res.json()) as { token: string }).token;
}

/** `pull_request.synchronize` payloads for the given PRs, built from the twin's REST answers. */
async function payloads(stack: Stack, numbers: number[]): Promise<string[]> {
  const auth = { authorization: `token ${await token(stack)}` };
  const get = async (path: string) => (await fetch(`${stack.twin.url}${path}`, { headers: auth })).json() as Promise<Record<string, unknown>>;
  const repository = await get("/repos/acme/forecast");
  const out: string[] = [];
  for (const n of numbers) {
    const pull_request = await get(`/repos/acme/forecast/pulls/${n}`);
    out.push(JSON.stringify({ action: "synchronize", number: n, pull_request, repository, installation: { id: 1 }, sender: { login: "alice", id: 1, type: "User" } }));
  }
  return out;
}

async function send(stack: Stack, bodies: string[], concurrency = CONCURRENCY): Promise<{ latencies: number[]; seconds: number; failures: number }> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++] as string;
      const t0 = performance.now();
      const res = await fetch(stack.webhookUrl, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-github-event": "pull_request",
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": await signPayload(stack.webhookSecret, body),
        },
      });
      await res.arrayBuffer();
      if (!res.ok) failures++;
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, seconds: (performance.now() - started) / 1000, failures };
}

/**
 * warm: N distinct feature PRs, each already evaluated once, re-delivered unchanged;
 * warm-sync: the one sync PR (gated), re-delivered unchanged, one event at a time;
 * burst: N events for one PR at once (evaluations queued for one PR are coalesced);
 * cold: N new feature PRs, first evaluation.
 */
type Case = "warm" | "cold" | "warm-sync" | "burst";

async function measure(label: string, app: ApplicationFunction | undefined, kind: Case): Promise<Result> {
  const cold = kind === "cold";
  const distinct = kind === "cold" || kind === "warm";
  const stack = await startStack({ ...(app ? { app } : {}), twin: { latencyMs: LATENCY } });
  try {
    const repo = seedRepository(stack.twin);
    stack.twin.setOnline(false); // seeding must not warm anything up
    if (kind === "warm-sync") repo.commit("development", { message: "Feature", files: { "f.txt": "1\n" }, author: "alice" });
    const prs = Array.from({ length: distinct ? EVENTS : 1 }, (_, i) => {
      if (kind === "warm-sync") return repo.openPR({ head: "development", base: "production", title: "Sync", user: "carol" });
      repo.commit(`feature/bench-${i}`, { message: `Bench ${i}`, files: { [`bench/${i}.txt`]: `${i}\n` }, author: "alice", from: "development" });
      return repo.openPR({ head: `feature/bench-${i}`, base: "development", title: `Bench ${i}`, user: "alice" });
    });
    await stack.twin.idle({ timeoutMs: 120_000 });
    stack.twin.setOnline(true);
    let bodies = await payloads(stack, prs);
    if (!cold) {
      await send(stack, bodies); // the first evaluation writes the check and the comment
      await stack.twin.idle({ timeoutMs: 120_000 });
      if (!distinct) bodies = Array.from({ length: EVENTS }, () => bodies[0] as string);
    }
    const before = stack.twin.requests.length;
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const { latencies, seconds, failures } = await send(stack, bodies, kind === "warm-sync" ? 1 : CONCURRENCY);
    clearInterval(sampler);
    await stack.twin.idle({ timeoutMs: 120_000 }); // the work goes on after the acks
    const made = stack.twin.requests.slice(before).filter((r) => !r.route?.includes("access_tokens"));
    latencies.sort((a, b) => a - b);
    return {
      label,
      eventsPerSecond: EVENTS / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      readsPerEvent: made.filter((r) => !r.write).length / EVENTS,
      writesPerEvent: made.filter((r) => r.write).length / EVENTS,
      peakRssMb: peak / 2 ** 20,
      failures,
    };
  } finally {
    await stack.close();
  }
}

await scaleSections({ rssEvents: arg("rss-events", 10_000), only: process.argv.includes("--only-scale") });
if (process.argv.includes("--only-scale")) process.exit(0);

const results: Result[] = [];
for (const [label, app, kind] of [
  ["baseline: bare Probot, no-op handler", noop, "warm"],
  ["branch-steward, warm: unchanged feature PRs", undefined, "warm"],
  ["branch-steward, warm: unchanged sync PR (gated), one at a time", undefined, "warm-sync"],
  ["branch-steward, burst: all events for one PR", undefined, "burst"],
  ["branch-steward, cold feature PR (new PR each event)", undefined, "cold"],
] as const) {
  results.push(await measure(label, app, kind));
}

const baseline = results[0] as Result;
const f = (n: number, d = 1) => n.toFixed(d);
console.log(`\nack throughput in the bench process — ${EVENTS} events, concurrency ${CONCURRENCY}, twin latency ${LATENCY} ms`);
console.log("(the app answers once a delivery is queued: events/s and ack latency measure the webhook endpoint, verify + enqueue, against a bare Probot app whose handler does nothing; reads/writes per event count the work done before the next case)");
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${f(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}, host ${hostname()}\n`);
console.log("| case | acks/s | × baseline (bare Probot, no-op) | ack p50 ms | ack p99 ms | GitHub reads/event | writes/event | bench process peak RSS MiB | failed |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of results) {
  console.log(
    `| ${r.label} | ${f(r.eventsPerSecond)} | ${f(r.eventsPerSecond / baseline.eventsPerSecond, 2)} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.readsPerEvent, 2)} | ${f(r.writesPerEvent, 2)} | ${f(r.peakRssMb, 0)} | ${r.failures} |`,
  );
}
benchPatterns();
/**
 * Command flood (write throttle ON, as in production): 30 `/branch-steward recheck` comments on
 * one PR, and at the same moment a new PR elsewhere. How long until the new PR's check exists,
 * and what the flood wrote. Against "no flood" in the same run.
 */
async function commandFloodSection(): Promise<void> {
  const FLOOD = 30;
  const cases = [
    ["no flood", null],
    [`${FLOOD} × recheck from a read-only user`, "dave"],
    [`${FLOOD} × recheck from a writer`, "bob"],
  ] as const;
  const rows: string[] = [];
  for (const [label, user] of cases) {
    const stack = await startStack({ throttle: true, twin: { latencyMs: LATENCY, webhooks: { concurrency: FLOOD + 4, timeoutMs: 300_000 } } });
    try {
      const repo = seedRepository(stack.twin);
      repo.commit("feature/flooded", { message: "Flooded", files: { "flooded.txt": "1\n" }, author: "alice", from: "development" });
      const flooded = repo.openPR({ head: "feature/flooded", base: "development", title: "Flooded", user: "alice" });
      await stack.twin.idle({ timeoutMs: 60_000 });
      const sha = repo.commit("feature/other", { message: "Other", files: { "other.txt": "1\n" }, author: "alice", from: "development" });
      const before = stack.twin.requests.length;
      const started = performance.now();
      for (let i = 0; user && i < FLOOD; i++) repo.comment(flooded, user, "/branch-steward recheck");
      repo.openPR({ head: "feature/other", base: "development", title: "Other", user: "alice" });
      while (!repo.checkRuns(sha).some((r) => r.name === "branch-steward / development")) {
        if (performance.now() - started > 300_000) throw new Error(`command flood (${label}): the other PR's check was not written within 300 s`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const checkSeconds = (performance.now() - started) / 1000;
      // Drained: no request for 4 s (Probot's queues space writes ≤ 3 s apart; twin.idle cannot see them).
      let seen = stack.twin.requests.length;
      let last = performance.now();
      while (performance.now() - last < 4000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (stack.twin.requests.length !== seen) [seen, last] = [stack.twin.requests.length, performance.now()];
      }
      const drained = (last - started) / 1000;
      const writes = stack.twin.requests.slice(before).filter((r) => r.write && !r.route?.includes("access_tokens"));
      const onFlooded = writes.filter((r) => r.path.includes(`/issues/${flooded}/`) || r.path.includes("/issues/comments/")).length;
      const replies = repo.comments(flooded).filter((c) => c.user === "branch-steward[bot]" && !c.body.startsWith("<!-- branch-steward -->")).length;
      rows.push(`| ${label} | ${f(checkSeconds)} | ${f(drained)} | ${onFlooded} | ${replies} |`);
    } finally {
      await stack.close();
    }
  }
  console.log(`\ncommand flood — write throttle on, twin latency ${LATENCY} ms\n`);
  console.log("| case | other PR's check written after s | all work drained after s | writes on the flooded PR | bot replies on it |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const row of rows) console.log(row);
}
if (process.argv.includes("--flood")) await commandFloodSection();
process.exit(results.some((r) => r.failures > 0) ? 1 : 0);
