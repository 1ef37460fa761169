import { generateKeyPairSync } from "node:crypto";
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import type { RepoHandle, Twin } from "../../tools/twin/index.js";
import { APP_ID, appOctokit, errorOf, installationOctokit, quiet, statusOf, twinWith } from "./helpers.js";

let twin: Twin;
let repo: RepoHandle;
let octokit: Octokit;
const owner = "acme";
const name = "forecast";

beforeAll(async () => {
  twin = await twinWith({ webhookUrl: null });
  repo = twin.createRepo({
    owner,
    name,
    defaultBranch: "production",
    files: { "README.md": "hello\n", ".github/branch-steward.yml": "flow: strict\n" },
    collaborators: { alice: "write" },
  });
  octokit = installationOctokit(twin);
});

afterAll(async () => {
  await twin.close();
});

describe("app authentication", () => {
  it("exchanges an app JWT for an installation token and serves /app", async () => {
    const { data } = await appOctokit(twin).rest.apps.getAuthenticated();
    expect(data).toMatchObject({ id: APP_ID, slug: "branch-steward" });
    const repoData = await octokit.rest.repos.get({ owner, repo: name });
    expect(repoData.data).toMatchObject({ full_name: "acme/forecast", default_branch: "production", private: true });
    expect(repoData.headers["x-ratelimit-limit"]).toBe("5000");
    expect(twin.requests.some((r) => r.route === "POST /app/installations/{installation_id}/access_tokens" && r.status === 201)).toBe(true);
  });

  it("rejects a JWT signed with another key, and unauthenticated requests", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const bad = new Octokit({ baseUrl: twin.url, authStrategy: createAppAuth, auth: { appId: APP_ID, privateKey: other.privateKey }, log: quiet });
    expect(await statusOf(bad.rest.apps.getAuthenticated())).toBe(401);
    const anonymous = new Octokit({ baseUrl: twin.url, log: quiet });
    const error = await errorOf(anonymous.rest.repos.get({ owner, repo: name }));
    expect(error.status).toBe(401);
    await expect(new Octokit({ baseUrl: twin.url, auth: "ghs_not_a_token", log: quiet }).rest.repos.get({ owner, repo: name })).rejects.toMatchObject({ status: 401 });
  });

  it("answers unknown routes with GitHub's 404 and records them", async () => {
    const error = await errorOf(octokit.request("GET /repos/{owner}/{repo}/hooks", { owner, repo: name }));
    expect(error.status).toBe(404);
    expect(error.data).toMatchObject({ message: "Not Found", status: "404" });
    expect(twin.unhandled).toContain("GET /repos/acme/forecast/hooks");
  });
});

describe("contents", () => {
  it("serves raw files, JSON content objects, directories and 404s", async () => {
    const raw = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { owner, repo: name, path: ".github/branch-steward.yml", mediaType: { format: "raw" } });
    expect(raw.data).toBe("flow: strict\n");
    expect(raw.headers["content-type"]).toBe("application/vnd.github.raw; charset=utf-8");
    const object = await octokit.rest.repos.getContent({ owner, repo: name, path: "README.md", ref: "production" });
    const file = object.data as { type: string; encoding: string; content: string; sha: string; path: string };
    expect(file).toMatchObject({ type: "file", encoding: "base64", path: "README.md" });
    expect(Buffer.from(file.content, "base64").toString()).toBe("hello\n");
    const dir = await octokit.rest.repos.getContent({ owner, repo: name, path: ".github" });
    expect(dir.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(Array.isArray(dir.data)).toBe(true);
    expect(await statusOf(octokit.rest.repos.getContent({ owner, repo: name, path: "missing.yml" }))).toBe(404);
    expect(await statusOf(octokit.rest.repos.getContent({ owner: "acme", repo: ".github", path: "x.yml" }))).toBe(404);
  });
});

describe("refs", () => {
  it("creates refs atomically: of two concurrent creates exactly one wins", async () => {
    const sha = repo.branchHead("production") as string;
    const attempts = await Promise.all(
      [0, 1].map(() => octokit.rest.git.createRef({ owner, repo: name, ref: "refs/heads/race", sha }).then((r) => r.status, (e: { status: number }) => e.status)),
    );
    expect(attempts.sort()).toEqual([201, 422]);
    const error = await errorOf(octokit.rest.git.createRef({ owner, repo: name, ref: "refs/heads/race", sha }));
    expect(error.data.message).toBe("Reference already exists");
  });

  it("refuses non-fast-forward updates unless forced, and deletes", async () => {
    const base = repo.branchHead("production") as string;
    const a = repo.commit("ff/a", { message: "a", files: { "a.txt": "a" }, author: "alice", from: "production" });
    const b = repo.commit("ff/b", { message: "b", files: { "b.txt": "b" }, author: "alice", from: "production" });
    await octokit.rest.git.createRef({ owner, repo: name, ref: "refs/heads/ff/target", sha: base });
    await octokit.rest.git.updateRef({ owner, repo: name, ref: "heads/ff/target", sha: a });
    const error = await errorOf(octokit.rest.git.updateRef({ owner, repo: name, ref: "heads/ff/target", sha: b }));
    expect(error).toMatchObject({ status: 422, data: { message: "Update is not a fast forward" } });
    await octokit.rest.git.updateRef({ owner, repo: name, ref: "heads/ff/target", sha: b, force: true });
    const ref = await octokit.rest.git.getRef({ owner, repo: name, ref: "heads/ff/target" });
    expect(ref.data.object.sha).toBe(b);
    expect((await octokit.rest.git.deleteRef({ owner, repo: name, ref: "heads/ff/target" })).status).toBe(204);
    expect(await statusOf(octokit.rest.git.getRef({ owner, repo: name, ref: "heads/ff/target" }))).toBe(404);
  });

  it("paginates matching refs with Link headers that octokit follows", async () => {
    const sha = repo.branchHead("production") as string;
    for (let i = 0; i < 7; i++) repo.createBranch(`page/${i}`, sha);
    const first = await octokit.rest.git.listMatchingRefs({ owner, repo: name, ref: "heads/page/", per_page: 3 });
    expect(first.data).toHaveLength(3);
    expect(first.headers.link).toContain('rel="next"');
    const all = await octokit.paginate(octokit.rest.git.listMatchingRefs, { owner, repo: name, ref: "heads/page/", per_page: 3 });
    expect(all.map((r) => r.ref)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `refs/heads/page/${i}`));
  });

  it("answers If-None-Match with 304 without counting it", async () => {
    const first = await octokit.rest.git.listMatchingRefs({ owner, repo: name, ref: "heads/page/" });
    const etag = first.headers.etag as string;
    const used = Number(first.headers["x-ratelimit-used"]);
    expect(await statusOf(octokit.rest.git.listMatchingRefs({ owner, repo: name, ref: "heads/page/", headers: { "if-none-match": etag } }))).toBe(304);
    const after = await octokit.rest.repos.get({ owner, repo: name });
    expect(Number(after.headers["x-ratelimit-used"])).toBe(used + 1);
  });
});

describe("commits, compare, git data", () => {
  it("reports ahead/behind/diverged/identical", async () => {
    repo.createBranch("cmp/base", "production");
    repo.commit("cmp/head", { message: "h1", files: { "h.txt": "1" }, author: "alice", from: "cmp/base" });
    repo.commit("cmp/head", { message: "h2", files: { "h.txt": "2" }, author: "alice" });
    const ahead = await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo: name, basehead: "cmp/base...cmp/head" });
    expect(ahead.data).toMatchObject({ status: "ahead", ahead_by: 2, behind_by: 0, total_commits: 2 });
    expect(ahead.data.commits.map((c) => c.commit.message)).toEqual(["h1", "h2"]);
    expect(ahead.data.files?.map((f) => f.filename)).toEqual(["h.txt"]);
    const behind = await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo: name, basehead: "cmp/head...cmp/base" });
    expect(behind.data).toMatchObject({ status: "behind", ahead_by: 0, behind_by: 2 });
    repo.commit("cmp/base", { message: "b1", files: { "b.txt": "1" }, author: "alice" });
    const diverged = await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo: name, basehead: "cmp/base...cmp/head" });
    expect(diverged.data).toMatchObject({ status: "diverged", ahead_by: 2, behind_by: 1 });
    expect(diverged.data.merge_base_commit.sha).toBe(repo.branchHead("production"));
    const same = await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo: name, basehead: "cmp/head...cmp/head" });
    expect(same.data.status).toBe("identical");
  });

  it("builds commits from trees and annotated tags through the git data API", async () => {
    const parent = repo.branchHead("production") as string;
    const parentCommit = await octokit.rest.git.getCommit({ owner, repo: name, commit_sha: parent });
    const tree = await octokit.rest.git.createTree({ owner, repo: name, base_tree: parentCommit.data.tree.sha, tree: [{ path: "VERSION", mode: "100644", type: "blob", content: "1.2.3\n" }] });
    const commit = await octokit.rest.git.createCommit({ owner, repo: name, message: "bump", tree: tree.data.sha, parents: [parent] });
    expect(commit.data.parents.map((p) => p.sha)).toEqual([parent]);
    await octokit.rest.git.updateRef({ owner, repo: name, ref: "heads/production", sha: commit.data.sha });
    expect(repo.files("production")["VERSION"]).toBe("1.2.3\n");
    const tag = await octokit.rest.git.createTag({ owner, repo: name, tag: "v1.2.3", message: "release", object: commit.data.sha, type: "commit" });
    await octokit.rest.git.createRef({ owner, repo: name, ref: "refs/tags/v1.2.3", sha: tag.data.sha });
    expect(repo.tags()).toContainEqual({ name: "v1.2.3", sha: commit.data.sha, annotated: true });
    const tags = await octokit.rest.repos.listTags({ owner, repo: name });
    expect(tags.data[0]).toMatchObject({ name: "v1.2.3", commit: { sha: commit.data.sha } });
    const got = await octokit.rest.repos.getCommit({ owner, repo: name, ref: "v1.2.3" });
    expect(got.data.sha).toBe(commit.data.sha);
  });

  it("merges branches: 201 merge commit, 204 nothing to merge, 409 conflict", async () => {
    repo.createBranch("m/base", "production");
    repo.commit("m/head", { message: "x", files: { "x.txt": "x" }, author: "alice", from: "production" });
    const merged = await octokit.rest.repos.merge({ owner, repo: name, base: "m/base", head: "m/head" });
    expect(merged.status).toBe(201);
    expect(merged.data.parents).toHaveLength(2);
    expect((await octokit.rest.repos.merge({ owner, repo: name, base: "m/base", head: "m/head" })).status).toBe(204);
    repo.commit("m/base", { message: "c1", files: { "c.txt": "base" }, author: "alice" });
    repo.commit("m/other", { message: "c2", files: { "c.txt": "other" }, author: "alice", from: "production" });
    expect(await statusOf(octokit.rest.repos.merge({ owner, repo: name, base: "m/base", head: "m/other" }))).toBe(409);
  });
});
