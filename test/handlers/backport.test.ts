import nock from "nock";
import { BACKPORT_MARKER } from "../../src/render/backport.js";
import { useNockedProbot } from "../support/nock.js";
import { API, mockAuth } from "../support/probot.js";
import { FULL_NAME, pullRequestPayload } from "../support/payloads.js";

const R = `/repos/${FULL_NAME}`;
const MERGE = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
type Body = Record<string, unknown>;

const t = useNockedProbot();

/** The handler re-reads the merged PR: the API answers with the payload's PR. */
const freshPull = (scope: nock.Scope, payload: Body, labels: string[] = []) =>
  scope.get(`${R}/pulls/12`).reply(200, { ...(payload.pull_request as Body), labels: labels.map((name) => ({ name })) });

function mergedHotfix(over: Record<string, unknown> = {}): Record<string, unknown> {
  const payload = pullRequestPayload({ action: "closed", source: "hotfix/fix-drift-threshold", target: "production", number: 12, state: "closed" });
  Object.assign(payload.pull_request as Body, { merged: true, merge_commit_sha: MERGE, title: "Fix drift threshold", user: { login: "alice" }, merged_by: { login: "carol" }, labels: [] }, over);
  return payload;
}
const receive = (payload: Body) => t.probot.receive({ id: "d-bp", name: "pull_request", payload: payload as never });
/** Delivers a merged hotfix; the handler's fresh read of the PR answers with the same PR. */
const receiveMerged = (labels: string[] = []) => {
  const payload = mergedHotfix();
  freshPull(nock(API), payload, labels);
  return receive(payload);
};
/** Releases are another feature on the same event: off here, so only backport requests remain. */
const noConfig = (scope: nock.Scope) =>
  scope
    .get(`${R}/contents/.github%2Fbranch-steward.yml`)
    .reply(200, "release:\n  enabled: false\n", { "content-type": "application/vnd.github.raw; charset=utf-8" });
const noBackportYet = (scope: nock.Scope) =>
  scope.get(`${R}/pulls`).query({ state: "all", head: "acme:backport/development/pr-12", per_page: "100" }).reply(200, []);
const compareBrings = (scope: nock.Scope, aheadBy: number) =>
  scope
    .get(`${R}/compare/development...${MERGE}`)
    .query({ per_page: "100" })
    .reply(200, {
      status: aheadBy ? "ahead" : "behind",
      base_commit: { sha: "dev0000000" },
      ahead_by: aheadBy,
      behind_by: 0,
      total_commits: aheadBy,
      commits: aheadBy ? [{ sha: "f00", commit: { message: "Pin model" } }, { sha: MERGE, commit: { message: "Fix drift threshold (#12)" } }].slice(-aheadBy) : [],
      files: aheadBy ? [{ filename: "model/thresholds.yml" }] : [],
    });
const sourceComments = (scope: nock.Scope, capture: (b: Body) => void) =>
  scope
    .get(`${R}/issues/12/comments`)
    .query({ per_page: "100" })
    .reply(200, [])
    .post(`${R}/issues/12/comments`, (b: Body) => (capture(b), true))
    .reply(201, {})
    .get(`${R}/issues/12/comments`).query({ per_page: "100" }).reply(200, []);

/** Before opening, the handler looks for the merge's release comment on the source PR (none yet). */
const noReleaseYet = (scope: nock.Scope) => scope.get(`${R}/issues/12/comments`).query({ per_page: "100" }).reply(200, []);

function openedBackport(scope: nock.Scope, bodies: Record<string, Body>, mergeable: boolean): nock.Scope {
  noReleaseYet(scope);
  return scope
    .post(`${R}/git/refs`, (b: Body) => ((bodies.ref = b), true))
    .reply(201, {})
    .get(`${R}/pulls/12/commits`)
    .query({ per_page: "100" })
    .reply(200, [{ sha: "h1", commit: { message: "Fix drift threshold" } }])
    .get(`${R}/pulls/12/reviews`)
    .query({ per_page: "100" })
    .reply(200, [{ id: 1, user: { login: "bob" }, state: "APPROVED", submitted_at: "2026-11-26T08:00:00Z" }])
    .post(`${R}/pulls`, (b: Body) => ((bodies.pull = b), true))
    .reply(201, { number: 13 })
    .post(`${R}/pulls/13/requested_reviewers`, (b: Body) => ((bodies.reviewers = b), true))
    .reply(201, {})
    .post(`${R}/issues/13/assignees`, (b: Body) => ((bodies.assignees = b), true))
    .reply(201, {})
    .post(`${R}/issues/13/labels`, (b: Body) => ((bodies.labels = b), true))
    .reply(200, [])
    .post(`${R}/issues/12/labels`, (b: Body) => ((bodies.sourceLabels = b), true))
    .reply(200, [])
    .get(`${R}/pulls/13`)
    .reply(200, { number: 13, mergeable });
}

it("opens the merge-back PR from the merge commit, with reviewers, assignees, labels and one comment", async () => {
  const bodies: Record<string, Body> = {};
  const scope = noConfig(mockAuth());
  noBackportYet(scope);
  compareBrings(scope, 2);
  openedBackport(scope, bodies, true);
  sourceComments(scope, (b) => (bodies.comment = b));

  await receiveMerged();

  expect(bodies.ref).toEqual({ ref: "refs/heads/backport/development/pr-12", sha: MERGE });
  expect(bodies.pull).toMatchObject({ head: "backport/development/pr-12", base: "development", title: "[development] Fix drift threshold (backport #12)" });
  expect(bodies.pull?.body).toMatchSnapshot();
  expect(bodies.reviewers).toEqual({ reviewers: ["alice", "bob"] });
  expect(bodies.assignees).toEqual({ assignees: ["alice", "carol"] });
  expect(bodies.labels).toEqual({ labels: ["backport"] });
  expect(bodies.sourceLabels).toEqual({ labels: ["backport-pending"] });
  expect(String(bodies.comment?.body)).toBe(`${BACKPORT_MARKER}\n🔁 Backport to \`development\`: #13 (open).`);
});

it("labels a conflicting backport and posts the commands to resolve it", async () => {
  const bodies: Record<string, Body> = {};
  const scope = noConfig(mockAuth());
  noBackportYet(scope);
  compareBrings(scope, 2);
  openedBackport(scope, bodies, false);
  sourceComments(scope, () => undefined);
  scope
    .post(`${R}/issues/13/labels`, (b: Body) => ((bodies.conflict = b), true))
    .reply(200, [])
    .get(`${R}/issues/13/comments`)
    .query({ per_page: "100" })
    .reply(200, [])
    .post(`${R}/issues/13/comments`, (b: Body) => ((bodies.commands = b), true))
    .reply(201, {})
    .get(`${R}/issues/13/comments`).query({ per_page: "100" }).reply(200, []);

  await receiveMerged();

  expect(bodies.conflict).toEqual({ labels: ["backport-conflict"] });
  expect(String(bodies.commands?.body)).toContain("git merge origin/development");
});

it("notes reviewers GitHub refuses in the PR body, and carries on", async () => {
  const bodies: Record<string, Body> = {};
  const scope = noConfig(mockAuth());
  noBackportYet(scope);
  compareBrings(scope, 2);
  scope
    .post(`${R}/git/refs`)
    .reply(201, {})
    .get(`${R}/pulls/12/commits`)
    .query(true)
    .reply(200, [])
    .get(`${R}/pulls/12/reviews`)
    .query(true)
    .reply(200, [{ user: { login: "outsider" }, state: "APPROVED", submitted_at: "2026-11-26T08:00:00Z" }]);
  noReleaseYet(scope)
    .post(`${R}/pulls`)
    .reply(201, { number: 13 })
    .post(`${R}/pulls/13/requested_reviewers`)
    .reply(422, { message: "Reviews may only be requested from collaborators." })
    .post(`${R}/pulls/13/requested_reviewers`, { reviewers: ["alice"] })
    .reply(201, {})
    .post(`${R}/pulls/13/requested_reviewers`, { reviewers: ["outsider"] })
    .reply(422, { message: "Reviews may only be requested from collaborators." })
    .patch(`${R}/pulls/13`, (b: Body) => ((bodies.update = b), true))
    .reply(200, {})
    .post(`${R}/issues/13/assignees`)
    .reply(201, {})
    .post(`${R}/issues/13/labels`)
    .reply(200, [])
    .post(`${R}/issues/12/labels`)
    .reply(200, [])
    .get(`${R}/pulls/13`)
    .reply(200, { mergeable: true });
  sourceComments(scope, () => undefined);

  await receiveMerged();

  expect(String(bodies.update?.body)).toMatch(/@outsider: Reviews may only be requested from collaborators/);
  expect(t.logs.find((l) => l.msg === "some reviewers could not be requested")).toBeDefined();
});

it("a refused reviewer request or label never stops the backport PR; the delivery fails afterwards so a redelivery retries them", async () => {
  const bodies: Record<string, Body> = {};
  const scope = noConfig(mockAuth());
  noBackportYet(scope);
  compareBrings(scope, 2);
  noReleaseYet(scope)
    .post(`${R}/git/refs`)
    .reply(201, {})
    .get(`${R}/pulls/12/commits`)
    .query(true)
    .reply(200, [])
    .get(`${R}/pulls/12/reviews`)
    .query(true)
    .reply(200, [{ id: 1, user: { login: "bob" }, state: "APPROVED", submitted_at: "2026-11-26T08:00:00Z" }])
    .post(`${R}/pulls`, (b: Body) => ((bodies.pull = b), true))
    .reply(201, { number: 13 })
    .post(`${R}/pulls/13/requested_reviewers`)
    .reply(500, { message: "Server Error" })
    .post(`${R}/issues/13/assignees`, (b: Body) => ((bodies.assignees = b), true))
    .reply(201, {})
    .post(`${R}/issues/13/labels`)
    .reply(422, { message: "Validation Failed", errors: [{ resource: "Label", code: "invalid", field: "name" }], documentation_url: "https://docs.github.com/rest", status: "422" })
    .post(`${R}/issues/12/labels`, (b: Body) => ((bodies.sourceLabels = b), true))
    .reply(200, [])
    .get(`${R}/pulls/13`)
    .reply(200, { number: 13, mergeable: true });
  sourceComments(scope, (b) => (bodies.comment = b));

  await expect(receiveMerged()).rejects.toThrow(/2 courtesy writes failed \(reviewer, label\); the work itself is done/);

  expect(bodies.pull).toMatchObject({ head: "backport/development/pr-12", base: "development" });
  expect(bodies.assignees).toEqual({ assignees: ["alice", "carol"] });
  expect(bodies.sourceLabels).toEqual({ labels: ["backport-pending"] });
  expect(String(bodies.comment?.body)).toBe(`${BACKPORT_MARKER}\n🔁 Backport to \`development\`: #13 (open).`);
  expect(t.logs.find((l) => l.msg === "backport")).toMatchObject({ pr: 12, result: { kind: "opened", pr: 13, created: true, mergeable: true } });
  expect(t.logs.filter((l) => l.msg === "courtesy write failed; the work it describes stands").map((l) => [l.courtesy, l.status, l.pr])).toEqual([
    ["reviewer", 500, 13],
    ["label", 422, 13],
  ]);
  expect(t.logs.some((l) => l.msg === "backport failed")).toBe(false);
});

it("says 'already in development' and opens nothing when there is nothing to bring", async () => {
  let comment: Body = {};
  let labels: Body = {};
  const scope = noConfig(mockAuth());
  noBackportYet(scope);
  compareBrings(scope, 0);
  scope.post(`${R}/issues/12/labels`, (b: Body) => ((labels = b), true)).reply(200, []);
  sourceComments(scope, (b) => (comment = b));

  await receiveMerged();

  expect(labels).toEqual({ labels: ["backport-not-needed"] });
  expect(String(comment.body)).toContain("Already in `development`");
});

function openBackportExists(scope: nock.Scope): nock.Scope {
  return scope
    .get(`${R}/pulls`)
    .query(true)
    .reply(200, [
      {
        number: 13,
        state: "open",
        merged_at: null,
        head: { ref: "backport/development/pr-12" },
        labels: [{ name: "backport" }],
        assignees: [{ login: "alice" }, { login: "carol" }],
      },
    ])
    .get(`${R}/issues/12/comments`)
    .query(true)
    .reply(200, [{ id: 1, user: { login: "branch-steward[bot]" }, body: `${BACKPORT_MARKER}\n🔁 Backport to \`development\`: #13 (open).` }]);
}

it("a redelivered merge finds the open backport and writes nothing", async () => {
  openBackportExists(noConfig(mockAuth()));
  await receiveMerged(["backport-pending"]);
  expect(t.logs.find((l) => l.msg === "backport")).toMatchObject({ pr: 12, result: { kind: "exists", pr: 13, state: "open", repaired: [] } });
});

it("repairs the source label an interrupted run left out", async () => {
  let added: Body = {};
  openBackportExists(noConfig(mockAuth()))
    .post(`${R}/issues/12/labels`, (b: Body) => ((added = b), true))
    .reply(200, []);
  await receiveMerged([]);
  expect(added).toEqual({ labels: ["backport-pending"] });
  expect(t.logs.find((l) => l.msg === "backport")).toMatchObject({ pr: 12, result: { kind: "exists", pr: 13, state: "open", repaired: ["source-label"] } });
});

it("comments clearly and fails the delivery when GitHub refuses (missing permission)", async () => {
  let comment: Body = {};
  const scope = noConfig(mockAuth());
  noBackportYet(scope);
  compareBrings(scope, 1);
  scope
    .get(`${R}/pulls/12/commits`)
    .query(true)
    .reply(200, [])
    .post(`${R}/git/refs`)
    .reply(403, { message: "Resource not accessible by integration" });
  sourceComments(scope, (b) => (comment = b));

  await expect(receiveMerged()).rejects.toThrow();
  expect(String(comment.body)).toContain("HTTP 403");
  expect(String(comment.body)).toContain("/backport");
  expect(t.logs.find((l) => l.msg === "backport failed")).toMatchObject({ pr: 12 });
});

it("a rate limit (403 with retry-after) fails the delivery for a retry, without blaming permissions on the PR", async () => {
  const scope = noConfig(mockAuth());
  scope.get(`${R}/pulls`).query({ state: "all", head: "acme:backport/development/pr-12", per_page: "100" }).reply(403, { message: "You have exceeded a secondary rate limit" }, { "retry-after": "1" });

  await expect(receiveMerged()).rejects.toThrow(/secondary rate limit/);
  expect(t.logs.find((l) => l.msg === "backport failed")).toMatchObject({ pr: 12 });
  // No comment mock: a failure comment would be an unmatched request and fail the delivery differently.
});

it("flips the source label when the backport PR merges", async () => {
  const scope = noConfig(mockAuth());
  let added: Body = {};
  scope
    .get(`${R}/issues/12/labels`)
    .query({ per_page: "100" })
    .reply(200, [{ name: "backport-pending" }])
    .delete(`${R}/issues/12/labels/backport-pending`)
    .reply(200, [])
    .post(`${R}/issues/12/labels`, (b: Body) => ((added = b), true))
    .reply(200, []);
  sourceComments(scope, () => undefined);
  const payload = pullRequestPayload({ action: "closed", source: "backport/development/pr-12", target: "development", number: 13, state: "closed" });
  Object.assign(payload.pull_request as Body, { merged: true, merge_commit_sha: MERGE });
  await receive(payload);
  expect(added).toEqual({ labels: ["backported"] });
});

it("a redelivered backport merge finds the labels already flipped and writes nothing", async () => {
  noConfig(mockAuth())
    .get(`${R}/issues/12/labels`)
    .query({ per_page: "100" })
    .reply(200, [{ name: "backported" }])
    .get(`${R}/issues/12/comments`)
    .query({ per_page: "100" })
    .reply(200, [{ id: 1, user: { login: "branch-steward[bot]" }, body: `${BACKPORT_MARKER}\n🔁 Backport to \`development\`: #13 (merged).` }]);
  const payload = pullRequestPayload({ action: "closed", source: "backport/development/pr-12", target: "development", number: 13, state: "closed" });
  Object.assign(payload.pull_request as Body, { merged: true, merge_commit_sha: MERGE });
  await receive(payload);
  expect(t.logs.find((l) => l.msg === "backport merged")).toMatchObject({ pr: 12, backport: 13, result: { kind: "marked", source: 12, removed: false, added: false, comment: "unchanged" } });
});

it("ignores merges into other branches and closed-unmerged PRs", async () => {
  const mergedFeature = (target: string, number: number) => {
    const payload = pullRequestPayload({ action: "closed", source: "feature/x", target, number, state: "closed" });
    Object.assign(payload.pull_request as Body, { merged: true, merge_commit_sha: MERGE });
    return payload;
  };
  // Merged into branches that are not production: the config is read once (no file), nothing else.
  const missing = (scope: nock.Scope) =>
    scope.get(`${R}/contents/.github%2Fbranch-steward.yml`).reply(404, { message: "Not Found" }).get("/repos/acme/.github/contents/.github%2Fbranch-steward.yml").reply(404, { message: "Not Found" });
  missing(mockAuth());
  await receive(mergedFeature("release/2026", 20));
  missing(nock(API));
  await receive(mergedFeature("development", 21));
  const logged = () => t.logs.filter((l) => l.msg === "backport" || l.msg === "release").map((l) => [l.msg, l.pr, l.result]);
  const skipped = (pr: number) => [
    ["backport", pr, { kind: "skipped", reason: "other-target" }],
    ["release", pr, { kind: "skipped", reason: "not-production" }],
  ];
  expect(logged()).toEqual([...skipped(20), ...skipped(21)]);

  // Closed without merging: no request, no log.
  await receive(mergedHotfix({ merged: false }));
  expect(logged()).toHaveLength(4);
});
