/**
 * The conditional-request plugin over nock: which ETag is sent with which request, what a 304
 * turns into, and what is never kept.
 */
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { Registry } from "prom-client";
import { cacheKey, scopeOf, withConditionalRequests } from "../../src/github/conditional-requests.js";
import { createEtagStore, type EtagStore } from "../../src/infra/etag-cache.js";
import { createMetrics, type Metrics } from "../../src/observability/metrics.js";
import { instrumentedOctokit } from "../../src/observability/octokit.js";
import { redisAvailable, startRedis, type TestRedis } from "../support/redis.js";

const API = "https://api.github.com";
const R = "/repos/acme/forecast";
const silent = { warn: () => undefined };
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** An auth strategy that authenticates nothing, so that `auth.installationId` reaches the plugin as Probot's clients have it. */
const stubAuth = () => Object.assign(async () => ({ type: "token" }), { hook: (request: (o: unknown) => unknown, route: unknown) => request(route) });

let metrics: Metrics;
let store: EtagStore;
function client(installationId: number, s: EtagStore = store) {
  const C = withConditionalRequests(Octokit, { store: s, metrics });
  return new C({ authStrategy: stubAuth, auth: { installationId }, log: quiet, request: { retries: 0 } });
}
const counts = async () => Object.fromEntries((await metrics.conditionalRequests.get()).values.map((v) => [v.labels.result, v.value]));
const pull = (n: number) => ({ number: n, title: `PR ${n}` });

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(async () => {
  metrics = createMetrics(new Registry());
  store = await createEtagStore({ log: silent });
});
afterEach(() => {
  const unused = nock.pendingMocks();
  nock.cleanAll();
  expect(unused).toEqual([]);
});

it("sends the ETag of the last answer and turns GitHub's 304 into that answer, with the 304's rate-limit headers", async () => {
  nock(API, { badheaders: ["if-none-match"] })
    .get(`${R}/pulls`)
    .query({ state: "open" })
    .reply(200, [pull(1)], { etag: 'W/"v1"', "x-ratelimit-remaining": "4999", link: "" });
  nock(API).get(`${R}/pulls`).query({ state: "open" }).matchHeader("if-none-match", 'W/"v1"').times(2).reply(304, "", { etag: 'W/"v1"', "x-ratelimit-remaining": "4999" });
  const octokit = client(7);
  const first = await octokit.rest.pulls.list({ owner: "acme", repo: "forecast", state: "open" });
  (first.data as unknown[]).push("mutated by a caller"); // callers get their own copy
  const second = await octokit.rest.pulls.list({ owner: "acme", repo: "forecast", state: "open" });
  expect(second.status).toBe(200);
  expect(second.data).toEqual([pull(1)]);
  expect(second.headers.etag).toBe('W/"v1"');
  expect(second.headers["x-ratelimit-remaining"]).toBe("4999");
  expect((await octokit.rest.pulls.list({ owner: "acme", repo: "forecast", state: "open" })).data).toEqual([pull(1)]);
  expect(await counts()).toEqual({ miss: 1, stored: 1, hit: 2 });
});

it("reads a changed resource again and keeps the new answer", async () => {
  nock(API).get(`${R}/commits/abc/check-runs`).reply(200, { total_count: 0, check_runs: [] }, { etag: 'W/"v1"' });
  nock(API).get(`${R}/commits/abc/check-runs`).matchHeader("if-none-match", 'W/"v1"').reply(200, { total_count: 1, check_runs: [{ id: 9 }] }, { etag: 'W/"v2"' });
  nock(API).get(`${R}/commits/abc/check-runs`).matchHeader("if-none-match", 'W/"v2"').reply(304, "", { etag: 'W/"v2"' });
  const octokit = client(7);
  const read = () => octokit.request("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", { owner: "acme", repo: "forecast", ref: "abc" });
  expect((await read()).data.total_count).toBe(0);
  expect((await read()).data.total_count).toBe(1);
  expect((await read()).data).toEqual({ total_count: 1, check_runs: [{ id: 9 }] });
});

it("never sends one installation's ETag with another installation's request", async () => {
  nock(API).get(`${R}/contents/.github%2Fbranch-steward.yml`).reply(200, "a: 1\n", { etag: 'W/"inst7"', "content-type": "text/plain" });
  nock(API, { badheaders: ["if-none-match"] }).get(`${R}/contents/.github%2Fbranch-steward.yml`).reply(200, "a: 1\n", { etag: 'W/"inst8"', "content-type": "text/plain" });
  const read = (installationId: number) =>
    client(installationId).request("GET /repos/{owner}/{repo}/contents/{path}", { owner: "acme", repo: "forecast", path: ".github/branch-steward.yml", mediaType: { format: "raw" } });
  await read(7);
  await read(8);
  expect(scopeOf({ auth: { installationId: 7 } })).not.toBe(scopeOf({ auth: { installationId: 8 } }));
  expect(scopeOf({ auth: "ghp_secret" })).not.toContain("ghp_secret");
  expect(scopeOf({ auth: { token: "ghp_secret" } })).toBe(scopeOf({ auth: "ghp_secret" }));
  expect(scopeOf({ auth: { token: "ghp_other" } })).not.toBe(scopeOf({ auth: "ghp_secret" }));
  expect(scopeOf({ auth: { appId: 1, privateKey: "k" } })).toBe("app");
});

it("keeps raw and JSON answers of one URL apart (the Accept header is part of the key)", async () => {
  nock(API).get(`${R}/contents/f.yml`).reply(200, "x: 1\n", { etag: 'W/"raw"', "content-type": "text/plain" });
  nock(API, { badheaders: ["if-none-match"] }).get(`${R}/contents/f.yml`).reply(200, { type: "file", content: "eDogMQo=" }, { etag: 'W/"json"' });
  const octokit = client(7);
  const read = (format?: string) => octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { owner: "acme", repo: "forecast", path: "f.yml", ...(format ? { mediaType: { format } } : {}) });
  expect((await read("raw")).data).toBe("x: 1\n");
  expect((await read()).data).toEqual({ type: "file", content: "eDogMQo=" });
  expect(cacheKey("installation:7", "GET", `${API}${R}/contents/f.yml`, "application/vnd.github.v3.raw")).not.toBe(cacheKey("installation:7", "GET", `${API}${R}/contents/f.yml`, "application/vnd.github.v3+json"));
});

it("paginates from the cache: every page revalidated, the stored Link followed (GitHub's 304 has none)", async () => {
  const page2 = `${API}/repositories/1/pulls?state=open&per_page=2&page=2`;
  nock(API).get(`${R}/pulls`).query({ state: "open", per_page: "2" }).reply(200, [pull(1), pull(2)], { etag: 'W/"p1"', link: `<${page2}>; rel="next"` });
  nock(API).get("/repositories/1/pulls").query({ state: "open", per_page: "2", page: "2" }).reply(200, [pull(3)], { etag: 'W/"p2"' });
  nock(API).get(`${R}/pulls`).query({ state: "open", per_page: "2" }).matchHeader("if-none-match", 'W/"p1"').reply(304, "", { etag: 'W/"p1"' });
  nock(API).get("/repositories/1/pulls").query({ state: "open", per_page: "2", page: "2" }).matchHeader("if-none-match", 'W/"p2"').reply(304, "", { etag: 'W/"p2"' });
  const octokit = client(7);
  const all = () => octokit.paginate(octokit.rest.pulls.list, { owner: "acme", repo: "forecast", state: "open", per_page: 2 });
  expect((await all()).map((p) => p.number)).toEqual([1, 2, 3]);
  expect((await all()).map((p) => p.number)).toEqual([1, 2, 3]);
});

it("does not keep a full page without a next link: a next page could appear behind an unchanged one", async () => {
  nock(API, { badheaders: ["if-none-match"] })
    .get(`${R}/issues/5/comments`)
    .query({ per_page: "2" })
    .times(2)
    .reply(200, [{ id: 1 }, { id: 2 }], { etag: 'W/"full"' });
  const octokit = client(7);
  await octokit.rest.issues.listComments({ owner: "acme", repo: "forecast", issue_number: 5, per_page: 2 });
  await octokit.rest.issues.listComments({ owner: "acme", repo: "forecast", issue_number: 5, per_page: 2 });
  expect(await counts()).toEqual({ miss: 2 });
});

it("leaves writes and a caller's own If-None-Match alone, and keeps no answer without an ETag", async () => {
  nock(API, { badheaders: ["if-none-match"] }).post(`${R}/check-runs`).reply(201, { id: 1 }, { etag: 'W/"w"' }).get(`${R}/pulls/1`).times(2).reply(200, pull(1));
  nock(API).get(`${R}/pulls/2`).matchHeader("if-none-match", 'W/"mine"').reply(304, "");
  const octokit = client(7);
  await octokit.rest.checks.create({ owner: "acme", repo: "forecast", name: "x", head_sha: "abc" });
  await octokit.rest.pulls.get({ owner: "acme", repo: "forecast", pull_number: 1 });
  await octokit.rest.pulls.get({ owner: "acme", repo: "forecast", pull_number: 1 });
  await expect(octokit.rest.pulls.get({ owner: "acme", repo: "forecast", pull_number: 2, headers: { "if-none-match": 'W/"mine"' } })).rejects.toMatchObject({ status: 304 });
});

it("installed as src/main.ts does (outermost): the request metrics count the 304 as 3xx, not an error, and keep its headroom", async () => {
  nock(API).get(`${R}/pulls/1`).reply(200, pull(1), { etag: 'W/"a"', "x-ratelimit-remaining": "10", "x-ratelimit-resource": "core" });
  nock(API).get(`${R}/pulls/1`).matchHeader("if-none-match", 'W/"a"').reply(304, "", { etag: 'W/"a"', "x-ratelimit-remaining": "10", "x-ratelimit-resource": "core" });
  const C = withConditionalRequests(instrumentedOctokit(Octokit, metrics), { store, metrics });
  const octokit = new C({ authStrategy: stubAuth, auth: { installationId: 7 }, log: quiet });
  await octokit.rest.pulls.get({ owner: "acme", repo: "forecast", pull_number: 1 });
  expect((await octokit.rest.pulls.get({ owner: "acme", repo: "forecast", pull_number: 1 })).data).toEqual(pull(1));
  const requests = Object.fromEntries((await metrics.githubRequests.get()).values.map((v) => [v.labels.status, v.value]));
  expect(requests).toEqual({ "2xx": 1, "3xx": 1 });
  expect((await metrics.errors.get()).values).toEqual([]);
  expect((await metrics.rateLimitRemaining.get()).values[0]?.value).toBe(10);
  expect(await counts()).toEqual({ miss: 1, stored: 1, hit: 1 });
});

(redisAvailable() ? describe : describe.skip)("shared through Redis", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it("a second process sends the first one's ETag and serves the 304 from the shared entry", async () => {
    const prefix = `etag-plugin:${Date.now()}:`;
    const [a, b] = [await createEtagStore({ log: silent, redisUrl: redis.url, prefix }), await createEtagStore({ log: silent, redisUrl: redis.url, prefix })];
    try {
      nock(API).get(`${R}/git/matching-refs/tags%2F`).reply(200, [{ ref: "refs/tags/v1.0.0" }], { etag: 'W/"tags"' });
      nock(API).get(`${R}/git/matching-refs/tags%2F`).matchHeader("if-none-match", 'W/"tags"').reply(304, "", { etag: 'W/"tags"' });
      const read = (s: EtagStore) => client(7, s).rest.git.listMatchingRefs({ owner: "acme", repo: "forecast", ref: "tags/" });
      await read(a);
      // The plugin does not wait for Redis: wait here until the entry is there.
      const key = cacheKey("installation:7", "GET", `${API}${R}/git/matching-refs/tags%2F`, "application/vnd.github.v3+json");
      for (let i = 0; i < 100 && !(await b.get(key)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect((await read(b)).data).toEqual([{ ref: "refs/tags/v1.0.0" }]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
