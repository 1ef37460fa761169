/**
 * Replicas: two real app processes (`node main.js`, as the image runs it) behind a round-robin
 * balancer take the twin's deliveries while 20 production merges land. The result must be 20
 * distinct versions in merge order, one release, one backport and one comment of each kind per
 * PR: with the Redis lock, and without it (correctness comes from atomic writes, not the lock).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { freePort, SANDBOX_APP_ID, startStack, type Stack } from "../../tools/sandbox/stack.js";
import { seedRepository } from "../../tools/sandbox/story.js";
import type { RepoHandle } from "../../tools/twin/index.js";
import { redisAvailable, startRedis, type TestRedis } from "../support/redis.js";

const ROOT = join(new URL(".", import.meta.url).pathname, "..", "..");
const OUT = join(ROOT, "lib-replicas"); // its own build, so parallel test files never share one
const MERGES = Number(process.env.REPLICA_MERGES ?? 20);

beforeAll(() => {
  const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json", "--outDir", OUT], { cwd: ROOT, encoding: "utf8" });
  if (!existsSync(join(OUT, "main.js"))) throw new Error(`build failed:\n${tsc.stdout}${tsc.stderr}`);
}, 120_000);


interface Replica {
  readonly url: string;
  /** Its /metrics. */
  readonly metricsUrl: string;
  stop(): Promise<number | null>;
  output(): string;
}

async function startReplica(stack: Stack, redisUrl: string | undefined): Promise<Replica> {
  const port = await freePort();
  const { NODE_OPTIONS: _n, REDIS_URL: _r, ...rest } = process.env;
  const child: ChildProcess = spawn(process.execPath, [join(OUT, "main.js")], {
    cwd: ROOT,
    env: {
      ...rest,
      NODE_ENV: "production",
      APP_ID: String(SANDBOX_APP_ID),
      PRIVATE_KEY: stack.privateKey,
      WEBHOOK_SECRET: stack.webhookSecret,
      GHE_HOST: new URL(stack.twin.url).host,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "warn",
      RECONCILE_INTERVAL_MINUTES: "0",
      WRITE_THROTTLE: "off", // 20 merges × ~11 writes at one write per second would take minutes
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once("exit", resolve));
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/ping`).then((r) => r.ok, () => false);
    if (ok) break;
    if (child.exitCode !== null) throw new Error(`replica exited ${child.exitCode}:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `http://127.0.0.1:${port}/api/github/webhooks`,
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    output: () => out,
    stop: async () => {
      child.kill("SIGTERM");
      return exit;
    },
  };
}

/**
 * Jobs the replicas accepted and did not finish yet, from their job counters: a job may be
 * queued by one replica and run by another, so only the sum over all of them tells.
 */
async function pendingJobs(replicas: readonly Replica[]): Promise<number> {
  let pending = 0;
  for (const r of replicas) {
    const text = await fetch(r.metricsUrl).then((res) => res.text(), () => "");
    for (const m of text.matchAll(/^branch_steward_jobs_total\{[^}]*outcome="(enqueued|completed|failed)"[^}]*\} (\d+)/gm)) {
      pending += (m[1] === "enqueued" ? 1 : -1) * Number(m[2]);
    }
  }
  return pending;
}

/** A load balancer: deliveries go to the replicas in turn. */
async function roundRobin(targets: readonly string[]): Promise<{ url: string; close: () => Promise<void> }> {
  let next = 0;
  const server: HttpServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
      const target = targets[next++ % targets.length] as string;
      fetch(target, { method: "POST", headers, body: Buffer.concat(chunks) }).then(
        async (r) => res.writeHead(r.status).end(await r.text()),
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function hotfixes(repo: RepoHandle): number[] {
  return Array.from({ length: MERGES }, (_, i) => {
    repo.commit(`hotfix/r${i}`, { message: `Fix ${i}`, files: { [`fixes/${i}.txt`]: `${i}\n` }, author: "alice", from: "production" });
    const pr = repo.openPR({ head: `hotfix/r${i}`, base: "production", title: `Fix ${i}`, user: "alice" });
    repo.approve(pr, "bob");
    return pr;
  });
}

async function scenario(redisUrl: string | undefined): Promise<void> {
  const stack = await startStack({ twin: { webhooks: { concurrency: 8 } } });
  const replicas: Replica[] = [];
  let balancer: { url: string; close: () => Promise<void> } | undefined;
  try {
    replicas.push(await startReplica(stack, redisUrl), await startReplica(stack, redisUrl));
    balancer = await roundRobin(replicas.map((r) => r.url));
    stack.twin.watch(() => pendingJobs(replicas));
    const repo = seedRepository(stack.twin);
    stack.twin.setWebhookUrl(balancer.url);
    const prs = hotfixes(repo);
    await stack.twin.idle({ timeoutMs: 60_000 });
    const merges = prs.map((pr) => repo.merge(pr, { method: "squash", user: "carol" })); // 20 merges, back to back
    await stack.twin.idle({ timeoutMs: 120_000, quietMs: 500 });
    // A job refused by a racing replica is retried after a backoff (a delayed job on Redis): wait for it, bounded.
    for (const deadline = Date.now() + 60_000; repo.tags().length < MERGES + 1 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await stack.twin.idle({ timeoutMs: 60_000, quietMs: 500 });
    }

    // Distinct, monotonic versions: the n-th merge is v1.0.n.
    const tags = repo.tags().filter((t) => t.name !== "v1.0.0");
    const bySha = new Map(tags.map((t) => [t.sha, t.name]));
    expect(tags).toHaveLength(MERGES);
    expect(merges.map((sha) => bySha.get(sha))).toEqual(merges.map((_, i) => `v1.0.${i + 1}`));
    expect(new Set(repo.releases().map((r) => r.tagName)).size).toBe(MERGES);
    expect(repo.releases()).toHaveLength(MERGES);
    // Every hotfix backported exactly once; one comment of each kind per PR.
    const backports = [...repo.state.issues.values()].filter((i) => i.pull?.headRef.startsWith("backport/"));
    expect(backports.map((i) => i.pull?.headRef).sort()).toEqual(prs.map((n) => `backport/development/pr-${n}`).sort());
    for (const pr of prs) {
      const markers = repo.comments(pr).filter((c) => c.user === "branch-steward[bot]").map((c) => c.body.split("\n")[0]);
      expect(markers.length).toBe(new Set(markers).size);
      expect(repo.labels(pr)).toContain("backport-pending");
    }
    expect(stack.twin.deliveries.every((d) => d.statusCode >= 200 && d.statusCode < 300)).toBe(true);
  } finally {
    await balancer?.close();
    const codes = await Promise.all(replicas.map((r) => r.stop()));
    await stack.close();
    expect(codes).toEqual(replicas.map(() => 0));
  }
}

it("two replicas without a shared lock: atomic writes alone keep versions, releases, backports and comments unique", async () => {
  await scenario(undefined);
}, 180_000);

(redisAvailable() ? describe : describe.skip)("with REDIS_URL", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  it("two replicas sharing the Redis work lock: the same result", async () => {
    await scenario(redis.url);
  }, 180_000);
});
