/**
 * The sweep isolates failures: one PR's failed write, one repository GitHub errors on, one
 * failing reconciler are each counted and logged, and the rest of the sweep still happens.
 */
import nock from "nock";
import { metrics } from "../../src/observability/metrics.js";
import { DEFAULT_SWEEP, RECONCILERS, sweep, type Reconciler } from "../../src/reconcile/sweep.js";
import { useNockedProbot } from "../support/nock.js";
import { API, APP_ID, APP_SLUG, BOT_LOGIN, INSTALLATION_ID } from "../support/probot.js";

type Body = Record<string, unknown>;
const t = useNockedProbot();
const identity = async () => ({ id: APP_ID, slug: APP_SLUG, botLogin: BOT_LOGIN });
const NOW = new Date("2026-11-26T12:00:00Z");
const MERGE = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const sha = (c: string) => c.repeat(40);

const openPull = (repo: string, number: number, source: string, head: string) => ({
  number,
  state: "open",
  html_url: `https://github.com/acme/${repo}/pull/${number}`,
  head: { ref: source, sha: head, repo: { full_name: `acme/${repo}` } },
  base: { ref: "development", repo: { full_name: `acme/${repo}` } },
});
const tooLong = { message: "Validation Failed", errors: [{ resource: "IssueComment", code: "custom", field: "body", message: "body is too long (maximum is 65536 characters)" }], documentation_url: "https://docs.github.com/rest", status: "422" };

/** The app's own requests: no failed deliveries, one installation with three repositories. */
function appLevel(scope: nock.Scope): nock.Scope {
  return scope
    .get("/app/hook/deliveries")
    .query({ per_page: "100" })
    .reply(200, [])
    .get("/app/installations")
    .query({ per_page: "100" })
    .reply(200, [{ id: INSTALLATION_ID, account: { login: "acme" } }])
    .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
    .reply(201, { token: "ghs_test", permissions: {} })
    .get("/installation/repositories")
    .query({ per_page: "100" })
    .reply(200, { total_count: 3, repositories: ["alpha", "beta", "gamma"].map((name, i) => ({ id: i + 1, name, full_name: `acme/${name}`, owner: { login: "acme" } })) });
}
/** No config file, read `times` times (the sweep reads it once per repository). */
const noConfig = (scope: nock.Scope, repo: string, times = 1) =>
  scope
    .get(`/repos/acme/${repo}/contents/.github%2Fbranch-steward.yml`)
    .times(times)
    .reply(404, { message: "Not Found" })
    .get("/repos/acme/.github/contents/.github%2Fbranch-steward.yml")
    .times(times)
    .reply(404, { message: "Not Found" });
const noCheckRuns = (scope: nock.Scope, repo: string, head: string) =>
  scope.get(`/repos/acme/${repo}/commits/${head}/check-runs`).query({ filter: "latest", per_page: "100" }).reply(200, { total_count: 0, check_runs: [] });
const closedPulls = (scope: nock.Scope, repo: string, list: object[]) =>
  scope.get(`/repos/acme/${repo}/pulls`).query({ state: "closed", base: "production", sort: "updated", direction: "desc", per_page: "50" }).reply(200, list);
/** No merge queue entries (the merge-groups reconciler lists the queue's read-only branches). */
const noQueue = (scope: nock.Scope, repo: string) => scope.get(`/repos/acme/${repo}/git/matching-refs/heads%2Fgh-readonly-queue%2F`).query({ per_page: "100" }).reply(200, []);
const commentsOf = (scope: nock.Scope, repo: string, number: number, list: object[] = []) =>
  scope.get(`/repos/acme/${repo}/issues/${number}/comments`).query({ per_page: "100" }).reply(200, list);

it("one PR's failed write, one failing repository and one failing reconciler never stop the rest of the sweep", async () => {
  const checks: Record<string, Body> = {};
  const written: Record<string, Body> = {};
  const scope = appLevel(nock(API));

  // alpha: PR #1's check write fails (500); PR #2's check is written, its comment is refused (422).
  noConfig(scope, "alpha")
    .get("/repos/acme/alpha/pulls")
    .query({ state: "open", per_page: "100" })
    .reply(200, [openPull("alpha", 1, "feature/a", sha("a")), openPull("alpha", 2, "feature/b", sha("b"))]);
  noCheckRuns(scope, "alpha", sha("a")).post("/repos/acme/alpha/check-runs", (b: Body) => b.head_sha === sha("a")).reply(500, { message: "Server Error" });
  noCheckRuns(scope, "alpha", sha("b"))
    .post("/repos/acme/alpha/check-runs", (b: Body) => b.head_sha === sha("b") && ((checks.alpha2 = b), true))
    .reply(201, { id: 22 });
  commentsOf(scope, "alpha", 2).post("/repos/acme/alpha/issues/2/comments").reply(422, tooLong);
  scope.patch("/repos/acme/alpha/check-runs/22", (b: Body) => ((written.claim = b), true)).reply(200, { id: 22 });
  closedPulls(scope, "alpha", []);
  noQueue(scope, "alpha");

  // beta: GitHub fails on the configuration read: the whole repository fails.
  scope.get("/repos/acme/beta/contents/.github%2Fbranch-steward.yml").reply(500, { message: "Server Error" });

  // gamma: a PR whose webhook was lost gets its check; a hotfix merged while the app was down gets its backport.
  noConfig(scope, "gamma")
    .get("/repos/acme/gamma/pulls")
    .query({ state: "open", per_page: "100" })
    .reply(200, [openPull("gamma", 3, "feature/c", sha("c"))]);
  noCheckRuns(scope, "gamma", sha("c"))
    .post("/repos/acme/gamma/check-runs", (b: Body) => ((checks.gamma3 = b), true))
    .reply(201, { id: 33 });
  commentsOf(scope, "gamma", 3).post("/repos/acme/gamma/issues/3/comments").reply(201, { id: 1 });
  commentsOf(scope, "gamma", 3);
  noQueue(scope, "gamma");
  closedPulls(scope, "gamma", [
    {
      number: 12,
      title: "Fix drift threshold",
      user: { login: "alice" },
      merged_at: "2026-11-26T11:00:00Z",
      merge_commit_sha: MERGE,
      state: "closed",
      html_url: "https://github.com/acme/gamma/pull/12",
      labels: [],
      head: { ref: "hotfix/drift", sha: sha("e"), repo: { full_name: "acme/gamma" } },
      base: { ref: "production", repo: { full_name: "acme/gamma" } },
    },
  ]);
  scope
    .get("/repos/acme/gamma/pulls")
    .query({ state: "all", head: "acme:backport/development/pr-12", per_page: "100" })
    .reply(200, [])
    .get(`/repos/acme/gamma/compare/development...${MERGE}`)
    .query({ per_page: "100" })
    .reply(200, { status: "ahead", base_commit: { sha: sha("d") }, ahead_by: 1, behind_by: 0, total_commits: 1, commits: [{ sha: MERGE, commit: { message: "Fix drift threshold (#12)" } }], files: [{ filename: "model.yml" }] })
    .get("/repos/acme/gamma/pulls/12/commits")
    .query({ per_page: "100" })
    .reply(200, [{ sha: sha("f"), commit: { message: "Fix drift threshold" } }])
    .post("/repos/acme/gamma/git/refs", (b: Body) => ((written.branch = b), true))
    .reply(201, {})
    .get("/repos/acme/gamma/pulls/12/reviews")
    .query({ per_page: "100" })
    .reply(200, [])
    .post("/repos/acme/gamma/pulls", (b: Body) => ((written.backport = b), true))
    .reply(201, { number: 13 })
    .post("/repos/acme/gamma/pulls/13/requested_reviewers")
    .reply(201, {})
    .post("/repos/acme/gamma/issues/13/assignees")
    .reply(201, {})
    .post("/repos/acme/gamma/issues/13/labels")
    .reply(200, [])
    .post("/repos/acme/gamma/issues/12/labels", (b: Body) => ((written.pending = b), true))
    .reply(200, [])
    .get("/repos/acme/gamma/pulls/13")
    .reply(200, { number: 13, mergeable: true });
  commentsOf(scope, "gamma", 12); // no release comment yet
  commentsOf(scope, "gamma", 12).post("/repos/acme/gamma/issues/12/comments").reply(201, { id: 2 });
  commentsOf(scope, "gamma", 12);

  // A reconciler that fails on alpha still runs on gamma.
  const reconciled: string[] = [];
  const releases: Reconciler = {
    name: "releases",
    failure: "extra",
    async run({ io }, summary) {
      reconciled.push(io.repo.repo);
      if (io.repo.repo === "alpha") throw new Error("GitHub said 502");
      summary.extra.found += 1;
      summary.extra.fixed += 1;
    },
  };

  const errorsBefore = (await metrics.errors.get()).values.find((v) => v.labels.source === "sweep")?.value ?? 0;
  const summary = await sweep(t.probot, identity, { ...DEFAULT_SWEEP, reconcilers: [...RECONCILERS.filter((r) => r.name !== "releases" && r.name !== "dashboard"), releases] }, NOW);

  expect(checks.alpha2).toMatchObject({ name: "branch-steward / development", conclusion: "success" });
  expect(String(written.claim?.external_id)).toMatch(/;c=unconfirmed$/); // the next sweep retries the comment
  expect(checks.gamma3).toMatchObject({ name: "branch-steward / development", head_sha: sha("c"), conclusion: "success" });
  expect(written.backport).toMatchObject({ head: "backport/development/pr-12", base: "development" });
  expect(written.pending).toEqual({ labels: ["backport-pending"] });
  expect(reconciled).toEqual(["alpha", "gamma"]);

  expect(summary).toMatchObject({
    repositories: 3,
    checks: { evaluated: 2, rewritten: 2, deferred: 0 },
    backports: { missing: 1, fixed: 1, unresolved: 0 },
    extra: { found: 1, fixed: 1 },
    failures: { redeliveries: 0, installations: 0, repositories: 1, pulls: 1, comments: 1, backports: 0, extra: 1 },
    errors: 4,
  });
  const errorsAfter = (await metrics.errors.get()).values.find((v) => v.labels.source === "sweep")?.value ?? 0;
  expect(errorsAfter).toBe(errorsBefore + 4);
  const failures = t.logs.filter((l) => typeof l.failure === "string").map((l) => [l.failure, l.repo, l.pr]);
  expect(failures).toEqual([
    ["pulls", "acme/alpha", 1],
    ["extra", "acme/alpha", undefined],
    ["repositories", "acme/beta", undefined],
  ]);
  expect(t.logs.find((l) => l.msg === "sweep finished")).toMatchObject({ level: 40 });
});

it("a failing redelivery or installation is counted, and the other installations are still swept", async () => {
  const scope = nock(API)
    .get("/app/hook/deliveries")
    .query({ per_page: "100" })
    .reply(200, [
      { id: 1, guid: "g1", delivered_at: "2026-11-26T11:00:00Z", status_code: 500, redelivery: false, event: "pull_request", action: "opened" },
      { id: 2, guid: "g2", delivered_at: "2026-11-26T11:01:00Z", status_code: 502, redelivery: false, event: "pull_request", action: "synchronize" },
    ])
    .post("/app/hook/deliveries/1/attempts")
    .reply(500, { message: "Server Error" })
    .post("/app/hook/deliveries/2/attempts")
    .reply(202, {})
    .get("/app/installations")
    .query({ per_page: "100" })
    .reply(200, [
      { id: 5, account: { login: "suspended" } },
      { id: INSTALLATION_ID, account: { login: "acme" } },
    ])
    .post("/app/installations/5/access_tokens")
    .reply(403, { message: "This installation has been suspended" })
    .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
    .reply(201, { token: "ghs_test", permissions: {} })
    .get("/installation/repositories")
    .query({ per_page: "100" })
    .reply(200, { total_count: 1, repositories: [{ id: 1, name: "gamma", full_name: "acme/gamma", owner: { login: "acme" } }] });
  noConfig(scope, "gamma").get("/repos/acme/gamma/pulls").query({ state: "open", per_page: "100" }).reply(200, []);
  noQueue(scope, "gamma");
  closedPulls(scope, "gamma", []); // backports
  closedPulls(scope, "gamma", []); // releases

  // The dashboard reconciler has its own tests (test/scenarios/dashboard.test.ts).
  const summary = await sweep(t.probot, identity, { ...DEFAULT_SWEEP, reconcilers: RECONCILERS.filter((r) => r.name !== "dashboard") }, NOW);

  expect(summary).toMatchObject({
    redeliveries: { failed: 2, redelivered: 1 },
    repositories: 1,
    failures: { redeliveries: 1, installations: 1 },
    errors: 2,
  });
});
