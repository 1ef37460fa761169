/**
 * The webhook endpoint's guard (src/infra/webhook-guard.ts) against the real Probot server
 * (startStack: Probot's Server, as the sandbox and `probot run` use it) and Probot's `run()`
 * (what `node lib/main.js` calls):
 *
 * - a Content-Length over GitHub's 25 MB cap is answered 413 before a byte of the body is sent;
 * - a chunked body is answered 413 once it passes the cap, the server stops reading (it read at
 *   most the cap plus one socket read) and closes the connection;
 * - a forged signature is answered 400 and logged once, at warn, with the delivery id and the
 *   event name and without the payload;
 * - a signed body that is JSON but not an object is answered 400;
 * - none of them reaches a handler (a probe on `onAny` and the GitHub twin both see nothing),
 *   while a signed delivery just under the cap and a real pull request are still handled.
 */
import { request, type IncomingMessage } from "node:http";
import { Writable } from "node:stream";
import { pino } from "pino";
import { run, type ApplicationFunction, type Probot } from "probot";
import { createApp } from "../../src/index.js";
import { MAX_WEBHOOK_BYTES } from "../../src/infra/webhook-guard.js";
import { generatePrivateKey, startStack, type Stack } from "../../tools/sandbox/stack.js";
import { seedRepository } from "../../tools/sandbox/story.js";
import { freePort, sign, signedDelivery } from "./helpers.js";

/** A log sink: every line the app (and the twin) logged at warn or above, parsed. */
function captureLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      callback();
    },
  });
  return { log: pino({ level: "warn" }, stream), lines };
}

type Seen = { name: string; id: string };

/** branch-steward, plus a probe that records every event that reached the handlers. */
function probedApp(seen: Seen[]): ApplicationFunction {
  const app = createApp({ redisUrl: undefined, sweepMinutes: 0 });
  return (probot: Probot, options) => {
    probot.onAny(async (event) => {
      seen.push({ name: event.name, id: event.id });
    });
    return app(probot, options);
  };
}

interface Posted {
  status: number;
  body: string;
  /** Body bytes written before the answer arrived. */
  sentBeforeAnswer: number;
  /** The server closed the connection (we never ended or destroyed the request ourselves). */
  closedByServer: Promise<void>;
}

/**
 * POSTs to the webhook path on its own connection. With `declared`, sends that Content-Length and
 * writes `bytes` of body only after an answer failed to come (it never has to); without it,
 * streams up to `bytes` chunked, 1 MiB at a time, stopping as soon as the answer arrives.
 */
function post(url: string, o: { bytes: number; declared?: number; id: string }): Promise<Posted> {
  const chunk = Buffer.alloc(1024 * 1024, "a");
  return new Promise((resolve) => {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": o.id,
      "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
    };
    if (o.declared !== undefined) headers["content-length"] = String(o.declared);
    const req = request(url, { method: "POST", headers, agent: false });
    let sent = 0;
    let answered = false;
    const closedByServer = new Promise<void>((done) => req.on("close", () => done()));
    req.on("error", () => undefined); // EPIPE / ECONNRESET once the server has closed
    req.on("socket", (socket) => socket.on("error", () => undefined));
    req.on("response", (res: IncomingMessage) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on("data", (d: Buffer) => parts.push(d));
      const done = () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString(), sentBeforeAnswer: sent, closedByServer });
      res.on("end", done);
      // The server closes an oversized upload; a loaded client may see EPIPE before it read the
      // end of the (already received) answer: the status is what it was sent.
      res.on("error", done);
    });
    req.flushHeaders();
    if (o.declared !== undefined) return;
    const pump = () => {
      while (!answered && !req.destroyed && sent < o.bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered && !req.destroyed) req.end();
    };
    pump();
  });
}

const linesFor = (lines: string[], id: string) => lines.filter((l) => l.includes(id)).map((l) => JSON.parse(l) as Record<string, unknown>);

describe("the webhook guard in Probot's Server (sandbox stack, `probot run`)", () => {
  let stack: Stack;
  const seen: Seen[] = [];
  const captured = captureLog();
  beforeAll(async () => {
    stack = await startStack({ app: probedApp(seen), log: captured.log });
  });
  afterAll(async () => {
    await stack?.close();
  });

  let twinRequests = 0;
  beforeEach(() => {
    seen.length = 0;
    twinRequests = stack.twin.requests.length;
  });
  const nothingHandled = () => {
    expect(seen).toEqual([]);
    expect(stack.twin.requests.slice(twinRequests)).toEqual([]);
  };

  it("answers a Content-Length over 25 MB with 413 before a byte of the body is sent", async () => {
    const res = await post(stack.webhookUrl, { bytes: 0, declared: MAX_WEBHOOK_BYTES + 1, id: "too-big-declared" });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error: expect.stringMatching(/payload too large: GitHub caps webhook payloads at 25 MB \(26214400 bytes\)/) });
    expect(res.sentBeforeAnswer).toBe(0);
    await res.closedByServer;
    expect(linesFor(captured.lines, "too-big-declared")).toEqual([
      expect.objectContaining({ level: 40, delivery: "too-big-declared", event: "push", contentLength: MAX_WEBHOOK_BYTES + 1, msg: expect.stringMatching(/^webhook rejected: payload too large/) }),
    ]);
    nothingHandled();
  });

  it("answers a chunked body with 413 once it passes 25 MB, stops reading it and closes the connection", async () => {
    // A little more than the cap: enough to cross it, little enough to be sent long before the
    // server closes the connection (it discards what follows the 413 for up to LINGER_MS).
    const offered = MAX_WEBHOOK_BYTES + 3 * 1024 * 1024;
    const res = await post(stack.webhookUrl, { bytes: offered, id: "too-big-chunked" });
    expect(res.status).toBe(413);
    expect(res.sentBeforeAnswer).toBeGreaterThan(MAX_WEBHOOK_BYTES);
    // Whether the client had sent it all by the time the answer reached it depends on the
    // machine's load; what the server read (below) does not.
    await res.closedByServer;
    const [line, ...more] = linesFor(captured.lines, "too-big-chunked");
    expect(more).toEqual([]);
    expect(line).toMatchObject({ level: 40, delivery: "too-big-chunked", event: "push" });
    // What the server held: the cap plus the one socket read that crossed it, never the rest.
    expect(line?.bytesRead).toBeGreaterThan(MAX_WEBHOOK_BYTES);
    expect(line?.bytesRead).toBeLessThanOrEqual(MAX_WEBHOOK_BYTES + 1024 * 1024);
    nothingHandled();
  });

  it("logs a forged signature once, at warn, with the delivery id and event and without the payload", async () => {
    const marker = "PAYLOAD-MUST-NOT-BE-LOGGED-7f3a";
    const body = JSON.stringify({ action: "opened", note: marker, installation: { id: 1 } });
    const res = await fetch(stack.webhookUrl, await signedDelivery({ event: "pull_request", body, secret: "not-the-webhook-secret", id: "forged-1" }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "signature does not match event payload and secret" });
    expect(linesFor(captured.lines, "forged-1")).toEqual([
      expect.objectContaining({ level: 40, delivery: "forged-1", event: "pull_request", msg: "webhook rejected: signature does not match event payload and secret" }),
    ]);
    expect(captured.lines.filter((l) => l.includes(marker))).toEqual([]);
    expect(captured.lines.map((l) => (JSON.parse(l) as { level: number }).level).filter((level) => level >= 50)).toEqual([]);
    nothingHandled();
  });

  it.each([
    ["null", "null"],
    ["1", "number"],
    ['"x"', "string"],
    ["[]", "array"],
    ["true", "boolean"],
  ])("answers a signed body %s (JSON, not an object) with 400 and runs no handler", async (body, kind) => {
    const id = `not-an-object-${kind}`;
    const res = await fetch(stack.webhookUrl, await signedDelivery({ event: "pull_request", body, secret: stack.webhookSecret, id }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: `payload is not a JSON object (${kind})` });
    expect(linesFor(captured.lines, id)).toEqual([expect.objectContaining({ level: 40, delivery: id, event: "pull_request" })]);
    nothingHandled();
  });

  it("still handles a signed delivery just under the cap", async () => {
    const skeleton = JSON.stringify({ zen: "", hook_id: 1 });
    const body = JSON.stringify({ zen: "z".repeat(MAX_WEBHOOK_BYTES - skeleton.length), hook_id: 1 });
    expect(Buffer.byteLength(body)).toBe(MAX_WEBHOOK_BYTES);
    const res = await fetch(stack.webhookUrl, await signedDelivery({ event: "ping", body, secret: stack.webhookSecret, id: "at-the-cap" }));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok\n");
    expect(seen).toEqual([{ name: "ping", id: "at-the-cap" }]);
  });

  it("still handles a real pull request delivered by the GitHub twin", async () => {
    const repo = seedRepository(stack.twin);
    repo.commit("feature/guarded", { message: "G", files: { "g.txt": "1\n" }, author: "alice", from: "development" });
    const pr = repo.openPR({ head: "feature/guarded", base: "development", title: "G", user: "alice" });
    await stack.twin.idle();
    const delivered = stack.twin.deliveries.filter((d) => d.event === "pull_request");
    expect(delivered.length).toBeGreaterThan(0);
    expect(delivered.every((d) => d.statusCode === 200)).toBe(true);
    expect(seen.filter((s) => s.name === "pull_request")).toHaveLength(delivered.length);
    expect(repo.checkRuns(repo.pr(pr).headSha).map((r) => r.name)).toContain("branch-steward / development");
  });
});

describe("the webhook guard under Probot's run() (what `node lib/main.js` starts)", () => {
  it("answers 413 to an oversized body, 400 to a non-object, and handles a signed delivery", async () => {
    const seen: Seen[] = [];
    const captured = captureLog();
    const secret = "a-webhook-secret-for-run";
    const port = await freePort();
    const server = await run(probedApp(seen), {
      env: { APP_ID: "1", PRIVATE_KEY: generatePrivateKey(), WEBHOOK_SECRET: secret, HOST: "127.0.0.1", PORT: String(port) },
      log: captured.log,
    });
    try {
      const url = `http://127.0.0.1:${port}/api/github/webhooks`;
      const big = await post(url, { bytes: 0, declared: MAX_WEBHOOK_BYTES + 1, id: "run-too-big" });
      expect(big.status).toBe(413);
      expect(big.sentBeforeAnswer).toBe(0);
      expect(linesFor(captured.lines, "run-too-big")).toEqual([expect.objectContaining({ level: 40, contentLength: MAX_WEBHOOK_BYTES + 1 })]);

      const nothing = await fetch(url, await signedDelivery({ event: "ping", body: "null", secret, id: "run-null" }));
      expect(nothing.status).toBe(400);
      expect(seen).toEqual([]);

      const body = JSON.stringify({ zen: "Design for failure.", hook_id: 2 });
      const ok = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "run-ok", "x-hub-signature-256": await sign(secret, body) }, body });
      expect(ok.status).toBe(200);
      expect(seen).toEqual([{ name: "ping", id: "run-ok" }]);
    } finally {
      await server.stop();
    }
  });
});
