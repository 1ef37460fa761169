/**
 * The bench sections with the app in its own process (see ./harness.ts):
 *
 * - ack latency per event type and counted requests per action, at 200 ms twin latency;
 * - a push to development with 100 open PRs, timed until all 100 verdicts are current;
 * - RSS of the app process over N events (sampled, so "flat" can be seen);
 * - sweep cost with 1 replica and with 3 sharing a round (in process; with Redis in the tests).
 *
 * "Counted" requests are those GitHub counts against the rate limit: every answer but a 304
 * (conditional requests cost nothing), and not the installation-token exchange.
 */
import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { withConditionalRequests } from "../../src/github/conditional-requests.js";
import { appIdentity } from "../../src/github/identity.js";
import { createMemoryCoordinator, type SweepCoordinator } from "../../src/infra/sweep-coordinator.js";
import { DEFAULT_SWEEP, sweep, type SweepSummary } from "../../src/reconcile/sweep.js";
import { SANDBOX_APP_ID } from "../sandbox/stack.js";
import { CI_APP, SANDBOX_CONFIG, seedRepository } from "../sandbox/story.js";
import { signPayload, type RepoHandle, type Twin } from "../twin/index.js";
import { counted, percentile, startSystem, type System } from "./harness.js";

const LATENCY = 200;
/** PRs into development must contain its head: a push to development changes every verdict. */
const BENCH_CONFIG = `${SANDBOX_CONFIG}up_to_date:\n  - "{production}"\n  - "{development}"\n`;
const CONFIG_READ = "/contents/.github%2Fbranch-steward.yml";
const f = (n: number, d = 1) => n.toFixed(d);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function seed(twin: Twin): RepoHandle {
  const repo = seedRepository(twin);
  repo.commit("production", { message: "Bench config", files: { ".github/branch-steward.yml": BENCH_CONFIG }, author: "carol" });
  repo.forcePush("development", repo.branchHead("production") as string, "carol");
  return repo;
}

const latestOurs = (repo: RepoHandle, sha: string) => repo.checkRuns(sha).filter((r) => r.app.slug === "branch-steward").at(-1);

interface ActionRow {
  readonly action: string;
  readonly runs: number;
  readonly events: string;
  readonly countedPerRun: number;
  readonly configReadsPerRun: number;
  readonly doneSeconds: number;
}

/** Runs `act` `runs` times, each until the twin and the app are idle; what it cost per run. */
async function action(system: System, label: string, runs: number, act: (i: number) => void | Promise<void>): Promise<ActionRow> {
  const { twin } = system;
  const fromRequest = twin.requests.length;
  const fromDelivery = twin.deliveries.length;
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    await act(i);
    await twin.idle({ timeoutMs: 240_000, quietMs: 100 });
  }
  const made = counted(twin, fromRequest);
  const events = [...new Set(twin.deliveries.slice(fromDelivery).map((d) => (d.action ? `${d.event}.${d.action}` : d.event)))].sort().join(", ");
  return {
    action: label,
    runs,
    events,
    countedPerRun: made.length / runs,
    configReadsPerRun: made.filter((r) => r.method === "GET" && r.path.endsWith(CONFIG_READ)).length / runs,
    doneSeconds: (performance.now() - started) / 1000 / runs,
  };
}

/** Ack latency per event type, counted requests per action, and the 100-PR push: all at 200 ms. */
async function latencySection(): Promise<void> {
  const system = await startSystem(0);
  const { twin } = system;
  try {
    twin.setOnline(false);
    const repo = seed(twin);
    // 100 open feature PRs, evaluated once (at 0 ms latency, before the measured part).
    const heads: { pr: number; branch: string }[] = [];
    for (let i = 0; i < 100; i++) {
      const branch = `feature/open-${i}`;
      repo.commit(branch, { message: `Open ${i}`, files: { [`open/${i}.txt`]: `${i}\n` }, author: "alice", from: "development" });
      heads.push({ pr: repo.openPR({ head: branch, base: "development", title: `Open ${i}`, user: "alice" }), branch });
    }
    await twin.idle({ timeoutMs: 60_000 });
    twin.setOnline(true);
    repo.comment(heads[0]?.pr as number, "carol", "/branch-steward recheck"); // any event: warms the app up
    await twin.idle({ timeoutMs: 60_000 });
    const sweepSummary = await idleSweepCost(system);
    const ackFrom = twin.deliveries.length;
    twin.setLatency(LATENCY);

    const rows: ActionRow[] = [];
    let n = 0;
    const feature = () => {
      const branch = `feature/bench-${n++}`;
      repo.commit(branch, { message: `Bench ${n}`, files: { [`bench/${n}.txt`]: `${n}\n` }, author: "alice", from: "development" });
      return branch;
    };
    const opened: number[] = [];
    rows.push(await action(system, "open a feature PR", 5, () => void opened.push(repo.openPR({ head: feature(), base: "development", title: `Bench ${n}`, user: "alice" }))));
    rows.push(
      await action(system, "push to a PR's branch", 5, (i) => {
        repo.commit(repo.pr(opened[i] as number).headRef, { message: `More ${i}`, files: { [`more/${i}.txt`]: "1\n" }, author: "alice" });
      }),
    );
    rows.push(await action(system, "a CI check no flow requires completes", 5, (i) => void repo.reportCheck(repo.pr(opened[i] as number).headSha, { name: "lint", app: CI_APP, status: "completed", conclusion: "success" })));
    rows.push(await action(system, "a commit status no flow requires", 5, (i) => repo.setStatus(repo.pr(opened[i] as number).headSha, { context: "ci/coverage", state: "success", creator: "ci-bot" })));
    rows.push(await action(system, "/branch-steward recheck", 5, (i) => void repo.comment(opened[i] as number, "bob", "/branch-steward recheck")));
    rows.push(
      await action(system, "production (hotfix) merge: tag, release, backport PR", 3, (i) => {
        const branch = `hotfix/bench-${i}`;
        repo.commit(branch, { message: `Fix ${i}`, files: { [`fix/${i}.txt`]: "1\n" }, author: "alice", from: "production" });
        const pr = repo.openPR({ head: branch, base: "production", title: `Fix ${i}`, user: "alice" });
        repo.reportCheck(repo.pr(pr).headSha, { name: "inference-tests", app: CI_APP, status: "completed", conclusion: "success" });
        repo.approve(pr, "bob");
        repo.merge(pr, { method: "squash", user: "carol" });
      }),
    );

    // The push with 100 open PRs: every verdict changes (behind development), timed until all are current.
    const fromRequest = twin.requests.length;
    const fromDelivery = twin.deliveries.length;
    const before = new Map(heads.map((h) => [h.pr, latestOurs(repo, repo.pr(h.pr).headSha)?.conclusion]));
    const started = performance.now();
    repo.commit("development", { message: "Move development", files: { "moved.txt": "1\n" }, author: "bob" });
    let current = 0;
    while (performance.now() - started < 240_000) {
      current = heads.filter((h) => latestOurs(repo, repo.pr(h.pr).headSha)?.conclusion === "failure").length;
      if (current === heads.length) break;
      await sleep(50);
    }
    const allCurrent = (performance.now() - started) / 1000;
    await twin.idle({ timeoutMs: 240_000, quietMs: 100 });
    const pushAck = twin.deliveries.slice(fromDelivery).find((d) => d.event === "push")?.durationMs ?? NaN;
    const pushMade = counted(twin, fromRequest);

    console.log(`\nthe app in its own process — twin latency ${LATENCY} ms, write throttle off, counted = non-304 requests without token exchanges\n`);
    console.log("| action | runs | webhook events it causes | counted requests per run | config reads per run | until idle, s per run |");
    console.log("| --- | --- | --- | --- | --- | --- |");
    for (const r of rows) console.log(`| ${r.action} | ${r.runs} | ${r.events} | ${f(r.countedPerRun)} | ${f(r.configReadsPerRun)} | ${f(r.doneSeconds)} |`);

    const acks = new Map<string, number[]>();
    for (const d of twin.deliveries.slice(ackFrom)) {
      const type = d.action ? `${d.event}.${d.action}` : d.event;
      acks.set(type, [...(acks.get(type) ?? []), d.durationMs]);
    }
    console.log(`\nwebhook ack latency per event type — twin latency ${LATENCY} ms (goal: p99 < 250 ms)\n`);
    console.log("| event | deliveries | ack p50 ms | ack p99 ms | max ms | non-2xx |");
    console.log("| --- | --- | --- | --- | --- | --- |");
    for (const [type, values] of [...acks].sort()) {
      const bad = twin.deliveries.slice(ackFrom).filter((d) => (d.action ? `${d.event}.${d.action}` : d.event) === type && (d.statusCode < 200 || d.statusCode >= 300)).length;
      console.log(`| ${type} | ${values.length} | ${f(percentile(values, 50))} | ${f(percentile(values, 99))} | ${f(Math.max(...values))} | ${bad} |`);
    }
    const changed = heads.filter((h) => before.get(h.pr) !== "failure").length;
    console.log(`\npush to development with ${heads.length} open PRs — twin latency ${LATENCY} ms (goal: config read once, all verdicts current < 15 s)\n`);
    console.log("| verdicts changed | push ack ms | all verdicts current after s | config reads | counted requests | of which writes |");
    console.log("| --- | --- | --- | --- | --- | --- |");
    console.log(
      `| ${changed} (current: ${current}/${heads.length}) | ${f(pushAck)} | ${f(allCurrent)} | ${pushMade.filter((r) => r.method === "GET" && r.path.endsWith(CONFIG_READ)).length} | ${pushMade.length} | ${pushMade.filter((r) => r.write).length} |`,
    );
    console.log(`\n(sweep of this repository with its ${heads.length} open PRs before the measured part: ${sweepSummary})`);
  } finally {
    await system.close();
  }
}

/** Probot spaces writes a second apart; the twin has no secondary limits to protect (as in the sandbox stack). */
const unthrottled = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, throttle: { ...(o.throttle as object), enabled: false } }));

/**
 * A replica for sweeps: its own Probot against the twin (a sweep needs nothing else), with
 * conditional requests and its own ETag cache, as src/main.ts builds it (without Redis).
 */
function replica(twin: Twin, privateKey: string): Probot {
  return new Probot({ appId: SANDBOX_APP_ID, privateKey, baseUrl: twin.url, log: pino({ level: "silent" }), Octokit: withConditionalRequests(unthrottled) });
}

const identities = new WeakMap<Probot, ReturnType<typeof appIdentity>>();
function sweepAs(probot: Probot, coordinator: SweepCoordinator, round: string): Promise<SweepSummary> {
  const identity = identities.get(probot) ?? appIdentity(probot);
  identities.set(probot, identity);
  return sweep(probot, identity, { ...DEFAULT_SWEEP, cluster: { coordinator, round } });
}

/** An idle sweep over the 100-PR repository, for the record. */
async function idleSweepCost(system: System): Promise<string> {
  const probot = replica(system.twin, system.privateKey);
  await sweepAs(probot, createMemoryCoordinator(), "first");
  await system.twin.idle({ timeoutMs: 240_000, quietMs: 100 }); // the app's jobs for what the first sweep wrote
  const from = system.twin.requests.length;
  const summary = await sweepAs(probot, createMemoryCoordinator(), "idle");
  return `${counted(system.twin, from).length} counted requests, ${summary.checks.evaluated} PRs evaluated, ${summary.checks.rewritten} rewritten`;
}

/** Sweep cost: R repositories × P open PRs, nothing changed, 1 replica vs 3 sharing a round. */
async function sweepSection(repos = 10, pulls = 10): Promise<void> {
  // Converging 1,000 PRs costs more than one hour of an installation's budget (at most 12,500):
  // the twin's limit is raised so the setup is not throttled; the measured rounds are the idle ones.
  const system = await startSystem(0, {}, 1_000_000);
  const { twin } = system;
  try {
    twin.setOnline(false);
    for (let r = 0; r < repos; r++) {
      const repo = twin.createRepo({ owner: "acme", name: `svc-${r}`, defaultBranch: "production", collaborators: { alice: "write" }, files: { "README.md": "x\n", ".github/branch-steward.yml": SANDBOX_CONFIG } });
      repo.createBranch("development", "production", "alice");
      for (let p = 0; p < pulls; p++) {
        repo.commit(`feature/f${p}`, { message: `F${p}`, files: { [`f${p}.txt`]: "1\n" }, author: "alice", from: "development" });
        repo.openPR({ head: `feature/f${p}`, base: "development", title: `F${p}`, user: "alice" });
      }
    }
    await twin.idle({ timeoutMs: 60_000 });
    twin.setOnline(true);
    const replicas = [0, 1, 2].map(() => replica(twin, system.privateKey));
    await sweepAs(replicas[0] as Probot, createMemoryCoordinator(), "converge"); // the first sweep writes every verdict
    for (const p of replicas) identities.set(p, identities.get(p) ?? appIdentity(p));
    for (const p of replicas) await identities.get(p)?.(); // each replica asks who it is once per process
    await twin.idle({ timeoutMs: 240_000, quietMs: 100 }); // the app's jobs for what the first sweep wrote
    // Every replica's cache is warmed by one round first: the measured rounds are the idle ones.
    await sweepAs(replicas[0] as Probot, createMemoryCoordinator(), "warm-one");
    let from = twin.requests.length;
    const one = await sweepAs(replicas[0] as Probot, createMemoryCoordinator(), "one");
    const oneCounted = counted(twin, from);
    const oneCost = oneCounted.length;
    const byRoute = new Map<string, number>();
    for (const r of oneCounted) byRoute.set(`${r.route ?? r.path} ${r.status}`, (byRoute.get(`${r.route ?? r.path} ${r.status}`) ?? 0) + 1);
    const top = [...byRoute].sort((a, b) => b[1] - a[1]).slice(0, 8);
    const warm = createMemoryCoordinator();
    await Promise.all(replicas.map((p) => sweepAs(p, warm, "warm-three")));
    const shared = createMemoryCoordinator();
    from = twin.requests.length;
    const three = await Promise.all(replicas.map((p) => sweepAs(p, shared, "three")));
    const threeCost = counted(twin, from).length;
    console.log(`\nidle sweep of ${repos} repositories × ${pulls} open PRs, each replica's ETag cache warmed by one round (twin rate limit raised for the setup) — 1 replica vs 3 sharing a round (in process; Redis rounds are covered by test/scenarios/sweep-cluster.test.ts)\n`);
    console.log("| replicas | repositories swept (per replica) | counted requests | per repository | requests made (304s included) |");
    console.log("| --- | --- | --- | --- | --- |");
    console.log(`| 1 | ${one.repositories} | ${oneCost} | ${f(oneCost / repos)} | ${one.requests} |`);
    console.log(`\ncounted requests of the 1-replica round, by route: ${top.map(([k, n]) => `${k} ×${n}`).join("; ") || "none"}\n`);
    console.log(`| 3 | ${three.reduce((n, s) => n + s.repositories, 0)} (${three.map((s) => s.repositories).join(" + ")}) | ${threeCost} | ${f(threeCost / repos)} | ${three.reduce((n, s) => n + s.requests, 0)} |`);
  } finally {
    await system.close();
  }
}

/** RSS of the app process over `events` unchanged synchronize deliveries, sampled after every batch. */
async function rssSection(events: number): Promise<void> {
  const system = await startSystem(0);
  const { twin, app } = system;
  try {
    const repo = seed(twin);
    const prs = Array.from({ length: 20 }, (_, i) => {
      repo.commit(`feature/rss-${i}`, { message: `Rss ${i}`, files: { [`rss/${i}.txt`]: `${i}\n` }, author: "alice", from: "development" });
      return repo.openPR({ head: `feature/rss-${i}`, base: "development", title: `Rss ${i}`, user: "alice" });
    });
    await twin.idle({ timeoutMs: 60_000 });
    const token = await installationToken(system);
    const get = async (path: string) => (await fetch(`${twin.url}${path}`, { headers: { authorization: `token ${token}` } })).json() as Promise<Record<string, unknown>>;
    const repository = await get("/repos/acme/forecast");
    const bodies: string[] = [];
    for (const number of prs) {
      const pull_request = await get(`/repos/acme/forecast/pulls/${number}`);
      bodies.push(JSON.stringify({ action: "synchronize", number, pull_request, repository, installation: { id: 1 }, sender: { login: "alice", id: 1, type: "User" } }));
    }
    const samples: { events: number; rss: number }[] = [{ events: 0, rss: app.rssMiB() }];
    let peak = samples[0]?.rss ?? 0;
    const sampler = setInterval(() => (peak = Math.max(peak, app.rssMiB())), 250);
    const batch = Math.max(1, Math.floor(events / 40)); // drained every batch: a backlog like a burst from GitHub, not the whole run at once
    const started = performance.now();
    for (let sent = 0; sent < events; ) {
      const size = Math.min(batch, events - sent);
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < size) {
            next++;
            const body = bodies[(sent + next) % bodies.length] as string;
            const res = await fetch(app.webhookUrl, {
              method: "POST",
              body,
              headers: { "content-type": "application/json", "x-github-event": "pull_request", "x-github-delivery": randomUUID(), "x-hub-signature-256": await signPayload(system.webhookSecret, body) },
            });
            await res.arrayBuffer();
          }
        }),
      );
      sent += size;
      await twin.idle({ timeoutMs: 240_000 });
      if (sent % (batch * 4) === 0 || sent === events) samples.push({ events: sent, rss: app.rssMiB() });
    }
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;
    console.log(`\nRSS of the app process alone — ${events} unchanged pull_request.synchronize deliveries, 16 at a time, drained every ${batch} (${f(seconds)} s, twin latency 0) (goal: < 150 MiB and flat)\n`);
    console.log(`| after events | ${samples.map((s) => s.events).join(" | ")} |`);
    console.log(`| --- | ${samples.map(() => "---").join(" | ")} |`);
    console.log(`| RSS MiB | ${samples.map((s) => f(s.rss, 0)).join(" | ")} |`);
    console.log(`\npeak RSS during the run: ${f(peak, 0)} MiB`);
  } finally {
    await system.close();
  }
}

async function installationToken(system: System): Promise<string> {
  const { createAppAuth } = await import("@octokit/auth-app");
  const { token: jwt } = await createAppAuth({ appId: SANDBOX_APP_ID, privateKey: system.privateKey })({ type: "app" });
  const res = await fetch(`${system.twin.url}/app/installations/1/access_tokens`, { method: "POST", headers: { authorization: `Bearer ${jwt}` } });
  return ((await res.json()) as { token: string }).token;
}

export async function scaleSections(options: { rssEvents: number; only?: boolean }): Promise<void> {
  const skip = new Set(process.argv.filter((a) => a.startsWith("--skip-")).map((a) => a.slice("--skip-".length)));
  if (!skip.has("latency")) await latencySection();
  if (!skip.has("sweep")) await sweepSection(Number(process.env.BENCH_SWEEP_REPOS ?? 50), Number(process.env.BENCH_SWEEP_PULLS ?? 20));
  if (!skip.has("rss")) await rssSection(options.rssEvents);
}
