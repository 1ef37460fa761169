/** Reading PRs: every answer goes through the one PR parser; a malformed PR in a list is dropped and counted, never thrown. */
import nock from "nock";
import { getPull, openPulls, openPullsWithHead, recentlyClosedInto } from "../../src/github/pulls.js";
import { HEAD_SHA, pullRequestPayload } from "../support/payloads.js";
import { API, octokit, R, REPO, useNock } from "./nock.js";

useNock();

const pull = (number: number, target: string, o: { sha?: string; state?: string } = {}) =>
  pullRequestPayload({ action: "opened", number, source: `feature/${number}`, target, ...o }).pull_request as Record<string, unknown>;
/** A PR GitHub would never send: no head SHA. */
const malformed = (number: number) => ({ ...pull(number, "development"), head: { ref: "feature/x", repo: null } });
const OTHER_SHA = "0000000000000000000000000000000000000001";

describe("openPulls", () => {
  it("reads every page, parses each PR and drops (and counts) a malformed one", async () => {
    nock(API)
      .get(`${R}/pulls`)
      .query({ state: "open", per_page: "100" })
      .reply(200, [pull(1, "development"), malformed(2)], { link: `<${API}${R}/pulls?state=open&per_page=100&page=2>; rel="next"` })
      .get(`${R}/pulls`)
      .query({ state: "open", per_page: "100", page: "2" })
      .reply(200, [pull(3, "production")]);
    const pulls = await openPulls(octokit(), REPO);
    expect(pulls.map((p) => [p.number, p.route.target])).toEqual([
      [1, "development"],
      [3, "production"],
    ]);
    expect(pulls.dropped).toBe(1);
    expect(pulls[0]).toMatchObject({ open: true, headSha: HEAD_SHA, author: expect.any(String), route: { source: "feature/1", baseRepo: "acme/forecast" } });
  });

  it("asks for the open PRs into a base when given one", async () => {
    nock(API).get(`${R}/pulls`).query({ state: "open", per_page: "100", base: "production" }).reply(200, [pull(4, "production")]);
    const pulls = await openPulls(octokit(), REPO, "production");
    expect(pulls.map((p) => p.number)).toEqual([4]);
    expect(pulls.dropped).toBe(0);
  });
});

describe("openPullsWithHead", () => {
  it("keeps the open PRs whose head is the SHA, and counts the malformed ones", async () => {
    nock(API)
      .get(`${R}/pulls`)
      .query({ state: "open", per_page: "100" })
      .reply(200, [pull(1, "development"), pull(2, "production", { sha: OTHER_SHA }), pull(3, "production"), { ...pull(4, "production"), state: "closed" }, malformed(5)]);
    const heads = await openPullsWithHead(octokit(), REPO, HEAD_SHA);
    expect(heads.map((p) => p.number)).toEqual([1, 3]);
    expect(heads.dropped).toBe(1);
  });
});

describe("getPull", () => {
  it("returns the PR's facts", async () => {
    nock(API).get(`${R}/pulls/7`).reply(200, { ...pull(7, "production"), merged: true, merged_at: "2026-11-26T09:00:00Z", merge_commit_sha: "m".repeat(40) });
    expect(await getPull(octokit(), REPO, 7)).toMatchObject({ number: 7, merged: true, mergeCommitSha: "m".repeat(40), route: { target: "production" } });
  });

  it("throws when GitHub's answer is not a PR it can read, naming what is missing", async () => {
    nock(API).get(`${R}/pulls/7`).reply(200, malformed(7));
    await expect(getPull(octokit(), REPO, 7)).rejects.toThrow(/pull request #7 of acme\/forecast is malformed: head\.sha/);
  });
});

describe("recentlyClosedInto", () => {
  it("reads one page: the 50 PRs into the base updated last; malformed ones are dropped", async () => {
    nock(API)
      .get(`${R}/pulls`)
      .query({ state: "closed", base: "production", sort: "updated", direction: "desc", per_page: "50" })
      .reply(200, [pull(9, "production", { state: "closed" }), malformed(8)], { link: `<${API}${R}/pulls?page=2>; rel="next"` });
    const closed = await recentlyClosedInto(octokit(), REPO, "production");
    expect(closed.map((p) => [p.number, p.open])).toEqual([[9, false]]);
    expect(closed.dropped).toBe(1);
  });
});
