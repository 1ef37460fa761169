import nock from "nock";
import { useNockedProbot } from "../support/nock.js";
import { API, APP_ID, INSTALLATION_ID, mockAuth } from "../support/probot.js";
import { example, FULL_NAME, HEAD_SHA } from "../support/payloads.js";

const R = `/repos/${FULL_NAME}`;
const installation = { id: INSTALLATION_ID, node_id: "x" };

const t = useNockedProbot();

function withRepo(payload: Record<string, unknown>): Record<string, unknown> {
  const repository = { ...(payload.repository as object), full_name: FULL_NAME, name: "forecast", owner: { login: "acme" }, default_branch: "production" };
  return { ...payload, repository, installation };
}
const receive = (name: string, payload: Record<string, unknown>) => t.probot.receive({ id: "d-2", name: name as "status", payload: payload as never });
const openPull = (number: number, source: string, target: string, sha = HEAD_SHA) => ({
  number,
  state: "open",
  html_url: `https://github.com/${FULL_NAME}/pull/${number}`,
  head: { ref: source, sha, repo: { full_name: FULL_NAME } },
  base: { ref: target, repo: { full_name: FULL_NAME } },
});
const sha = (c: string) => c.repeat(40);
/**
 * The config, answered ONCE (comments off, so a report is a check-run read and write): a second
 * read finds no mock and fails the delivery, so these tests prove one config read per event.
 */
const configOnce = (scope: nock.Scope) =>
  scope.get(`${R}/contents/.github%2Fbranch-steward.yml`).reply(200, "comment: { enabled: false }\n", { "content-type": "application/vnd.github.raw; charset=utf-8" });
/** A PR's check: none yet on its head, then written (its body captured by head SHA). */
const checkWritten = (scope: nock.Scope, head: string, checks: Record<string, Record<string, unknown>>) =>
  scope
    .get(`${R}/commits/${head}/check-runs`)
    .query({ filter: "latest", per_page: "100" })
    .reply(200, { total_count: 0, check_runs: [] })
    .post(`${R}/check-runs`, (b: Record<string, unknown>) => b.head_sha === head && ((checks[head] = b), true))
    .reply(201, { id: 1 });
const reevaluated = () => t.logs.filter((l) => l.msg === "re-evaluated pull request");
it("a status a flow requires, on a PR head, re-evaluates the open PRs it heads", async () => {
  let check: Record<string, unknown> = {};
  const scope = mockAuth().get(`${R}/pulls`).query({ state: "open", per_page: "100" }).reply(200, [openPull(7, "feature/x", "development"), { ...openPull(8, "old", "development"), state: "closed" }]);
  scope
    .get(`${R}/contents/.github%2Fbranch-steward.yml`)
    .reply(200, "validation: { feature: { required: [drift-detection] } }\n", { "content-type": "application/vnd.github.raw; charset=utf-8" })
    .get(`${R}/commits/${HEAD_SHA}/check-runs`)
    .query({ filter: "latest", per_page: "100" })
    .reply(200, { total_count: 0, check_runs: [] })
    .get(`${R}/commits/${HEAD_SHA}/statuses`)
    .query({ per_page: "100" })
    .reply(200, [{ id: 1, context: "drift-detection", state: "success", creator: { login: "ci" }, target_url: null, created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z" }])
    .get(`${R}/issues/7/comments`)
    .query(true)
    .reply(200, [])
    .post(`${R}/issues/7/comments`)
    .reply(201, {})
    .get(`${R}/issues/7/comments`).query({ per_page: "100" }).reply(200, [])
    .post(`${R}/check-runs`, (b: Record<string, unknown>) => ((check = b), true))
    .reply(201, {});
  await receive("status", withRepo({ ...example("status"), sha: HEAD_SHA, context: "drift-detection", state: "success" }));
  expect(check).toMatchObject({ name: "branch-steward / development", conclusion: "success" });
});

it("a status, check run or check suite no flow requires costs the config read alone", async () => {
  // The default config requires no check: each event reads the config (mocked once per event) and
  // nothing else; any other request finds no mock and fails the delivery.
  const scope = mockAuth();
  scope.get(`${R}/contents/.github%2Fbranch-steward.yml`).times(3).reply(200, "comment: { enabled: false }\n", { "content-type": "application/vnd.github.raw; charset=utf-8" });
  const ci = { id: 501, slug: "staging-ci" };
  await receive("status", withRepo({ ...example("status"), sha: HEAD_SHA, context: "lint", state: "success" }));
  const run = example("check_run", "completed");
  await receive("check_run", withRepo({ ...run, check_run: { ...(run.check_run as object), name: "lint", head_sha: HEAD_SHA, app: ci } }));
  const suite = example("check_suite", "completed");
  await receive("check_suite", withRepo({ ...suite, check_suite: { ...(suite.check_suite as object), head_sha: HEAD_SHA, app: ci } }));
  expect(scope.isDone()).toBe(true);
  expect(reevaluated()).toEqual([]);
});

it("ignores check runs written by branch-steward itself, so its own writes never loop", async () => {
  nock(API).get("/app").reply(200, { id: APP_ID, slug: "branch-steward" });
  const payload = example("check_run", "completed");
  (payload.check_run as Record<string, unknown>).app = { id: APP_ID, slug: "branch-steward" };
  await receive("check_run", withRepo(payload));
  expect(reevaluated()).toEqual([]);
});

it("a push to production re-evaluates the open PRs into production, reading the config once", async () => {
  const checks: Record<string, Record<string, unknown>> = {};
  const scope = configOnce(mockAuth())
    .get(`${R}/pulls`)
    .query({ state: "open", per_page: "100", base: "production" })
    .reply(200, [openPull(7, "feature/a", "production", sha("a")), openPull(8, "feature/b", "production", sha("b"))]);
  checkWritten(scope, sha("a"), checks);
  checkWritten(scope, sha("b"), checks);

  await receive("push", withRepo({ ...example("push"), ref: "refs/heads/production", deleted: false, commits: [] }));

  expect(reevaluated().map((l) => [l.pr, l.why, l.kind])).toEqual([
    [7, "production moved", "reported"],
    [8, "production moved", "reported"],
  ]);
  expect(Object.values(checks).map((c) => [c.name, c.conclusion])).toEqual([
    ["branch-steward / production", "failure"],
    ["branch-steward / production", "failure"],
  ]);
});

it("a config change on the default branch re-evaluates every open PR with ONE config read", async () => {
  const checks: Record<string, Record<string, unknown>> = {};
  const scope = configOnce(mockAuth())
    .get(`${R}/pulls`)
    .query({ state: "open", per_page: "100" })
    .reply(200, [openPull(7, "feature/a", "development", sha("a")), openPull(8, "feature/b", "production", sha("b")), openPull(9, "feature/c", "release/x", sha("c"))]);
  checkWritten(scope, sha("a"), checks);
  checkWritten(scope, sha("b"), checks);
  scope.get(`${R}/issues/9/comments`).query({ per_page: "100" }).reply(200, []); // ungoverned: only an old comment would be told

  await receive(
    "push",
    withRepo({ ...example("push"), ref: "refs/heads/production", deleted: false, commits: [{ added: [], modified: [".github/branch-steward.yml"], removed: [] }] }),
  );

  expect(reevaluated().map((l) => [l.pr, l.why, l.kind])).toEqual([
    [7, "config changed", "reported"],
    [8, "config changed", "reported"],
    [9, "config changed", "ungoverned"],
  ]);
  expect(checks[sha("a")]).toMatchObject({ name: "branch-steward / development", conclusion: "success" });
  expect(checks[sha("b")]).toMatchObject({ name: "branch-steward / production", conclusion: "failure" });
});

// `/branch-steward recheck` (and `/backport`) comments: test/handlers/commands.test.ts.
