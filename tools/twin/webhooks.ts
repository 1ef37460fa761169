/**
 * Webhook delivery: a FIFO queue delivered over HTTP with GitHub's headers and HMAC
 * signature, a delivery log (served by `/app/hook/deliveries`), and knobs to drop,
 * duplicate or fail deliveries. GitHub never retries failed deliveries by itself.
 */
import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import http from "node:http";
import https from "node:https";
import type { Clock } from "./clock.js";
import { isoSeconds } from "./clock.js";
import { mulberry32 } from "./faults.js";

export interface WebhookKnobs {
  /** Probability (0..1) that a delivery is lost (recorded as failed, never sent). */
  dropRate?: number;
  /** Probability (0..1) that a delivery is sent twice with the same guid. */
  duplicateRate?: number;
  /** Deliveries in flight at once (default 1: strictly in order). */
  concurrency?: number;
  /** How long to wait for the app's response (default 10000 ms, GitHub's limit). */
  timeoutMs?: number;
  /** PRNG seed for drop/duplicate decisions (default 1). */
  seed?: number;
}

export interface DeliveryRecord {
  id: number;
  guid: string;
  event: string;
  action: string | null;
  installationId: number;
  repositoryId: number | null;
  /** HTTP status from the app; 0 when nothing was answered (offline, dropped, timeout, error). */
  statusCode: number;
  status: string;
  deliveredAt: string;
  durationMs: number;
  redelivery: boolean;
  /** Sent again by the duplicate knob (same guid). */
  duplicate: boolean;
  url: string | null;
  requestHeaders: Record<string, string>;
  payload: Record<string, unknown>;
  responseHeaders: Record<string, string>;
  responseBody: string;
}

interface Pending {
  guid: string;
  event: string;
  payload: Record<string, unknown>;
  redelivery: boolean;
  duplicate: boolean;
}

export interface DispatcherOptions {
  secret: string;
  appId: number;
  hookId: number;
  installationId: number;
  clock: Clock;
  url: string | null;
  knobs: WebhookKnobs;
  log: (message: string) => void;
}

/** `X-Hub-Signature-256` of `body`, as GitHub computes it (the same library the app verifies with). */
export function signPayload(secret: string, body: string): Promise<string> {
  return sign(secret, body);
}

export class WebhookDispatcher {
  readonly deliveries: DeliveryRecord[] = [];
  /** Increments on every queued delivery; `idle()` uses it to detect new activity. */
  activity = 0;
  private readonly queue: Pending[] = [];
  private readonly inflight = new Set<Pending>();
  private readonly random: () => number;
  private online = true;
  private stopped = false;
  private dropBudget = 0;
  private nextId = 1;
  private knobs: WebhookKnobs;

  constructor(private readonly options: DispatcherOptions) {
    this.knobs = { ...options.knobs };
    this.random = mulberry32(options.knobs.seed ?? 1);
  }

  enqueue(event: string, payload: Record<string, unknown>): void {
    this.push({ guid: randomUUID(), event, payload, redelivery: false, duplicate: false });
  }

  setUrl(url: string | null): void {
    this.options.url = url;
    this.pump();
  }

  setKnobs(knobs: WebhookKnobs): void {
    this.knobs = { ...this.knobs, ...knobs };
    this.pump();
  }

  /** Offline: deliveries fail immediately (status_code 0, "failed to connect to host"). */
  setOnline(online: boolean): void {
    this.online = online;
  }

  /** Lose the next `count` deliveries. */
  dropNext(count: number): void {
    this.dropBudget += count;
  }

  /** Sends a recorded delivery again with the same guid and `redelivery: true`. */
  redeliver(id: number): boolean {
    const record = this.deliveries.find((d) => d.id === id);
    if (!record) return false;
    this.push({ guid: record.guid, event: record.event, payload: record.payload, redelivery: true, duplicate: false });
    return true;
  }

  get busy(): boolean {
    return this.queue.length > 0 || this.inflight.size > 0;
  }

  get hasUrl(): boolean {
    return this.options.url !== null;
  }

  /** Human-readable list of queued and in-flight deliveries. */
  describePending(): string[] {
    const describe = (p: Pending, where: string) => `${where} ${p.event}${typeof p.payload.action === "string" ? `.${p.payload.action}` : ""} ${p.guid}`;
    return [...[...this.inflight].map((p) => describe(p, "in-flight")), ...this.queue.map((p) => describe(p, "queued"))];
  }

  /**
   * The twin is closing: queued deliveries are dropped and nothing new is sent, so no delivery
   * outlives the twin (and reaches whatever listens on that port next, e.g. another test's nock).
   * Resolves when the deliveries in flight have ended (at most `graceMs`).
   */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    for (const deadline = Date.now() + graceMs; this.inflight.size > 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  private push(item: Pending, front = false): void {
    if (this.stopped) return;
    if (front) this.queue.unshift(item);
    else this.queue.push(item);
    this.activity += 1;
    this.pump();
  }

  private pump(): void {
    const limit = Math.max(1, this.knobs.concurrency ?? 1);
    while (!this.stopped && this.options.url !== null && this.inflight.size < limit && this.queue.length > 0) {
      const item = this.queue.shift() as Pending;
      this.inflight.add(item);
      void this.deliver(item, this.options.url).finally(() => {
        this.inflight.delete(item);
        this.activity += 1;
        this.pump();
      });
    }
  }

  private async deliver(item: Pending, url: string): Promise<void> {
    const body = JSON.stringify(item.payload);
    const headers: Record<string, string> = {
      Accept: "*/*",
      "Content-Type": "application/json",
      "User-Agent": "GitHub-Hookshot/twin",
      "X-GitHub-Delivery": item.guid,
      "X-GitHub-Event": item.event,
      "X-GitHub-Hook-ID": String(this.options.hookId),
      "X-GitHub-Hook-Installation-Target-ID": String(this.options.appId),
      "X-GitHub-Hook-Installation-Target-Type": "integration",
      "X-Hub-Signature-256": await signPayload(this.options.secret, body),
    };
    const started = performance.now();
    const outcome = await this.send(url, headers, body);
    this.record(item, url, headers, outcome, performance.now() - started);
    if (outcome.statusCode >= 200 && outcome.statusCode < 300 && !item.duplicate && this.random() < (this.knobs.duplicateRate ?? 0)) {
      this.push({ ...item, duplicate: true }, true);
    }
  }

  private async send(url: string, headers: Record<string, string>, body: string): Promise<Outcome> {
    if (!this.online) return failure("failed to connect to host (app offline)");
    if (this.dropBudget > 0) {
      this.dropBudget -= 1;
      return failure("dropped by twin (dropNext)");
    }
    if (this.random() < (this.knobs.dropRate ?? 0)) return failure("dropped by twin (dropRate)");
    return post(url, headers, body, this.knobs.timeoutMs ?? 10000);
  }

  private record(item: Pending, url: string, headers: Record<string, string>, outcome: Outcome, durationMs: number): void {
    const payload = item.payload;
    const repository = payload.repository as { id?: number } | undefined;
    const record: DeliveryRecord = {
      id: this.nextId++,
      guid: item.guid,
      event: item.event,
      action: typeof payload.action === "string" ? payload.action : null,
      installationId: this.options.installationId,
      repositoryId: repository?.id ?? null,
      statusCode: outcome.statusCode,
      status: outcome.status,
      deliveredAt: isoSeconds(this.options.clock.now()),
      durationMs,
      redelivery: item.redelivery,
      duplicate: item.duplicate,
      url,
      requestHeaders: headers,
      payload,
      responseHeaders: outcome.headers,
      responseBody: outcome.body,
    };
    this.deliveries.push(record);
    if (outcome.statusCode < 200 || outcome.statusCode >= 300) {
      this.options.log(`twin: webhook ${record.event}${record.action ? `.${record.action}` : ""} ${record.guid} failed: ${record.status}`);
    }
  }
}

interface Outcome {
  statusCode: number;
  status: string;
  headers: Record<string, string>;
  body: string;
}

function failure(status: string): Outcome {
  return { statusCode: 0, status, headers: {}, body: "" };
}

/** One POST with its own connection (no keep-alive sockets left behind). */
function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<Outcome> {
  const target = new URL(url);
  const transport = target.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    const req = transport.request(target, { method: "POST", headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const code = res.statusCode ?? 0;
        const responseHeaders: Record<string, string> = {};
        for (const [key, value] of Object.entries(res.headers)) if (value !== undefined) responseHeaders[key] = String(value);
        resolve({
          statusCode: code,
          status: code >= 200 && code < 300 ? "OK" : `Invalid HTTP Response: ${code}`,
          headers: responseHeaders,
          body: Buffer.concat(chunks).toString("utf8"),
        });
      });
      res.on("error", (error) => resolve(failure(error.message)));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error("timed out")));
    req.on("error", (error) => resolve(failure(error.message)));
    req.end(body);
  });
}
