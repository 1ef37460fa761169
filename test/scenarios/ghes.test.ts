/**
 * GitHub Enterprise Server: the API lives under `/api/v3` (Probot's GHE_HOST gives the app
 * `http(s)://GHE_HOST/api/v3`). The twin sits behind a proxy that serves only that prefix and
 * answers with links inside it, as GHES does: the app (webhooks, /ready, pagination) and
 * `branch-steward protect --api-url …/api/v3` work, and not one request leaves the prefix.
 */
import { createServer, request as httpRequest, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Octokit } from "@octokit/rest";
import { pino } from "pino";
import { Probot, ProbotOctokit, Server } from "probot";
import { protect } from "../../src/cli/protect.js";
import { createApp, queueOf } from "../../src/index.js";
import { freePort } from "../../tools/sandbox/stack.js";
import { SANDBOX_CONFIG } from "../../tools/sandbox/story.js";
import type { Twin } from "../../tools/twin/index.js";
import { APP_ID, appKeys, appOctokit, SECRET, twinWith } from "../twin/helpers.js";

const PREFIX = "/api/v3";

/** Forwards `/api/v3/…` to the twin; anything else is a 404 and is recorded. */
async function prefixProxy(twin: Twin): Promise<{ url: string; outside: string[]; seen: string[]; close(): Promise<void> }> {
  const target = new URL(twin.url);
  const outside: string[] = [];
  const seen: string[] = [];
  const server: HttpServer = createServer((req, res) => {
    const path = req.url ?? "/";
    if (!path.startsWith(`${PREFIX}/`)) {
      outside.push(`${req.method} ${path}`);
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ message: "Not Found" }));
      return;
    }
    seen.push(`${req.method} ${path}`);
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, outside, seen, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}

let twin: Twin;
let proxy: Awaited<ReturnType<typeof prefixProxy>>;
let server: Server | undefined;
let probot: Probot | undefined;
afterEach(async () => {
  await server?.stop();
  await proxy?.close();
  await twin?.close();
});

it("the app and protect work behind /api/v3, links and pagination stay inside the prefix, /ready answers 200", async () => {
  twin = await twinWith();
  proxy = await prefixProxy(twin);
  const api = `${proxy.url}${PREFIX}`;
  twin.setApiBaseUrl(api);
  const repo = twin.createRepo({ owner: "acme", name: "forecast", defaultBranch: "production", files: { "README.md": "r\n", ".github/branch-steward.yml": SANDBOX_CONFIG } });
  repo.createBranch("development", "production");

  // The app, configured as GHE_HOST=<proxy host> GHE_PROTOCOL=http configures Probot: baseUrl …/api/v3.
  const Octokit_ = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, throttle: { ...(o.throttle as object), enabled: false } }));
  const port = await freePort();
  server = new Server({ Probot: Probot.defaults({ appId: APP_ID, privateKey: appKeys().privateKey, secret: SECRET, baseUrl: api, log: pino({ level: "silent" }), Octokit: Octokit_ }), host: "127.0.0.1", port, log: pino({ level: "silent" }) });
  const app = createApp({ redisUrl: undefined, sweepMinutes: 0 });
  await server.load((p, o) => ((probot = p), app(p, o)));
  await server.start();
  // Deliveries are answered once queued: twin.idle() also waits for the app's jobs.
  const queue = probot ? queueOf(probot) : undefined;
  if (queue) twin.watch(() => queue.pending());
  twin.setWebhookUrl(`http://127.0.0.1:${port}/api/github/webhooks`);

  expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);

  // Three PRs: one verdict each, over webhooks.
  for (const name of ["a", "b", "c"]) {
    repo.commit(`feature/${name}`, { message: name, files: { [`${name}.txt`]: `${name}\n` }, author: "alice", from: "development" });
    repo.openPR({ head: `feature/${name}`, base: "development", title: name, user: "alice" });
  }
  await twin.idle();
  for (const n of [1, 2, 3]) expect(repo.checkRuns(repo.pr(n).headSha).filter((r) => r.name === "branch-steward / development")).toHaveLength(1);

  // The app's own installation client follows GHES's Link headers page by page.
  const octokit = (await (probot as Probot).auth(twin.installationId)) as unknown as Octokit;
  const pages: number[] = [];
  for await (const { data } of octokit.paginate.iterator("GET /repos/{owner}/{repo}/pulls", { owner: "acme", repo: "forecast", per_page: 1 })) pages.push(data.length);
  expect(pages).toEqual([1, 1, 1]);
  expect(proxy.seen.filter((r) => r.includes("/pulls?") && r.includes("page=")).length).toBeGreaterThanOrEqual(2);

  // protect --api-url …/api/v3, twice: the second run changes nothing.
  const { data } = await appOctokit(twin).rest.apps.createInstallationAccessToken({ installation_id: twin.installationId });
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
  const options = { owner: "acme", repo: "forecast", dryRun: false, auth: { kind: "token" as const, token: data.token }, appId: APP_ID, apiUrl: api };
  expect(await protect(options, io)).toBe(0);
  const repoWrites = () => twin.requests.filter((r) => r.write && r.path.startsWith("/repos/")).length;
  const writes = repoWrites();
  expect(await protect(options, io)).toBe(0);
  expect(repoWrites()).toBe(writes);
  expect(lines.join("\n")).toContain("production (production): changed");

  expect(proxy.outside).toEqual([]);
  expect(twin.unhandled).toEqual([]);
  expect(proxy.seen.length).toBeGreaterThan(10);
});
