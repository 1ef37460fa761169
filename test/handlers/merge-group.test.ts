/** `merge_group` webhooks (real payload shapes from @octokit/webhooks-examples) and checks on a group's commit. */
import nock from "nock";
import { useNockedProbot } from "../support/nock.js";
import { APP_ID, INSTALLATION_ID, mockAuth } from "../support/probot.js";
import { example, FULL_NAME } from "../support/payloads.js";

const R = `/repos/${FULL_NAME}`;
const t = useNockedProbot();
type Body = Record<string, unknown>;

const sha = (c: string) => c.repeat(40);
const GROUP = sha("9");
const BASE = sha("0");
const queueRef = (pr: number, parent = BASE) => `refs/heads/gh-readonly-queue/production/pr-${pr}-${parent}`;
const STAGING = "validation: { sync: { required: [inference-tests] } }\ncomment: { enabled: false }\n";

function withRepo(payload: Body): Body {
  const repository = { ...(payload.repository as object), full_name: FULL_NAME, name: "forecast", owner: { login: "acme" }, default_branch: "production" };
  return { ...payload, repository, installation: { id: INSTALLATION_ID, node_id: "x" } };
}
function mergeGroupPayload(o: { action?: string; pr?: number; headRef?: string; reason?: string } = {}): Body {
  const payload = example("merge_group", "checks_requested");
  const group = payload.merge_group as Body;
  Object.assign(group, { head_sha: GROUP, head_ref: o.headRef ?? queueRef(o.pr ?? 12), base_sha: BASE, base_ref: "refs/heads/production" });
  Object.assign(group.head_commit as Body, { id: GROUP });
  return withRepo({ ...payload, action: o.action ?? "checks_requested", ...(o.reason ? { reason: o.reason } : {}) });
}
const receive = (payload: Body, name = "merge_group") => t.probot.receive({ id: "d-mq", name: name as "merge_group", payload: payload as never });

const config = (scope: nock.Scope, yaml = STAGING) =>
  scope.get(`${R}/contents/.github%2Fbranch-steward.yml`).reply(200, yaml, { "content-type": "application/vnd.github.raw; charset=utf-8" });
const queue = (scope: nock.Scope, entries: { pr: number; sha: string }[]) =>
  scope
    .get(`${R}/git/matching-refs/heads%2Fgh-readonly-queue%2Fproduction%2F`)
    .query({ per_page: "100" })
    .reply(200, entries.map((e) => ({ ref: queueRef(e.pr), node_id: "r", url: "u", object: { type: "commit", sha: e.sha, url: "u" } })));
const pull = (number: number, source: string, head: string) => ({
  number,
  state: "open",
  html_url: `https://github.com/${FULL_NAME}/pull/${number}`,
  head: { ref: source, sha: head, repo: { full_name: FULL_NAME } },
  base: { ref: "production", repo: { full_name: FULL_NAME } },
});
const ourCheck = (id: number, head: string, status: string, conclusion: string | null) => ({
  id,
  name: "branch-steward / production",
  head_sha: head,
  status,
  conclusion,
  app: { id: APP_ID, slug: "branch-steward" },
  output: { title: "t", summary: "s" },
  external_id: "",
});
const runs = (scope: nock.Scope, head: string, list: object[]) =>
  scope.get(`${R}/commits/${head}/check-runs`).query({ filter: "latest", per_page: "100" }).reply(200, { total_count: list.length, check_runs: list });
/** A PR of the group: read, and our check on its head. */
const member = (scope: nock.Scope, number: number, source: string, head: string, conclusion = "success") =>
  runs(scope.get(`${R}/pulls/${number}`).reply(200, pull(number, source, head)), head, [ourCheck(number, head, "completed", conclusion)]);

it("checks_requested for one allowed PR with a green check: success on the group's commit, and the summary says the PR head's evidence counted", async () => {
  let written: Body = {};
  const scope = queue(config(mockAuth()), [{ pr: 12, sha: GROUP }]);
  member(scope, 12, "development", sha("a"));
  runs(scope, GROUP, []).post(`${R}/check-runs`, (b: Body) => ((written = b), true)).reply(201, { id: 90 });
  await receive(mergeGroupPayload());
  expect(written).toMatchObject({ name: "branch-steward / production", head_sha: GROUP, status: "completed", conclusion: "success" });
  expect((written.output as Body).title).toBe("merge group allowed: #12");
  expect(String((written.output as Body).summary)).toContain("count on each PR's head (#12), not on this merge group commit");
});

it("a group holding a PR its flow denies (enqueued by an admin) fails, naming that PR; the entries ahead are found from the queue branches", async () => {
  let written: Body = {};
  const ahead = sha("8");
  const scope = queue(config(mockAuth()), [
    { pr: 11, sha: ahead },
    { pr: 12, sha: GROUP },
  ])
    .get(`${R}/compare/production...${GROUP}`)
    .query({ per_page: "100" })
    .reply(200, {
      status: "ahead",
      ahead_by: 2,
      behind_by: 0,
      total_commits: 2,
      commits: [ahead, GROUP].map((s) => ({ sha: s, commit: { message: "Merge pull request" }, parents: [] })),
    });
  member(scope, 11, "feature/x", sha("b"));
  member(scope, 12, "development", sha("a"));
  runs(scope, GROUP, []).post(`${R}/check-runs`, (b: Body) => ((written = b), true)).reply(201, { id: 90 });
  await receive(mergeGroupPayload({ pr: 12 }));
  expect(written).toMatchObject({ head_sha: GROUP, status: "completed", conclusion: "failure" });
  expect((written.output as Body).title).toBe("#11: feature/x → production is not an allowed flow");
  expect(String((written.output as Body).summary)).toContain("Merge queue group of 2 pull requests into `production`: #11, #12.");
});

it("with merge_group: require, the check waits in progress for the staging check on the group, and a check_run there concludes it", async () => {
  const yaml = "validation: { sync: { required: [inference-tests], merge_group: require } }\ncomment: { enabled: false }\n";
  let first: Body = {};
  let second: Body = {};
  const scope = queue(config(mockAuth(), yaml), [{ pr: 12, sha: GROUP }]);
  member(scope, 12, "development", sha("a"));
  runs(scope, GROUP, [])
    .get(`${R}/commits/${GROUP}/statuses`)
    .query({ per_page: "100" })
    .reply(200, [])
    .post(`${R}/check-runs`, (b: Body) => ((first = b), true))
    .reply(201, { id: 90 });
  await receive(mergeGroupPayload());
  expect(first).toMatchObject({ head_sha: GROUP, status: "in_progress" });
  expect(first).not.toHaveProperty("conclusion");
  expect((first.output as Body).title).toBe("merge group: waiting for inference-tests");

  // The staging check completes on the group's commit: its suite's branch is the queue branch.
  const staging = { id: 91, name: "inference-tests", head_sha: GROUP, status: "completed", conclusion: "success", app: { id: 77, slug: "staging-ci" }, started_at: "2026-11-26T11:00:00Z", completed_at: "2026-11-26T11:20:00Z", output: {} };
  const again = queue(config(nock("https://api.github.com"), yaml), [{ pr: 12, sha: GROUP }]);
  member(again, 12, "development", sha("a"));
  runs(again, GROUP, [staging, { ...ourCheck(90, GROUP, "in_progress", null), output: first.output }])
    .get(`${R}/commits/${GROUP}/statuses`)
    .query({ per_page: "100" })
    .reply(200, [])
    .patch(`${R}/check-runs/90`, (b: Body) => ((second = b), true))
    .reply(200, { id: 90 });
  const completed = example("check_run", "completed");
  const run = completed.check_run as Body;
  Object.assign(run, { ...staging, check_suite: { ...(run.check_suite as Body), head_branch: queueRef(12).slice("refs/heads/".length), head_sha: GROUP }, pull_requests: [] });
  await receive(withRepo(completed), "check_run");
  expect(second).toMatchObject({ status: "completed", conclusion: "success" });
  expect(String((second.output as Body).summary)).toContain("Required check `inference-tests` on the group (sync)");
});

it("a group's head ref that names no PR fails closed without reading the queue", async () => {
  let written: Body = {};
  const scope = config(mockAuth());
  runs(scope, GROUP, []).post(`${R}/check-runs`, (b: Body) => ((written = b), true)).reply(201, { id: 90 });
  await receive(mergeGroupPayload({ headRef: "refs/heads/gh-readonly-queue/production/not-a-pr" }));
  expect(written).toMatchObject({ head_sha: GROUP, conclusion: "failure" });
  expect((written.output as Body).title).toBe("the merge group's pull requests could not all be identified");
});

it("a group into an ungoverned branch gets no check", async () => {
  config(mockAuth());
  const payload = mergeGroupPayload();
  (payload.merge_group as Body).base_ref = "refs/heads/main";
  (payload.merge_group as Body).head_ref = `refs/heads/gh-readonly-queue/main/pr-12-${BASE}`;
  await receive(payload);
  expect(t.logs.find((l) => l.msg === "evaluated merge group")).toMatchObject({ kind: "ungoverned", base: "main" });
});

it.each(["merged", "dequeued", "invalidated"])("destroyed (%s) reads and writes nothing", async (reason) => {
  await receive(mergeGroupPayload({ action: "destroyed", reason }));
  expect(t.logs.find((l) => l.msg === "merge group destroyed: nothing to write")).toMatchObject({ reason, sha: GROUP });
});

it("a status on a group's commit (its branches name the queue branch) re-evaluates that group, not the PRs it heads", async () => {
  let written: Body = {};
  const scope = queue(config(mockAuth()), [{ pr: 12, sha: GROUP }]);
  member(scope, 12, "development", sha("a"));
  runs(scope, GROUP, []).post(`${R}/check-runs`, (b: Body) => ((written = b), true)).reply(201, { id: 90 });
  const branch = queueRef(12).slice("refs/heads/".length);
  await receive(withRepo({ ...example("status"), sha: GROUP, context: "inference-tests", state: "success", branches: [{ name: branch, commit: { sha: GROUP, url: "u" }, protected: false }] }), "status");
  expect(written).toMatchObject({ head_sha: GROUP, conclusion: "success" });
});

it("a push to a merge queue branch reads nothing: no PR targets it", async () => {
  const payload = example("push");
  await receive(withRepo({ ...payload, ref: queueRef(12), deleted: false, commits: [] }), "push");
  expect(t.logs.filter((l) => l.msg === "re-evaluated pull request")).toEqual([]);
});
