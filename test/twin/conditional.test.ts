/**
 * The twin's conditional requests, as GitHub answers them: a weak ETag on every GET 200, a 304
 * with no body and no Link for a matching If-None-Match, not counted against the rate limit and
 * logged as 304; the ETag is per page, per token and per Accept, and changes with the state.
 */
import { Octokit } from "@octokit/rest";
import { createAppAuth } from "@octokit/auth-app";
import { withConditionalRequests } from "../../src/github/conditional-requests.js";
import { createEtagStore } from "../../src/infra/etag-cache.js";
import type { RepoHandle, Twin } from "../../tools/twin/index.js";
import { APP_ID, appKeys, installationOctokit, quiet, statusOf, twinWith } from "./helpers.js";

let twin: Twin;
let repo: RepoHandle;
let octokit: Octokit;
const owner = "acme";
const name = "etags";
const CI = { id: 501, slug: "staging-ci" };

beforeAll(async () => {
  twin = await twinWith({ webhookUrl: null });
  repo = twin.createRepo({ owner, name, defaultBranch: "production", files: { "README.md": "hello\n" } });
  octokit = installationOctokit(twin);
});
afterAll(async () => {
  await twin.close();
});

/** A GET with If-None-Match, answered raw (octokit turns a 304 into an error). */
async function conditional(path: string, etag: string, token?: string): Promise<Response> {
  const auth = token ?? ((await octokit.auth({ type: "installation" })) as { token: string }).token;
  return fetch(`${twin.url}${path}`, { headers: { authorization: `token ${auth}`, accept: "application/vnd.github.v3+json", "if-none-match": etag } });
}

it("answers a matching If-None-Match with a bodiless 304 carrying the ETag but no Link, not counted, logged as 304", async () => {
  const sha = repo.branchHead("production") as string;
  for (let i = 0; i < 3; i++) repo.createBranch(`page/${i}`, sha);
  const path = `/repos/${owner}/${name}/git/matching-refs/heads/page/?per_page=2`;
  const auth = ((await octokit.auth({ type: "installation" })) as { token: string }).token;
  const first = await fetch(`${twin.url}${path}`, { headers: { authorization: `token ${auth}`, accept: "application/vnd.github.v3+json" } });
  const etag = first.headers.get("etag") as string;
  expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
  expect(first.headers.get("link")).toContain('rel="next"');
  expect(first.headers.get("vary")).toContain("Authorization");
  const used = Number(first.headers.get("x-ratelimit-used"));
  const before = twin.requests.length;

  const again = await conditional(path, etag, auth);
  expect(again.status).toBe(304);
  expect(await again.text()).toBe("");
  expect(again.headers.get("etag")).toBe(etag);
  expect(again.headers.get("link")).toBeNull();
  expect(Number(again.headers.get("x-ratelimit-used"))).toBe(used);
  expect(twin.requests.slice(before).map((r) => r.status)).toEqual([304]);
  // The strong form of the same tag matches too (If-None-Match compares weakly).
  expect((await conditional(path, etag.replace(/^W\//, ""), auth)).status).toBe(304);
});

it("gives another token of the same installation another ETag, as GitHub's are token-specific", async () => {
  const path = `/repos/${owner}/${name}/pulls?state=open`;
  const first = await octokit.request(`GET ${path}`);
  const etag = first.headers.etag as string;
  expect((await conditional(path, etag)).status).toBe(304);
  const fresh = installationOctokit(twin); // a new client exchanges its own token
  const other = ((await fresh.auth({ type: "installation" })) as { token: string }).token;
  expect((await conditional(path, etag, other)).status).toBe(200);
});

it("changes the ETag of a commit's check runs when a check run is added or completes", async () => {
  const sha = repo.branchHead("production") as string;
  const list = () => octokit.rest.checks.listForRef({ owner, repo: name, ref: sha, filter: "latest", per_page: 100 });
  const before = await list();
  const id = repo.reportCheck(sha, { name: "lint", app: CI, status: "in_progress" });
  const added = await list();
  expect(added.headers.etag).not.toBe(before.headers.etag);
  expect(added.data.check_runs.map((r) => r.name)).toEqual(["lint"]);
  repo.updateCheck(id, { status: "completed", conclusion: "success" });
  const completed = await list();
  expect(completed.headers.etag).not.toBe(added.headers.etag);
  const path = `/repos/${owner}/${name}/commits/${sha}/check-runs?filter=latest&per_page=100`;
  expect((await conditional(path, added.headers.etag as string)).status).toBe(200);
  expect((await conditional(path, completed.headers.etag as string)).status).toBe(304);
});

it("changes the ETag of the config file when it changes, and of the open PR list when a head moves", async () => {
  const read = () => octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { owner, repo: name, path: "README.md", mediaType: { format: "raw" } });
  const before = (await read()).headers.etag;
  repo.commit("production", { message: "Docs", files: { "README.md": "changed\n" }, author: "alice" });
  const after = await read();
  expect(after.headers.etag).not.toBe(before);
  expect(after.data).toBe("changed\n");

  repo.commit("feature/x", { message: "X", files: { "x.txt": "1\n" }, author: "alice", from: "production" });
  repo.openPR({ head: "feature/x", base: "production", title: "X", user: "alice" });
  const pulls = () => octokit.rest.pulls.list({ owner, repo: name, state: "open", per_page: 100 });
  const opened = (await pulls()).headers.etag;
  repo.commit("feature/x", { message: "X2", files: { "x.txt": "2\n" }, author: "alice" });
  expect((await pulls()).headers.etag).not.toBe(opened);
});

it("gives writes and errors no ETag", async () => {
  const created = await octokit.rest.issues.create({ owner, repo: name, title: "t" });
  expect(created.headers.etag).toBeUndefined();
  expect(await statusOf(octokit.rest.pulls.get({ owner, repo: name, pull_number: 999 }))).toBe(404);
});

it("with the app's plugin: a list page that fills up still shows the page that appears behind it", async () => {
  const Conditional = withConditionalRequests(Octokit, { store: await createEtagStore({ log: { warn: () => undefined } }) });
  const client = new Conditional({ baseUrl: twin.url, authStrategy: createAppAuth, auth: { appId: APP_ID, privateKey: appKeys().privateKey, installationId: twin.installationId }, log: quiet });
  const sha = repo.branchHead("production") as string;
  const refs = async () => (await client.paginate(client.rest.git.listMatchingRefs, { owner, repo: name, ref: "heads/fill/", per_page: 2 })).map((r) => r.ref);
  repo.createBranch("fill/a", sha);
  expect(await refs()).toEqual(["refs/heads/fill/a"]);
  expect(await refs()).toEqual(["refs/heads/fill/a"]);
  repo.createBranch("fill/b", sha); // page 1 is full now, with no next page
  expect(await refs()).toEqual(["refs/heads/fill/a", "refs/heads/fill/b"]);
  repo.createBranch("fill/c", sha); // page 1 unchanged (a 304 would have no Link): page 2 appears
  expect(await refs()).toEqual(["refs/heads/fill/a", "refs/heads/fill/b", "refs/heads/fill/c"]);
  // The full page was not kept, so it was asked for without an ETag: 200, then page 2.
  const pages = twin.requests.filter((r) => /matching-refs\/heads(\/|%2F)fill/i.test(r.path)).map((r) => r.status);
  expect(pages).toEqual([200, 304, 200, 200, 200]);
});
