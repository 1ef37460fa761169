/**
 * The production entry point as the Docker image runs it: `node lib/main.js`.
 *
 * - A production start without credentials exits 1 with one message listing every problem.
 * - SIGTERM while a delivery's job is running (its handler waits on a slow GitHub API) stops
 *   accepting connections at once, lets the job finish, and exits 0. The delivery itself was
 *   answered as soon as it was queued.
 *
 * GitHub is a local HTTP server reached through Probot's GHE_HOST / GHE_PROTOCOL variables
 * (base URL http://GHE_HOST/api/v3); GET /app answers after SLOW_MS.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { generatePrivateKey } from "../../tools/sandbox/stack.js";
import { pullRequestPayload } from "../support/payloads.js";
import { freePort, sign } from "./helpers.js";

const ROOT = join(import.meta.dirname ?? process.cwd(), "..", "..");
const MAIN = join(ROOT, "lib", "main.js");
const SLOW_MS = 1_000;
// A PR into a branch branch-steward does not govern: the handler reads the PR and the config
// (404: defaults), finds nothing to do, and the delivery succeeds.
const PAYLOAD = pullRequestPayload({ action: "opened", source: "feature/slow", target: "main" });

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

beforeAll(() => {
  if (existsSync(MAIN) && statSync(MAIN).mtimeMs >= newestMtime(join(ROOT, "src"))) return;
  const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: ROOT, encoding: "utf8" });
  // Type errors elsewhere in the tree still emit JS; the typecheck step of `npm test` reports them.
  if (tsc.status !== 0) console.warn(`tsc exited ${tsc.status}:\n${tsc.stdout}${tsc.stderr}`);
  if (!existsSync(MAIN)) throw new Error("lib/main.js was not built");
}, 90_000);

function baseEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _n, APP_ID: _a, PRIVATE_KEY: _k, PRIVATE_KEY_PATH: _p, WEBHOOK_SECRET: _w, GHE_HOST: _g, ...rest } = process.env;
  return { ...rest, NODE_ENV: "production", LOG_FORMAT: "json", LOG_LEVEL: "info" };
}

function collect(child: ChildProcess): { out: () => string; exit: Promise<number | null> } {
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { out: () => out, exit };
}

/** One HTTP request on its own connection (no keep-alive pool), so "refused" means refused. */
function call(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res: IncomingMessage) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it("refuses to start in production without credentials, naming every problem, exit 1", async () => {
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env: { ...baseEnv(), WEBHOOK_SECRET: "development", PORT: "70000" } });
  const { out, exit } = collect(child);
  expect(await exit).toBe(1);
  expect(out()).toMatch(/cannot start: 4 configuration problems/);
  expect(out()).toMatch(/APP_ID is not set/);
  expect(out()).toMatch(/no private key/);
  expect(out()).toMatch(/WEBHOOK_SECRET is Probot's default/);
  expect(out()).toMatch(/PORT must be between 1 and 65535/);
});

describe("graceful shutdown", () => {
  let github: Server;
  let githubPort: number;
  const seen: string[] = [];
  let appRequested: () => void = () => {};

  beforeAll(async () => {
    github = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const json = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.method === "GET" && req.url === "/api/v3/app") {
        appRequested();
        setTimeout(() => json(200, { id: 4242, slug: "branch-steward", name: "branch-steward" }), SLOW_MS);
      } else if (req.method === "GET" && req.url === "/api/v3/repos/acme/forecast/pulls/7") {
        json(200, PAYLOAD.pull_request);
      } else if (req.method === "GET" && /^\/api\/v3\/repos\/acme\/forecast\/issues\/7\/comments/.test(req.url ?? "")) {
        json(200, []);
      } else if (req.method === "POST" && /^\/api\/v3\/app\/installations\/\d+\/access_tokens$/.test(req.url ?? "")) {
        json(201, { token: "ghs_fake", expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: {} });
      } else {
        json(404, { message: "Not Found" });
      }
    });
    await new Promise<void>((resolve) => github.listen(0, "127.0.0.1", resolve));
    githubPort = (github.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => github.close(resolve));
  });

  it("answers the delivery once queued, then on SIGTERM refuses new connections, lets the running job finish and exits 0", async () => {
    const port = await freePort();
    const secret = randomBytes(20).toString("hex");
    const child = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: {
        ...baseEnv(),
        APP_ID: "4242",
        PRIVATE_KEY: generatePrivateKey(),
        WEBHOOK_SECRET: secret,
        HOST: "127.0.0.1",
        PORT: String(port),
        GHE_HOST: `127.0.0.1:${githubPort}`,
        GHE_PROTOCOL: "http",
        SHUTDOWN_GRACE_MS: "8000",
      },
    });
    const { out, exit } = collect(child);
    try {
      await waitFor(async () => (await call(port, "GET", "/ping")).body === "PONG");
      expect((await call(port, "GET", "/metrics")).status).toBe(200);

      // A delivery whose job waits on the slow GitHub: answered before GitHub is even asked.
      const body = JSON.stringify(PAYLOAD);
      const jobStarted = new Promise<void>((resolve) => (appRequested = resolve));
      const response = await call(port, "POST", "/api/github/webhooks", { "content-type": "application/json", "x-github-event": "pull_request", "x-github-delivery": "slow-1", "x-hub-signature-256": await sign(secret, body) }, body);
      expect(response.status).toBe(200);
      await jobStarted;
      expect(seen).not.toContain("GET /api/v3/repos/acme/forecast/pulls/7");

      child.kill("SIGTERM");
      // The listener closes at once: a new connection is refused while the job still runs.
      await waitFor(async () => {
        try {
          await call(port, "GET", "/ping");
          return false;
        } catch (error) {
          return (error as NodeJS.ErrnoException).code === "ECONNREFUSED";
        }
      }, SLOW_MS / 2);

      expect(await exit).toBe(0);
      console.info(`GitHub saw ${seen.join(", ")}`);
      // The job went on after the slow answer: it read the PR, then exited.
      expect(seen).toContain("GET /api/v3/app");
      expect(seen).toContain("GET /api/v3/repos/acme/forecast/pulls/7");
      expect(out()).toMatch(/received SIGTERM; draining/);
      expect(out()).toMatch(/job queue drained/);
      // The installation token never reaches the logs.
      expect(out()).not.toContain("ghs_fake");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 30_000);
});
