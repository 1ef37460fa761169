/**
 * The webhook endpoint (POST /api/github/webhooks), hardened. It replaces @octokit/webhooks'
 * node middleware, which buffers the whole body before it checks anything, logs a forged
 * delivery's payload twice at error level, and answers 500 to a signed body that is JSON but
 * not an object. In order:
 *
 * 1. path, method, content type and GitHub's headers, as @octokit/webhooks answers them
 *    (404, 415, 400 "Required headers missing");
 * 2. size: a Content-Length over GitHub's 25 MB payload cap is answered 413 before a byte of
 *    the body is read; a body without one (chunked) is counted while it streams and answered
 *    413 the moment it passes the cap. Either way the rest of the body is then discarded as it
 *    arrives (never held) for at most LINGER_MS, and the connection closed: closing at once,
 *    with the client's bytes still unread, makes the kernel reset the connection, and the
 *    client may lose the 413 it was sent. At most `maxBytes` of one request is ever held;
 * 3. the signature (X-Hub-Signature-256): a mismatch is answered 400 and logged once, at warn,
 *    with the delivery id and event name, never the payload;
 * 4. the payload must be a JSON object: anything else is answered 400 (a handler never sees
 *    `null`, `1`, `"x"` or `[]`);
 * 5. the handlers run through `webhooks.receive`: 200 once they all settled, 202 "still
 *    processing" after `timeoutMs` (GitHub gives up after 10 s), the error's status (else 500)
 *    when one threw. Probot's error handler logs that failure; it is not logged twice.
 *
 * Why not `addHandler`: Probot 14's Server puts the webhook middleware first and the handlers
 * added by apps after it (server.js `start()`), so an added handler only sees a webhook after
 * its body was buffered. But `start()` asks the Probot instance for that middleware
 * (`probot.getNodeMiddleware()`) after every app was loaded, and so does Probot's
 * `createNodeMiddleware`. The app function therefore installs this endpoint by giving its own
 * Probot instance a `getNodeMiddleware`: one place, and every entry point that loads the app
 * (`node lib/main.js`, `probot run ./lib/index.js`, the sandbox's Server) serves it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Probot } from "probot";
import { metrics as sharedMetrics, type Metrics } from "../observability/metrics.js";

/** GitHub caps webhook payloads at 25 MB; read as MiB, so no delivery GitHub sends is refused. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;
/** @octokit/webhooks' default: answer 202 before GitHub's 10-second delivery timeout. */
export const WEBHOOK_TIMEOUT_MS = 9_000;

const DEFAULT_PATH = "/api/github/webhooks";
const REQUIRED_HEADERS = ["x-github-event", "x-hub-signature-256", "x-github-delivery"] as const;
const JSON_TYPE = /^\s*(application\/json)\s*(?:;|$)/u;

export interface WebhookEndpointOptions {
  readonly path?: string;
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
  readonly metrics?: Metrics;
}

type Log = Pick<Probot["log"], "debug" | "warn">;
/** Probot types `next` as `Function`; Server never passes one, createNodeMiddleware's callers may. */
type Middleware = (req: IncomingMessage, res: ServerResponse, next?: unknown) => Promise<boolean>;
type Received = Parameters<Probot["webhooks"]["receive"]>[0];

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): true {
  const json = body.startsWith("{");
  res.writeHead(status, { "content-type": json ? "application/json" : "text/plain", "content-length": String(Buffer.byteLength(body)), ...headers });
  res.end(body);
  return true;
}

const error = (message: string) => JSON.stringify({ error: message });

/** A header value fit for a log line: bounded, never an array. */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value.join(", ") : value;
  return text === undefined ? undefined : text.slice(0, 100);
}

function pathname(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? "/", "http://localhost").pathname.replace(/\/+$/, "") || "/";
  } catch {
    return undefined;
  }
}

type Body = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: "too-large" | "aborted"; readonly bytesRead: number };

/** How long an oversized request's remaining body is read and discarded before the socket is closed. */
export const LINGER_MS = 2_000;

/**
 * After a 413: discard what the client still sends (nothing is kept) until it ends its request
 * or LINGER_MS pass, then close the connection (nginx's "lingering close").
 */
function lingerThenClose(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  const close = () => {
    clearTimeout(timer);
    // Never before the answer has left: destroying drops what is still buffered.
    if (res.writableFinished) socket.destroy();
    else res.once("finish", () => socket.destroy());
  };
  const timer = setTimeout(close, LINGER_MS);
  timer.unref();
  req.on("end", close).on("error", close);
  req.resume();
}

/** Reads the body, holding at most `maxBytes`; stops reading as soon as it passes them. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Body> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (body: Body) => {
      req.off("data", onData).off("end", onEnd).off("error", onAbort).off("close", onAbort);
      if (!body.ok) req.pause();
      resolve(body);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        settle({ ok: false, reason: "too-large", bytesRead: size });
      } else chunks.push(chunk);
    };
    const onEnd = () => settle({ ok: true, text: Buffer.concat(chunks, size).toString("utf8") });
    const onAbort = () => settle({ ok: false, reason: "aborted", bytesRead: size });
    req.on("data", onData).on("end", onEnd).on("error", onAbort).on("close", onAbort);
  });
}

/** The hardened webhook middleware for `probot`'s webhooks (see the module comment). */
export function webhookEndpoint(probot: Probot, log: Log, options: WebhookEndpointOptions = {}): Middleware {
  const path = (options.path ?? DEFAULT_PATH).replace(/\/+$/, "") || "/";
  const maxBytes = options.maxBytes ?? MAX_WEBHOOK_BYTES;
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const m = options.metrics ?? sharedMetrics;
  const megabytes = `${Math.round(maxBytes / 1024 / 1024)} MB`;

  return async (req, res, next) => {
    const route = pathname(req.url);
    if (route === undefined) return reply(res, 422, error(`Request URL could not be parsed: ${req.url}`));
    if (route !== path) {
      if (typeof next === "function") next();
      return false;
    }
    if (req.method !== "POST") return reply(res, 404, error(`Unknown route: ${req.method} ${route}`));
    if (!JSON_TYPE.test(req.headers["content-type"] ?? "")) {
      return reply(res, 415, error('Unsupported "Content-Type" header value. Must be "application/json"'), { accept: "application/json" });
    }
    const missing = REQUIRED_HEADERS.filter((h) => req.headers[h] === undefined);
    if (missing.length) return reply(res, 400, error(`Required headers missing: ${missing.join(", ")}`), { accept: "application/json" });

    const delivery = header(req, "x-github-delivery");
    const event = header(req, "x-github-event") ?? "";
    const reject = (status: number, message: string, detail: Record<string, unknown> = {}): true => {
      m.webhookEvents.inc({ event: "unverified", outcome: "rejected" });
      log.warn({ delivery, event, ...detail }, `webhook rejected: ${message}`);
      reply(res, status, error(message), { accept: "application/json" });
      if (status === 413) lingerThenClose(req, res);
      return true;
    };
    const tooLarge = `payload too large: GitHub caps webhook payloads at ${megabytes} (${maxBytes} bytes)`;

    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > maxBytes) return reject(413, tooLarge, { contentLength: declared });
    const body = await readBody(req, maxBytes);
    if (!body.ok) {
      if (body.reason === "too-large") return reject(413, tooLarge, { bytesRead: body.bytesRead });
      res.destroy();
      return true;
    }

    const signature = String(req.headers["x-hub-signature-256"]);
    // @octokit/webhooks-methods throws on an empty payload or signature: that is a mismatch too.
    const verified = await probot.webhooks.verify(body.text, signature).catch(() => false);
    if (!verified) return reject(400, "signature does not match event payload and secret");
    let payload: unknown;
    try {
      payload = JSON.parse(body.text);
    } catch {
      return reject(400, "Invalid JSON");
    }
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      return reject(400, `payload is not a JSON object (${Array.isArray(payload) ? "array" : payload === null ? "null" : typeof payload})`);
    }

    log.debug(`${event} event received (id: ${delivery})`);
    let timer: NodeJS.Timeout | undefined;
    const stillProcessing = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    const handled = probot.webhooks.receive({ id: delivery, name: event, payload } as Received).then(
      () => "ok" as const,
      (e: unknown) => e,
    );
    const outcome = await Promise.race([handled, stillProcessing]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      // The handlers go on; GitHub has its answer before its 10-second timeout.
      return reply(res, 202, "still processing\n", { accept: "application/json" });
    }
    if (outcome === "ok") return reply(res, 200, "ok\n", { accept: "application/json" });
    // Probot's onError handler has logged the failure already.
    const first = ((outcome as { errors?: unknown[] }).errors?.[0] ?? outcome) as { name?: string; message?: string; status?: unknown };
    const status = typeof first.status === "number" && first.status >= 400 && first.status < 600 ? first.status : 500;
    return reply(res, status, error(first.message ? `${first.name ?? "Error"}: ${first.message}` : "Error: An Unspecified error occurred"), { accept: "application/json" });
  };
}

/**
 * Makes `probot` serve {@link webhookEndpoint} wherever it is asked for its webhook middleware
 * (Probot's Server and `createNodeMiddleware`). Call it from the app function.
 */
export function guardWebhooks(probot: Probot, options: Omit<WebhookEndpointOptions, "path"> = {}): void {
  probot.getNodeMiddleware = async ({ log, path } = {}) => {
    await probot.ready();
    return webhookEndpoint(probot, log ?? probot.log, { ...options, path: path ?? probot.webhookPath });
  };
}
