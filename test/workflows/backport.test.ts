/** backport and markBackported: one case per result kind that is cheap to reach, asserted on the returned value. */
import nock from "nock";
import { parseConfig } from "../../src/config/parse.js";
import type { PullRequestFacts } from "../../src/model/pull-request.js";
import { BACKPORT_MARKER } from "../../src/render/backport.js";
import { backport, markBackported } from "../../src/workflows/backport.js";
import { BOT_LOGIN } from "../support/probot.js";
import { API, MERGE, pull, R, strictNock, testIo } from "./io.js";

strictNock();
const valid = parseConfig(undefined);
const hotfix = (o: Partial<PullRequestFacts> = {}) => pull({ source: "hotfix/x", target: "production", ...o });
/** Our backport comment on #12: read, then created (and read again for a racing copy), unless `existing` already says it. */
const sourceComment = (scope: nock.Scope, existing?: string) =>
  existing
    ? scope.get(`${R}/issues/12/comments`).query({ per_page: "100" }).reply(200, [{ id: 1, user: { login: BOT_LOGIN }, body: existing }])
    : scope
        .get(`${R}/issues/12/comments`)
        .query({ per_page: "100" })
        .reply(200, [])
        .post(`${R}/issues/12/comments`)
        .reply(201, { id: 1 })
        .get(`${R}/issues/12/comments`)
        .query({ per_page: "100" })
        .reply(200, []);
const branch = (scope: nock.Scope, existing: object[]) =>
  scope.get(`${R}/pulls`).query({ state: "all", head: "acme:backport/development/pr-12", per_page: "100" }).reply(200, existing);

it("skipped: the policy says why (a backport PR is not backported again); no request", async () => {
  const { io } = testIo();
  expect(await backport(io, pull({ source: "backport/development/pr-3", target: "production" }), valid, { requested: false })).toEqual({
    kind: "skipped",
    reason: "is-backport",
  });
});

it("config-invalid: says so on the source PR and reads nothing else", async () => {
  sourceComment(nock(API));
  const { io } = testIo();
  expect(await backport(io, 12, parseConfig({ nonsense: true }), { requested: true })).toEqual({ kind: "config-invalid" });
});

it("exists: an open backport PR is found and only what is missing is repaired", async () => {
  const scope = branch(nock(API), [{ number: 13, state: "open", merged_at: null, head: { ref: "backport/development/pr-12" }, labels: [{ name: "backport" }], assignees: [{ login: "alice" }, { login: "carol" }] }]);
  scope.post(`${R}/issues/12/labels`, { labels: ["backport-pending"] }).reply(200, []);
  sourceComment(scope, `${BACKPORT_MARKER}\n🔁 Backport to \`development\`: #13 (open).`);
  const { io } = testIo();
  expect(await backport(io, hotfix(), valid, { requested: false })).toEqual({ kind: "exists", pr: 13, state: "open", repaired: ["source-label"] });
});

it("closed-by-human: a closed backport PR is not reopened without /backport", async () => {
  const scope = branch(nock(API), [{ number: 13, state: "closed", merged_at: null, head: { ref: "backport/development/pr-12" } }]);
  sourceComment(scope);
  const { io } = testIo();
  expect(await backport(io, hotfix({ labels: ["backport-pending"] }), valid, { requested: false })).toEqual({ kind: "closed-by-human", pr: 13 });
});

it("reopened: /backport reopens the closed backport PR", async () => {
  const scope = branch(nock(API), [{ number: 13, state: "closed", merged_at: null, head: { ref: "backport/development/pr-12" } }]);
  scope.patch(`${R}/pulls/13`, { state: "open" }).reply(200, {}).post(`${R}/issues/12/labels`, { labels: ["backport-pending"] }).reply(200, []);
  sourceComment(scope);
  const { io } = testIo();
  expect(await backport(io, hotfix(), valid, { requested: true })).toEqual({ kind: "reopened", pr: 13 });
});

it("not-needed: development already has the merge commit", async () => {
  const scope = branch(nock(API), []);
  scope
    .get(`${R}/compare/development...${MERGE}`)
    .query({ per_page: "100" })
    .reply(200, { status: "behind", base_commit: { sha: "d".repeat(40) }, ahead_by: 0, behind_by: 1, total_commits: 0, commits: [], files: [] })
    .post(`${R}/issues/12/labels`, { labels: ["backport-not-needed"] })
    .reply(200, []);
  sourceComment(scope);
  const { io } = testIo();
  expect(await backport(io, hotfix(), valid, { requested: false })).toEqual({ kind: "not-needed", why: "in-development" });
});

it("workflows-refused: GitHub refuses a branch that changes workflow files; the source PR gets the maintainer's commands, once", async () => {
  const refusal = "refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission";
  const scope = branch(nock(API), []);
  scope
    .get(`${R}/compare/development...${MERGE}`)
    .query({ per_page: "100" })
    .reply(200, { status: "ahead", base_commit: { sha: "d".repeat(40) }, ahead_by: 1, behind_by: 0, total_commits: 1, commits: [{ sha: MERGE, commit: { message: "Fix CI" } }], files: [{ filename: ".github/workflows/ci.yml" }] })
    .get(`${R}/pulls/12/commits`)
    .query({ per_page: "100" })
    .reply(200, [{ sha: "e".repeat(40), commit: { message: "Fix CI" } }])
    .post(`${R}/git/refs`, { ref: "refs/heads/backport/development/pr-12", sha: MERGE })
    .reply(422, { message: refusal, documentation_url: "https://docs.github.com/rest/git/refs#create-a-reference", status: "422" })
    .post(`${R}/issues/12/labels`, { labels: ["backport-pending"] })
    .reply(200, []);
  let said = "";
  scope
    .get(`${R}/issues/12/comments`)
    .query({ per_page: "100" })
    .reply(200, [])
    .post(`${R}/issues/12/comments`, (b: { body: string }) => ((said = b.body), true))
    .reply(201, { id: 1 })
    .get(`${R}/issues/12/comments`)
    .query({ per_page: "100" })
    .reply(200, []);
  const { io } = testIo();
  expect(await backport(io, hotfix(), valid, { requested: false })).toEqual({ kind: "workflows-refused", branch: "backport/development/pr-12" });
  expect(said).toContain("Workflows");
  expect(said).toContain(`git push origin ${MERGE}:refs/heads/backport/development/pr-12\n`);
  expect(said).toContain("comment `/backport`");
});

it("marked: the backport PR merged, so the source's labels flip (and a redelivery changes nothing)", async () => {
  const scope = nock(API)
    .get(`${R}/issues/12/labels`)
    .query({ per_page: "100" })
    .reply(200, [{ name: "backport-pending" }])
    .delete(`${R}/issues/12/labels/backport-pending`)
    .reply(200, [])
    .post(`${R}/issues/12/labels`, { labels: ["backported"] })
    .reply(200, []);
  sourceComment(scope);
  const { io } = testIo();
  expect(await markBackported(io, { source: 12, backport: 13 }, valid.config)).toEqual({ kind: "marked", source: 12, removed: true, added: true, comment: "created" });

  const again = nock(API).get(`${R}/issues/12/labels`).query({ per_page: "100" }).reply(200, [{ name: "backported" }]);
  sourceComment(again, `${BACKPORT_MARKER}\n🔁 Backport to \`development\`: #13 (merged).`);
  expect(await markBackported(io, { source: 12, backport: 13 }, valid.config)).toEqual({ kind: "marked", source: 12, removed: false, added: false, comment: "unchanged" });
});
