/**
 * Check and status events with conditional requests on, as src/main.ts installs them: the
 * config and the open PR list are read with the ETag of the last answer, a 304 is served from
 * the cache, and an event that cannot change a verdict makes no other request. nock fails any
 * request without a mock, and every mock must be used.
 */
import nock from "nock";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { withConditionalRequests } from "../../src/github/conditional-requests.js";
import { createApp } from "../../src/index.js";
import { createEtagStore } from "../../src/infra/etag-cache.js";
import { contractPlugin } from "../support/contract.js";
import { APP_ID, INSTALLATION_ID, mockAuth, testPrivateKey, type LogLine } from "../support/probot.js";
import { FULL_NAME, HEAD_SHA } from "../support/payloads.js";

const R = `/repos/${FULL_NAME}`;
const CONFIG_URL = `${R}/contents/.github%2Fbranch-steward.yml`;
const RAW = { "content-type": "application/vnd.github.raw; charset=utf-8" };
const CONFIG = "comment: { enabled: false }\nvalidation:\n  feature:\n    required: [inference-tests]\n";
const CI = { id: 501, slug: "staging-ci" };

let probot: Probot;
let logs: LogLine[];

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(async () => {
  logs = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const Base = ProbotOctokit.plugin(contractPlugin).defaults((options: Record<string, unknown>) => ({
    ...options,
    retry: { enabled: false },
    throttle: { ...(options.throttle as object), enabled: false },
  }));
  const store = await createEtagStore({ log });
  probot = new Probot({ appId: APP_ID, privateKey: testPrivateKey(), log, Octokit: withConditionalRequests(Base, { store }) });
  await probot.load(createApp({ redisUrl: undefined, sweepMinutes: 0, queue: "inline", dashboards: false })); // handlers run inside receive; no dashboard requests
});
afterEach(() => {
  const unused = nock.pendingMocks();
  nock.cleanAll();
  expect(unused).toEqual([]);
});

const repository = { id: 1, name: "forecast", full_name: FULL_NAME, owner: { login: "acme" }, default_branch: "production", html_url: `https://github.com/${FULL_NAME}` };
const checkRun = (name: string, sha = HEAD_SHA) => ({
  action: "completed",
  check_run: { id: 42, name, head_sha: sha, status: "completed", conclusion: "success", app: CI, check_suite: { id: 7, head_branch: "feature/x" }, pull_requests: [] },
  repository,
  installation: { id: INSTALLATION_ID },
});
const receive = (payload: Record<string, unknown>, name = "check_run") => probot.receive({ id: `d-${Math.random()}`, name: name as "check_run", payload: payload as never });
/** The config: first a 200 with an ETag, then 304s to exactly that ETag. */
const config = (scope: nock.Scope, revalidations: number) => {
  scope.get(CONFIG_URL).reply(200, CONFIG, { ...RAW, etag: 'W/"config-1"' });
  if (revalidations) scope.get(CONFIG_URL).matchHeader("if-none-match", 'W/"config-1"').times(revalidations).reply(304, "", { etag: 'W/"config-1"' });
  return scope;
};

it("a check no flow requires costs one config read, a 304 once the config is cached", async () => {
  config(mockAuth(), 2);
  await receive(checkRun("lint"));
  await receive(checkRun("lint"));
  await receive({ state: "success", context: "lint", sha: HEAD_SHA, repository, installation: { id: INSTALLATION_ID } }, "status");
  expect(logs.filter((l) => l.msg === "re-evaluated pull request")).toEqual([]);
});

it("a required check on a SHA no open PR heads costs the config and one conditional PR list read", async () => {
  const scope = config(mockAuth(), 1);
  const other = "f".repeat(40);
  const open = [{ number: 7, state: "open", head: { ref: "feature/x", sha: other, repo: { full_name: FULL_NAME } }, base: { ref: "development", repo: { full_name: FULL_NAME } }, html_url: "https://github.com/acme/forecast/pull/7" }];
  scope.get(`${R}/pulls`).query({ state: "open", per_page: "100" }).reply(200, open, { etag: 'W/"pulls-1"' });
  scope.get(`${R}/pulls`).query({ state: "open", per_page: "100" }).matchHeader("if-none-match", 'W/"pulls-1"').reply(304, "", { etag: 'W/"pulls-1"' });
  await receive(checkRun("inference-tests"));
  await receive(checkRun("inference-tests"));
  expect(logs.filter((l) => l.msg === "re-evaluated pull request")).toEqual([]);
});

it("a check suite, when no flow requires any check, costs the config read alone", async () => {
  const scope = mockAuth();
  scope.get(CONFIG_URL).reply(200, "comment: { enabled: false }\n", { ...RAW, etag: 'W/"c"' });
  await receive({ action: "completed", check_suite: { id: 7, head_sha: HEAD_SHA, app: CI, pull_requests: [] }, repository, installation: { id: INSTALLATION_ID } }, "check_suite");
});
