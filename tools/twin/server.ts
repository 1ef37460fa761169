/**
 * The HTTP front: body parsing, authentication, latency, fault injection, rate-limit
 * headers, ETags, routing and the request log.
 */
import { createHash, randomUUID, type KeyObject } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isoSeconds } from "./clock.js";
import type { Core } from "./core.js";
import { AuthError, authenticate, type Credential, type TokenStore } from "./auth.js";
import { HttpError } from "./errors.js";
import type { FaultInjector, FaultKind } from "./faults.js";
import type { CompiledRoute, Method, Reply, RequestContext } from "./http.js";
import { matchRoute } from "./http.js";
import type { WebhookDispatcher } from "./webhooks.js";

export interface RequestLogEntry {
  method: string;
  /** `METHOD /template` of the matched route, or null when unmatched. */
  route: string | null;
  path: string;
  status: number;
  /** Non-GET request. */
  write: boolean;
  durationMs: number;
  /** Twin-clock time the request arrived. */
  at: string;
  fault: FaultKind | null;
}

/** Latency per request: a constant or a function of `METHOD /template` (or `METHOD path` when unmatched). */
export type Latency = number | ((route: string) => number);

export interface ServerDeps {
  core: Core;
  routes: CompiledRoute[];
  tokens: TokenStore;
  webhooks: WebhookDispatcher;
  faults: FaultInjector;
  publicKey: KeyObject;
  latency: () => Latency;
  rateLimit: number;
  log: (message: string) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ApiServer {
  readonly requests: RequestLogEntry[] = [];
  /** Paths the twin could not serve (`METHOD /path`). */
  readonly unhandled: string[] = [];
  inflight = 0;
  activity = 0;
  private readonly server: http.Server;
  private readonly used = new Map<string, number>();
  private readonly windowReset = Math.floor(Date.now() / 1000) + 3600;

  constructor(private readonly deps: ServerDeps) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(port, "127.0.0.1", resolve));
    const { port: actual } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${actual}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inflight += 1;
    this.activity += 1;
    const started = performance.now();
    const url = new URL(req.url ?? "/", "http://twin.invalid");
    // GitHub Enterprise Server serves the same API under /api/v3 (Probot uses it with GHE_HOST).
    if (url.pathname.startsWith("/api/v3/")) url.pathname = url.pathname.slice("/api/v3".length);
    const method = (req.method ?? "GET").toUpperCase();
    const entry: RequestLogEntry = {
      method,
      route: null,
      path: url.pathname,
      status: 0,
      write: method !== "GET" && method !== "HEAD",
      durationMs: 0,
      at: isoSeconds(this.deps.core.clock.now()),
      fault: null,
    };
    try {
      const reply = await this.process(req, res, url, method, entry);
      if (reply) this.send(res, reply, entry);
    } catch (error) {
      this.send(res, this.errorReply(error), entry);
    } finally {
      entry.durationMs = performance.now() - started;
      this.requests.push(entry);
      this.inflight -= 1;
      this.activity += 1;
    }
  }

  /** Returns the reply to send, or null when the response was handled (timeout fault). */
  private async process(req: IncomingMessage, res: ServerResponse, url: URL, method: string, entry: RequestLogEntry): Promise<Reply | null> {
    const raw = await readBody(req);
    const match = matchRoute(this.deps.routes, method, url.pathname);
    const routeKey = match ? `${method} ${match.route.path}` : `${method} ${url.pathname}`;
    entry.route = match ? routeKey : null;
    const latency = this.deps.latency();
    const delay = typeof latency === "function" ? latency(routeKey) : latency;
    if (delay > 0) await sleep(delay);
    if (!match) {
      this.unhandled.push(`${method} ${url.pathname}`);
      this.deps.log(`twin: no route for ${method} ${url.pathname}${url.search}`);
      throw new HttpError(404, "Not Found");
    }
    const fault = this.deps.faults.decide(routeKey);
    entry.fault = fault;
    if (fault === "timeout") {
      await sleep(this.deps.faults.timeoutMs);
      entry.status = 0;
      res.destroy();
      return null;
    }
    if (fault) throw faultError(fault, this.deps.faults.retryAfterSeconds);
    const credential = this.credential(req, match.route);
    const bucket = credential.kind === "app" ? "app" : `installation:${credential.installationId}`;
    if ((this.used.get(bucket) ?? 0) >= this.deps.rateLimit) {
      throw new HttpError(403, `API rate limit exceeded for ${bucket.replace(":", " ID ")}.`, undefined, this.rateHeaders(bucket));
    }
    const ctx: RequestContext = {
      core: this.deps.core,
      method: method as Method,
      url,
      params: match.params,
      query: url.searchParams,
      body: parseBody(raw),
      headers: req.headers,
      actor: credential.kind === "app" ? this.deps.core.app.owner : this.deps.core.bot,
      services: { tokens: this.deps.tokens, webhooks: this.deps.webhooks, credential },
    };
    const reply = withEtag(req, match.route.handler(ctx));
    // 304 Not Modified does not count against the rate limit (documented by GitHub).
    if (reply.status !== 304) this.used.set(bucket, (this.used.get(bucket) ?? 0) + 1);
    return { ...reply, headers: { ...this.rateHeaders(bucket), ...reply.headers } };
  }

  private credential(req: IncomingMessage, route: CompiledRoute): Credential {
    let credential: Credential;
    try {
      credential = authenticate(req.headers.authorization, { publicKey: this.deps.publicKey, appId: this.deps.core.app.id, tokens: this.deps.tokens });
    } catch (error) {
      if (error instanceof AuthError) throw new HttpError(401, error.message);
      throw error;
    }
    if (route.auth === "app" && credential.kind !== "app") {
      throw new HttpError(401, "A JSON web token could not be decoded");
    }
    if (route.auth === "installation" && credential.kind !== "installation") {
      // GitHub answers app JWTs on installation endpoints with 401/403 depending on the endpoint.
      throw new HttpError(403, "Resource not accessible by integration");
    }
    return credential;
  }

  private rateHeaders(bucket: string): Record<string, string> {
    const used = this.used.get(bucket) ?? 0;
    return {
      "x-ratelimit-limit": String(this.deps.rateLimit),
      "x-ratelimit-remaining": String(Math.max(0, this.deps.rateLimit - used)),
      "x-ratelimit-used": String(used),
      "x-ratelimit-reset": String(this.windowReset),
      "x-ratelimit-resource": "core",
    };
  }

  private errorReply(error: unknown): Reply {
    if (error instanceof HttpError) return { status: error.status, body: error.toJSON(), headers: error.headers };
    this.deps.log(`twin: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return { status: 500, body: new HttpError(500, "Internal twin error").toJSON() };
  }

  private send(res: ServerResponse, reply: Reply, entry: RequestLogEntry): void {
    const headers: Record<string, string> = {
      "x-github-request-id": randomUUID(),
      "x-github-media-type": "github.v3; format=json",
      "x-github-api-version-selected": "2022-11-28",
      ...reply.headers,
    };
    let body = "";
    if (reply.text !== undefined) {
      body = reply.text;
      headers["content-type"] = reply.contentType ?? "text/plain; charset=utf-8";
    } else if (reply.body !== undefined && reply.status !== 204) {
      body = JSON.stringify(reply.body);
      headers["content-type"] = "application/json; charset=utf-8";
    }
    entry.status = reply.status;
    res.writeHead(reply.status, headers);
    res.end(body);
  }
}

/**
 * GET 200 replies get a weak ETag; a matching If-None-Match turns them into a 304 with no body.
 * As on GitHub: the ETag covers one page's body only (not its Link header), it differs per
 * credential (GitHub's ETags are token-specific: a rotated installation token gets 200s again)
 * and per Accept, and the 304 carries the ETag but not the page's Link or other headers.
 */
function withEtag(req: IncomingMessage, reply: Reply): Reply {
  if (req.method !== "GET" || reply.status !== 200) return reply;
  const body = reply.text ?? JSON.stringify(reply.body ?? null);
  const varies = `${req.headers.authorization ?? ""}\n${req.headers.accept ?? ""}\n`;
  const etag = `W/"${createHash("sha1").update(varies).update(body).digest("hex")}"`;
  const vary = "Accept, Authorization, Cookie, X-GitHub-OTP";
  if (isNotModified(req, etag)) return { status: 304, headers: { etag, vary } };
  return { ...reply, headers: { ...reply.headers, etag, vary } };
}

function isNotModified(req: IncomingMessage, etag: string): boolean {
  const header = req.headers["if-none-match"];
  if (!header) return false;
  return header.split(",").some((tag) => tag.trim() === etag || tag.trim().replace(/^W\//, "") === etag.replace(/^W\//, ""));
}

function faultError(kind: Exclude<FaultKind, "timeout">, retryAfter: number): HttpError {
  if (kind === "403-secondary") {
    return new HttpError(
      403,
      "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
      undefined,
      { "retry-after": String(retryAfter) },
    );
  }
  return new HttpError(Number(kind), kind === "502" ? "Server Error" : "Internal Server Error");
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function parseBody(raw: string): Record<string, unknown> {
  if (raw.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new HttpError(400, "Problems parsing JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new HttpError(400, "Body should be a JSON object");
  return value as Record<string, unknown>;
}
