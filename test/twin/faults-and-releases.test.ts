import type { Octokit } from "@octokit/rest";
import { mergeTrees } from "../../tools/twin/git.js";
import type { RepoHandle, Twin } from "../../tools/twin/index.js";
import { errorOf, installationOctokit, twinWith } from "./helpers.js";

let twin: Twin;
let repo: RepoHandle;
let octokit: Octokit;

beforeAll(async () => {
  twin = await twinWith();
  repo = twin.createRepo({ owner: "acme", name: "forecast", defaultBranch: "production" });
  octokit = installationOctokit(twin);
  await octokit.rest.repos.get({ owner: "acme", repo: "forecast" });
});

afterAll(async () => {
  await twin.close();
});

describe("fault knobs", () => {
  it("injects 500, 502 and secondary rate limits, never on actor methods", async () => {
    twin.failNext("500");
    expect((await errorOf(octokit.rest.repos.get({ owner: "acme", repo: "forecast" }))).status).toBe(500);
    twin.failNext("403-secondary");
    const limited = await errorOf(octokit.rest.repos.get({ owner: "acme", repo: "forecast" }));
    expect(limited.status).toBe(403);
    expect(String(limited.data.message)).toMatch(/secondary rate limit/);
    twin.setFaults({ rate: 1, kinds: ["502"], seed: 7 });
    repo.createBranch("still-works");
    expect((await errorOf(octokit.rest.repos.get({ owner: "acme", repo: "forecast" }))).status).toBe(502);
    twin.setFaults(null);
    expect(twin.requests.filter((r) => r.fault !== null).map((r) => r.fault)).toEqual(["500", "403-secondary", "502"]);
  });

  it("times out by holding and then destroying the socket", async () => {
    twin.setFaults({ rate: 1, kinds: ["timeout"], timeoutMs: 50 });
    const error = await errorOf(octokit.rest.repos.get({ owner: "acme", repo: "forecast" })).catch((e: unknown) => e);
    twin.setFaults(null);
    expect(error).toBeDefined();
    expect(twin.requests[twin.requests.length - 1]).toMatchObject({ fault: "timeout", status: 0 });
  });

  it("applies latency and logs reads and writes", async () => {
    twin.setLatency(() => 20);
    const started = Date.now();
    await octokit.rest.issues.create({ owner: "acme", repo: "forecast", title: "tracking" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    twin.setLatency(0);
    expect(twin.requests[twin.requests.length - 1]).toMatchObject({ method: "POST", route: "POST /repos/{owner}/{repo}/issues", write: true, status: 201 });
  });
});

describe("releases", () => {
  it("creates a lightweight tag for a new release, refuses duplicates, finds by tag", async () => {
    const created = await octokit.rest.repos.createRelease({ owner: "acme", repo: "forecast", tag_name: "v1.0.0", target_commitish: "production", name: "1.0.0" });
    expect(created.status).toBe(201);
    expect(repo.tags()).toContainEqual({ name: "v1.0.0", sha: repo.branchHead("production"), annotated: false });
    const dup = await errorOf(octokit.rest.repos.createRelease({ owner: "acme", repo: "forecast", tag_name: "v1.0.0" }));
    expect(dup.status).toBe(422);
    expect(dup.data.errors).toEqual([{ resource: "Release", code: "already_exists", field: "tag_name" }]);
    const byTag = await octokit.rest.repos.getReleaseByTag({ owner: "acme", repo: "forecast", tag: "v1.0.0" });
    expect(byTag.data.id).toBe(created.data.id);
  });
});

describe("3-way merge of file maps", () => {
  it("takes one-sided changes and reports both-sided ones as conflicts", () => {
    const base = { a: "1", b: "1", c: "1" };
    const ours = { a: "2", b: "1", c: "1", d: "new" };
    const theirs = { a: "1", b: "3", d: "new" };
    expect(mergeTrees(base, ours, theirs)).toEqual({ files: { a: "2", b: "3", d: "new" }, conflicts: [] });
    expect(mergeTrees(base, { ...base, a: "x" }, { ...base, a: "y" }).conflicts).toEqual(["a"]);
  });
});
