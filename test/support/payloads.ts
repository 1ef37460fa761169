/**
 * Webhook payloads built from the real examples in @octokit/webhooks-examples, with only the
 * fields a scenario needs changed.
 */
import { createRequire } from "node:module";
import { INSTALLATION_ID } from "./probot.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as {
  name: string;
  examples: Record<string, unknown>[];
}[];

type Json = Record<string, unknown>;

export function example(event: string, action?: string): Json {
  const found = examples.find((e) => e.name === event)?.examples.find((x) => action === undefined || x.action === action);
  if (!found) throw new Error(`no @octokit/webhooks-examples payload for ${event}.${action}`);
  return structuredClone(found);
}

export const OWNER = "acme";
export const REPO = "forecast";
export const FULL_NAME = `${OWNER}/${REPO}`;
export const HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

export interface PullRequestOptions {
  action: string;
  source: string;
  target: string;
  number?: number;
  sha?: string;
  /** `owner/name` of the head repository when it is a fork; null for a deleted fork. */
  fork?: string | null;
  state?: string;
  changes?: Json;
}

function retargetRepository(repo: Json, fullName: string): Json {
  const [owner, name] = fullName.split("/") as [string, string];
  return { ...repo, full_name: fullName, name, owner: { ...(repo.owner as Json), login: owner }, fork: fullName !== FULL_NAME };
}

export function pullRequestPayload(o: PullRequestOptions): Json {
  const payload = example("pull_request", "opened");
  const number = o.number ?? 7;
  const repository = retargetRepository(payload.repository as Json, FULL_NAME);
  const pr = payload.pull_request as Json;
  const head = pr.head as Json;
  const base = pr.base as Json;
  const headRepo = o.fork === null ? null : retargetRepository(head.repo as Json, o.fork ?? FULL_NAME);
  Object.assign(pr, {
    number,
    state: o.state ?? "open",
    html_url: `https://github.com/${FULL_NAME}/pull/${number}`,
    head: { ...head, ref: o.source, sha: o.sha ?? HEAD_SHA, label: `${OWNER}:${o.source}`, repo: headRepo },
    base: { ...base, ref: o.target, label: `${OWNER}:${o.target}`, repo: repository },
  });
  return {
    ...payload,
    action: o.action,
    number,
    repository,
    installation: { id: INSTALLATION_ID, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMg==" },
    ...(o.changes ? { changes: o.changes } : {}),
  };
}

export function checkRunRerequestedPayload(o: { name: string; appId: number; sha?: string; pullRequests?: Json[] }): Json {
  const payload = example("check_run", "rerequested");
  const run = payload.check_run as Json;
  Object.assign(run, { name: o.name, head_sha: o.sha ?? HEAD_SHA, app: { ...(run.app as Json), id: o.appId }, pull_requests: o.pullRequests ?? [] });
  return {
    ...payload,
    repository: retargetRepository(payload.repository as Json, FULL_NAME),
    installation: { id: INSTALLATION_ID, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMg==" },
  };
}
