/** A real Probot instance with the app loaded, for handler tests with nock. */
import { generateKeyPairSync } from "node:crypto";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import nock from "nock";
import { createApp } from "../../src/index.js";
import { contractPlugin } from "./contract.js";

export const APP_ID = 4242;
export const APP_SLUG = "branch-steward";
export const BOT_LOGIN = `${APP_SLUG}[bot]`;
export const INSTALLATION_ID = 2;
export const API = "https://api.github.com";

let privateKey: string | undefined;
export function testPrivateKey(): string {
  privateKey ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;
  return privateKey;
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export async function createTestProbot(o: { dashboards?: boolean } = {}): Promise<{ probot: Probot; logs: LogLine[] }> {
  const logs: LogLine[] = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const probot = new Probot({
    appId: APP_ID,
    privateKey: testPrivateKey(),
    log,
    // The function form: Probot passes its own `throttle` options, which would replace an object default.
    Octokit: ProbotOctokit.plugin(contractPlugin).defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { ...(options.throttle as object), enabled: false },
    })),
  });
  // nock tests never reach Redis; the dashboard's requests are mocked only where a test asks for it; handlers run inside `probot.receive`, so tests assert right after it.
  await probot.load(createApp({ redisUrl: undefined, sweepMinutes: 0, queue: "inline", dashboards: o.dashboards ?? false }));
  return { probot, logs };
}

/** The requests every first event of a process makes: who are we, and an installation token. */
export function mockAuth(scope = nock(API)): nock.Scope {
  return scope
    .get("/app")
    .reply(200, { id: APP_ID, slug: APP_SLUG, name: "branch-steward" })
    .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
    .reply(201, { token: "ghs_test", permissions: { checks: "write" } });
}
