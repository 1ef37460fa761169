/** Shared fixtures for twin tests: an app key, a started twin, an app-authenticated Octokit, a webhook sink. */
import { generateKeyPairSync } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import { startTwin, type Twin, type TwinOptions } from "../../tools/twin/index.js";

export const APP_ID = 4242;
export const SECRET = "twin-webhook-secret";

let keys: { privateKey: string; publicKey: string } | undefined;

export function appKeys(): { privateKey: string; publicKey: string } {
  keys ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return keys;
}

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  event: string;
  payload: Record<string, unknown>;
}

/** A webhook receiver that records every delivery and answers `status` (default 200). */
export async function startSink(status = 200): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ headers: req.headers, body, event: String(req.headers["x-github-event"]), payload: JSON.parse(body) as Record<string, unknown> });
      res.writeHead(status).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function twinWith(options: Partial<TwinOptions> = {}): Promise<Twin> {
  return startTwin({ appId: APP_ID, privateKey: appKeys().privateKey, webhookSecret: SECRET, log: () => undefined, ...options });
}

/** Octokit logger that stays silent (expected 4xx responses would otherwise be logged). */
export const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** Octokit authenticated as the installation (JWT → installation token), as Probot does. */
export function installationOctokit(twin: Twin): Octokit {
  return new Octokit({
    baseUrl: twin.url,
    authStrategy: createAppAuth,
    auth: { appId: APP_ID, privateKey: appKeys().privateKey, installationId: twin.installationId },
    log: quiet,
  });
}

/** Octokit authenticated as the app (JWT). */
export function appOctokit(twin: Twin): Octokit {
  return new Octokit({ baseUrl: twin.url, authStrategy: createAppAuth, auth: { appId: APP_ID, privateKey: appKeys().privateKey }, log: quiet });
}

/** The error status of a rejected octokit call. */
export async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 0;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

export async function errorOf(promise: Promise<unknown>): Promise<{ status: number; data: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status: number; response?: { data?: Record<string, unknown> } };
    return { status: e.status, data: e.response?.data ?? {} };
  }
  throw new Error("expected the request to fail");
}
