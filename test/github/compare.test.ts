/** The one compare adapter: GitHub's exact counts, one request for short ranges, every page (up to a cap) for long ones. */
import nock from "nock";
import { compare, MAX_COMPARE_PAGES, memoizedCompare } from "../../src/github/compare.js";
import { API, octokit, R, REPO, useNock } from "./nock.js";

useNock();

const BASE = "7a91000000000000000000000000000000000001";
const HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const commit = (sha: string, message = `${sha}\n\nbody`) => ({ sha, commit: { message, author: { name: "A" } }, author: null, parents: [{ sha: BASE }] });
const answer = (total: number, commits: object[], over: object = {}) => ({
  status: "diverged",
  ahead_by: total,
  behind_by: 3,
  total_commits: total,
  base_commit: { sha: BASE },
  merge_base_commit: { sha: "mb" },
  commits,
  files: [{ filename: "a" }, { filename: "b" }],
  ...over,
});
/** Page `n` of a range of `total` commits named c0…c(total-1), oldest first. */
const pages = (total: number, numbers: number[]) => {
  const scope = nock(API);
  for (const page of numbers) {
    const from = (page - 1) * 100;
    const commits = Array.from({ length: Math.min(100, total - from) }, (_, i) => commit(`c${from + i}`));
    scope
      .get(`${R}/compare/v1.0.0...${HEAD}`)
      .query(page === 1 ? { per_page: "100" } : { per_page: "100", page: String(page) })
      .reply(200, answer(total, commits));
  }
  return scope;
};

describe("compare", () => {
  it("reads a range of at most 100 commits with one request, with GitHub's counts and every commit's facts", async () => {
    nock(API)
      .get(`${R}/compare/production...${HEAD}`)
      .query({ per_page: "100" })
      .reply(200, answer(2, [commit("c1", "Fix drift (#12)\n\nDetails"), { ...commit("c2"), author: { login: "ana" } }]));
    const cmp = await compare(octokit(), REPO, "production", HEAD);
    expect(cmp).toMatchObject({ status: "diverged", aheadBy: 2, behindBy: 3, totalCommits: 2, baseSha: BASE, mergeBaseSha: "mb", filesChanged: 2, partial: false });
    expect(cmp.commits).toEqual([
      { sha: "c1", title: "Fix drift (#12)", message: "Fix drift (#12)\n\nDetails", author: "A", parents: [BASE] },
      { sha: "c2", title: "c2", message: "c2\n\nbody", author: "ana", parents: [BASE] },
    ]);
  });

  it("reads the last page too for a long range, so the newest commits are always there", async () => {
    nock(API)
      .get(`${R}/compare/v1.0.0...${HEAD}`)
      .query({ per_page: "100" })
      .reply(200, answer(150, [commit("old1"), commit("old2")]))
      .get(`${R}/compare/v1.0.0...${HEAD}`)
      .query({ per_page: "100", page: "2" })
      .reply(200, answer(150, [commit("old2"), commit(HEAD)]));
    const cmp = await compare(octokit(), REPO, "v1.0.0", HEAD);
    expect(cmp.commits.map((c) => c.sha)).toEqual(["old1", "old2", HEAD]);
    expect(cmp.totalCommits).toBe(150);
  });

  it("reads all 5 pages of 401 commits, oldest first; the counts are GitHub's and the comparison is complete", async () => {
    pages(401, [1, 2, 3, 4, 5]);
    const cmp = await compare(octokit(), REPO, "v1.0.0", HEAD);
    expect(cmp.commits).toHaveLength(401);
    expect(cmp.commits[0]?.sha).toBe("c0");
    expect(cmp.commits[400]?.sha).toBe("c400");
    expect(cmp).toMatchObject({ aheadBy: 401, behindBy: 3, totalCommits: 401, partial: false });
  });

  it("beyond the cap reads the first pages and the last one, and marks the rest unread", async () => {
    expect(MAX_COMPARE_PAGES).toBe(10);
    pages(1500, [1, 2, 3, 4, 5, 6, 7, 8, 9, 15]);
    const cmp = await compare(octokit(), REPO, "v1.0.0", HEAD);
    expect(cmp.commits).toHaveLength(1000);
    expect(cmp.commits.at(-1)?.sha).toBe("c1499"); // the newest commits are always there
    expect(cmp).toMatchObject({ aheadBy: 1500, totalCommits: 1500, partial: true });
  });

  it("with maxPages 1 reads one page of a long range: exact counts, the oldest commits, partial", async () => {
    pages(250, [1]);
    const cmp = await compare(octokit(), REPO, "v1.0.0", HEAD, { maxPages: 1 });
    expect(cmp).toMatchObject({ aheadBy: 250, totalCommits: 250, partial: true });
    expect(cmp.commits).toHaveLength(100);
  });

  it("stops when a server ignores paging and answers the first page again", async () => {
    nock(API)
      .get(`${R}/compare/v1.0.0...${HEAD}`)
      .query({ per_page: "100" })
      .reply(200, answer(300, [commit("a"), commit("b")]))
      .get(`${R}/compare/v1.0.0...${HEAD}`)
      .query({ per_page: "100", page: "2" })
      .reply(200, answer(300, [commit("a"), commit("b")]));
    const cmp = await compare(octokit(), REPO, "v1.0.0", HEAD);
    expect(cmp).toMatchObject({ totalCommits: 300, partial: true });
    expect(cmp.commits.map((c) => c.sha)).toEqual(["a", "b"]);
  });
});

describe("memoizedCompare", () => {
  it("reads a comparison asked for twice once", async () => {
    nock(API).get(`${R}/compare/production...${HEAD}`).query({ per_page: "100" }).reply(200, answer(1, [commit("c1")]));
    const cmp = memoizedCompare(octokit(), REPO, { maxPages: 1 });
    const [a, b] = await Promise.all([cmp("production", HEAD), cmp("production", HEAD)]);
    expect(a).toBe(b);
    expect(a.aheadBy).toBe(1);
  });
});
