/** The one labels read and the one reviews read: every page, whatever the count. */
import nock from "nock";
import { listLabels, listReviews } from "../../src/github/evidence.js";
import { API, octokit, R, REPO, useNock } from "./nock.js";

useNock();

const next = (path: string) => ({ link: `<${API}${R}/${path}&page=2>; rel="next", <${API}${R}/${path}&page=2>; rel="last"` });

describe("listLabels", () => {
  it("reads both pages of a PR's labels", async () => {
    const first = Array.from({ length: 100 }, (_, i) => ({ id: i, name: `label-${i}` }));
    nock(API)
      .get(`${R}/issues/12/labels`)
      .query({ per_page: "100" })
      .reply(200, first, next("issues/12/labels?per_page=100"))
      .get(`${R}/issues/12/labels`)
      .query({ per_page: "100", page: "2" })
      .reply(200, [{ id: 100, name: "backport-pending" }]);
    const labels = await listLabels(octokit(), REPO, 12);
    expect(labels).toHaveLength(101);
    expect(labels.at(-1)).toBe("backport-pending");
  });
});

describe("listReviews", () => {
  it("reads both pages of a PR's reviews, with the reviewer and the state", async () => {
    const first = Array.from({ length: 100 }, (_, i) => ({ id: i + 1, user: { login: `r${i}` }, state: "COMMENTED" }));
    nock(API)
      .get(`${R}/pulls/12/reviews`)
      .query({ per_page: "100" })
      .reply(200, first, next("pulls/12/reviews?per_page=100"))
      .get(`${R}/pulls/12/reviews`)
      .query({ per_page: "100", page: "2" })
      .reply(200, [{ id: 101, user: { login: "bob" }, state: "APPROVED" }, { id: 102, user: null, state: "APPROVED" }]);
    const reviews = await listReviews(octokit(), REPO, 12);
    expect(reviews).toHaveLength(102);
    expect(reviews.slice(-2)).toEqual([
      { id: 101, user: "bob", state: "APPROVED" },
      { id: 102, user: null, state: "APPROVED" },
    ]);
  });
});
