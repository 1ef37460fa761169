import nock from "nock";
import { COMMENT_MARKER } from "../../src/render/comment.js";
import { useNockedProbot } from "../support/nock.js";
import { API, APP_ID, BOT_LOGIN, mockAuth } from "../support/probot.js";
import { checkRunRerequestedPayload, FULL_NAME, HEAD_SHA, pullRequestPayload, type PullRequestOptions } from "../support/payloads.js";

const R = `/repos/${FULL_NAME}`;
type Body = Record<string, unknown> & { output?: { title: string; summary: string } };


const t = useNockedProbot();

const receive = (payload: Record<string, unknown>, name = "pull_request") =>
  t.probot.receive({ id: "delivery-1", name: name as "pull_request", payload: payload as never });
/** Delivers a PR event whose PR is evaluated: the handler re-reads the PR, and GitHub answers with it. */
const receiveFresh = (payload: Record<string, unknown>) => {
  const pull = payload.pull_request as { number: number };
  nock(API).get(`${R}/pulls/${pull.number}`).reply(200, pull);
  return receive(payload);
};
const pr = (o: Partial<PullRequestOptions> & Pick<PullRequestOptions, "source" | "target">) =>
  (o.state === "closed" ? receive : receiveFresh)(pullRequestPayload({ action: "opened", ...o }));

/** No config file in the repository nor in the organisation's .github repository. */
function noConfig(scope: nock.Scope): nock.Scope {
  return scope
    .get(`${R}/contents/.github%2Fbranch-steward.yml`)
    .reply(404, { message: "Not Found" })
    .get(`/repos/acme/.github/contents/.github%2Fbranch-steward.yml`)
    .reply(404, { message: "Not Found" });
}
function configFile(scope: nock.Scope, yaml: string): nock.Scope {
  return scope.get(`${R}/contents/.github%2Fbranch-steward.yml`).reply(200, yaml, { "content-type": "application/vnd.github.raw; charset=utf-8" });
}
const checkRuns = (scope: nock.Scope, runs: Record<string, unknown>[], sha = HEAD_SHA) =>
  scope.get(`${R}/commits/${sha}/check-runs`).query({ filter: "latest", per_page: "100" }).reply(200, { total_count: runs.length, check_runs: runs });
const noCheckRun = (scope: nock.Scope, _name: string, sha = HEAD_SHA) => checkRuns(scope, [], sha);
const existingCheckRun = (scope: nock.Scope, name: string, run: Record<string, unknown>, sha = HEAD_SHA) =>
  checkRuns(scope, [{ id: 99, name, app: { id: APP_ID, slug: "branch-steward" }, ...run }], sha);
/** The first comment on #7: the marker lookup finds none, the comment is created, and the list is read once more for a racing copy. */
const commentCreated = (scope: nock.Scope, capture: (b: Body) => void = () => undefined) =>
  scope
    .get(`${R}/issues/7/comments`)
    .query({ per_page: "100" })
    .reply(200, [])
    .post(`${R}/issues/7/comments`, (b: Body) => (capture(b), true))
    .reply(201, { id: 5 })
    .get(`${R}/issues/7/comments`)
    .query({ per_page: "100" })
    .reply(200, []);
const comments = (scope: nock.Scope, list: Record<string, unknown>[] = []) => scope.get(`${R}/issues/7/comments`).query({ per_page: "100" }).reply(200, list);

const VALIDATED = "validation:\n  sync:\n    required: [inference-tests, drift-detection, { name: performance, app: ci-bot }]\n  hotfix:\n    required: [inference-tests]\n";
const run = (name: string, over: Record<string, unknown> = {}) => ({
  id: Math.floor(Math.random() * 1e6),
  name,
  status: "completed",
  conclusion: "success",
  html_url: `https://github.com/${FULL_NAME}/runs/${name}`,
  started_at: "2026-11-26T08:00:00Z",
  completed_at: "2026-11-26T08:10:00Z",
  app: { id: 15368, slug: "ci-bot" },
  output: { title: null, summary: null },
  ...over,
});
const compareReply = (behindBy: number, commits: { sha: string; message: string }[] = [], over: Record<string, unknown> = {}) => ({
  status: behindBy ? "diverged" : "ahead",
  ahead_by: Math.max(1, commits.length),
  behind_by: behindBy,
  total_commits: commits.length,
  commits: commits.map((c) => ({ sha: c.sha, commit: { message: c.message } })),
  merge_base_commit: { sha: "base000000" },
  files: [],
  ...over,
});
const compare = (scope: nock.Scope, basehead: string, reply: object) =>
  scope.get(`${R}/compare/${basehead.replace(/\//g, "%2F")}`).query({ per_page: "100" }).reply(200, reply);
const noStatuses = (scope: nock.Scope) => scope.get(`${R}/commits/${HEAD_SHA}/statuses`).query({ per_page: "100" }).reply(200, []);

describe("pull_request: the flow check", () => {
  it("fails feature/x → production, tells it to target development, and comments once", async () => {
    let check: Body = {};
    let comment: Body = {};
    const scope = noConfig(mockAuth());
    noCheckRun(scope, "branch-steward / production")
      .post(`${R}/check-runs`, (b: Body) => ((check = b), true))
      .reply(201, { id: 1 });
    commentCreated(scope, (b) => (comment = b));

    await pr({ source: "feature/x", target: "production" });

    expect(check).toMatchObject({
      name: "branch-steward / production",
      head_sha: HEAD_SHA,
      status: "completed",
      conclusion: "failure",
      output: { title: "feature/x → production is not an allowed flow" },
    });
    expect(check.output?.summary).toContain("Retarget this PR to `development`");
    expect(check.output?.summary).toContain("defaults apply");
    expect(check.output?.summary).toMatchSnapshot();
    expect(String(comment.body)).toMatch(new RegExp(`^${COMMENT_MARKER}`));
    expect(comment.body).toMatchSnapshot();
    expect(t.logs.find((l) => l.msg === "evaluated pull request")).toMatchObject({ delivery: "delivery-1", repo: FULL_NAME, pr: 7, verdict: "failure" });
  });

  it("passes development → production as the sync flow once validation is green and it is up to date", async () => {
    let check: Body = {};
    const scope = configFile(mockAuth(), VALIDATED);
    checkRuns(scope, [run("inference-tests"), run("drift-detection"), run("performance")]);
    noStatuses(scope);
    compare(scope, `production...${HEAD_SHA}`, compareReply(0));
    commentCreated(scope);
    scope.post(`${R}/check-runs`, (b: Body) => ((check = b), true)).reply(201, { id: 1 });

    await pr({ source: "development", target: "production" });

    expect(check).toMatchObject({ status: "completed", conclusion: "success", output: { title: "sync flow: development → production is allowed" } });
    expect(check.output?.summary).toMatch(/Required check `performance` \(from ci-bot\) \| ✅ pass \| \[performance\]\(.*\): success by ci-bot/);
  });

  it("passes hotfix/x → production when validated, up to date and cut from production", async () => {
    let check: Body = {};
    const scope = configFile(mockAuth(), VALIDATED);
    checkRuns(scope, [run("inference-tests")]);
    noStatuses(scope);
    compare(scope, `production...${HEAD_SHA}`, compareReply(0, [{ sha: "f1x", message: "Fix drift threshold" }]));
    // The hotfix and development share only production's history: nothing from development.
    compare(scope, `development...${HEAD_SHA}`, compareReply(0, [{ sha: "f1x", message: "Fix drift threshold" }], { merge_base_commit: { sha: "prod000000" } }));
    compare(scope, `production...prod000000`, compareReply(0, [], { status: "identical", ahead_by: 0 }));
    commentCreated(scope);
    scope.post(`${R}/check-runs`, (b: Body) => ((check = b), true)).reply(201, { id: 1 });

    await pr({ source: "hotfix/fix-drift-threshold", target: "production" });

    expect(check).toMatchObject({ conclusion: "success", output: { title: "hotfix flow: hotfix/fix-drift-threshold → production is allowed" } });
    expect(check.output?.summary).toContain("Hotfix cut from production | ✅ pass");
  });

  it("fails a sync closed when no validation checks are configured, and says how to configure them", async () => {
    let check: Body = {};
    const scope = noConfig(mockAuth());
    noCheckRun(scope, "");
    compare(scope, `production...${HEAD_SHA}`, compareReply(0));
    commentCreated(scope);
    scope.post(`${R}/check-runs`, (b: Body) => ((check = b), true)).reply(201, { id: 1 });

    await pr({ source: "development", target: "production" });

    expect(check).toMatchObject({ conclusion: "failure", output: { title: "no validation configured for the sync flow" } });
    expect(check.output?.summary).toContain("validation: { sync: { required: [{ name: inference-tests }");
  });

  it("waits (in_progress) for checks that are missing or running, and lists them", async () => {
    let check: Body = {};
    const scope = configFile(mockAuth(), VALIDATED);
    checkRuns(scope, [run("inference-tests", { status: "in_progress", conclusion: null, completed_at: null })]);
    noStatuses(scope);
    compare(scope, `production...${HEAD_SHA}`, compareReply(0));
    commentCreated(scope);
    scope.post(`${R}/check-runs`, (b: Body) => ((check = b), true)).reply(201, { id: 1 });

    await pr({ source: "development", target: "production" });

    expect(check).toMatchObject({ status: "in_progress", output: { title: "waiting for inference-tests, drift-detection, performance" } });
    expect(check).not.toHaveProperty("conclusion");
    expect(check.output?.summary).toContain("Waiting for `drift-detection` to report");
  });

  it("goes red on a failed check, ignores a look-alike from another app, and counts a failed status", async () => {
    let check: Body = {};
    const scope = configFile(mockAuth(), VALIDATED);
    checkRuns(scope, [run("inference-tests"), run("performance", { app: { id: 1, slug: "mallory-app" } })]);
    scope
      .get(`${R}/commits/${HEAD_SHA}/statuses`)
      .query({ per_page: "100" })
      .reply(200, [
        { context: "drift-detection", state: "error", target_url: "https://ci/drift", created_at: "2026-11-26T08:00:00Z", updated_at: "2026-11-26T08:05:00Z", creator: { login: "jenkins" } },
      ]);
    compare(scope, `production...${HEAD_SHA}`, compareReply(0));
    commentCreated(scope);
    scope.post(`${R}/check-runs`, (b: Body) => ((check = b), true)).reply(201, { id: 1 });

    await pr({ source: "development", target: "production" });

    expect(check).toMatchObject({ conclusion: "failure", output: { title: "drift-detection failed" } });
    expect(check.output?.summary).toContain("Ignored `performance` from mallory-app: the config requires it from `ci-bot`");
  });

  it("blocks a sync while production has commits development lacks, and names them", async () => {
    let check: Body = {};
    const scope = configFile(mockAuth(), VALIDATED);
    checkRuns(scope, [run("inference-tests"), run("drift-detection"), run("performance")]);
    noStatuses(scope);
    compare(scope, `production...${HEAD_SHA}`, compareReply(1));
    compare(scope, `${HEAD_SHA}...production`, compareReply(0, [{ sha: "abcdef1234", message: "Fix drift threshold (#12)\n\nbody" }]));
    commentCreated(scope);
    scope.post(`${R}/check-runs`, (b: Body) => ((check = b), true)).reply(201, { id: 1 });

    await pr({ source: "development", target: "production" });

    expect(check).toMatchObject({ conclusion: "failure", output: { title: "production has 1 commit that development lacks" } });
    expect(check.output?.summary).toContain("1 commit behind `production`. Missing from the source: `abcdef1` Fix drift threshold (#12)");
  });

  it("refuses a hotfix cut from development and lists the offending commits", async () => {
    let check: Body = {};
    const scope = configFile(mockAuth(), VALIDATED);
    checkRuns(scope, [run("inference-tests")]);
    noStatuses(scope);
    compare(scope, `production...${HEAD_SHA}`, compareReply(0, [{ sha: "dev1aaaaaa", message: "Unvalidated model" }, { sha: "f1x", message: "Fix" }]));
    compare(scope, `development...${HEAD_SHA}`, compareReply(0, [{ sha: "f1x", message: "Fix" }], { merge_base_commit: { sha: "dev1aaaaaa" } }));
    compare(scope, `production...dev1aaaaaa`, compareReply(0, [{ sha: "dev1aaaaaa", message: "Unvalidated model" }]));
    commentCreated(scope);
    scope.post(`${R}/check-runs`, (b: Body) => ((check = b), true)).reply(201, { id: 1 });

    await pr({ source: "hotfix/x", target: "production" });

    expect(check).toMatchObject({ conclusion: "failure", output: { title: "1 commit from development: not cut from production" } });
    expect(check.output?.summary).toContain("1 commit of this PR is in `development` but not in `production`: `dev1aaa` Unvalidated model.");
    expect(check.output?.summary).toContain("git switch -c hotfix/<name> origin/production");
  });

  it("counts a hotfix's development commits exactly: 1,500 of them with one page of 100 listed", async () => {
    let check: Body = {};
    const scope = configFile(mockAuth(), VALIDATED);
    checkRuns(scope, [run("inference-tests")]);
    noStatuses(scope);
    const page = Array.from({ length: 100 }, (_, i) => ({ sha: `dev${i}`.padEnd(40, "0"), message: `Development work ${i}` }));
    compare(scope, `production...${HEAD_SHA}`, compareReply(0, page, { ahead_by: 1501, total_commits: 1501 }));
    compare(scope, `development...${HEAD_SHA}`, compareReply(0, [{ sha: "f1x", message: "Fix" }], { merge_base_commit: { sha: "devtip0000" } }));
    compare(scope, `production...devtip0000`, compareReply(0, page, { ahead_by: 1500, total_commits: 1500 }));
    commentCreated(scope);
    scope.post(`${R}/check-runs`, (b: Body) => ((check = b), true)).reply(201, { id: 1 });

    await pr({ source: "hotfix/x", target: "production" });

    expect(check).toMatchObject({ conclusion: "failure", output: { title: "1,500 commits from development: not cut from production" } });
    expect(check.output?.summary).toContain("1,500 commits of this PR are in `development` but not in `production`: `dev0000` Development work 0;");
    expect(check.output?.summary).toContain("`dev9000` Development work 9; and 1,490 more.");
    expect(check.output?.summary).not.toMatch(/\b100 commits\b/);
  });

  it("after a retarget to development: passes, edits the same comment, and neutralises the old check", async () => {
    const failing = "❌ **branch-steward**: blocked: feature/x → production is not an allowed flow";
    let newCheck: Body = {};
    let oldCheck: Body = {};
    let edited: Body = {};
    const scope = noConfig(mockAuth());
    noCheckRun(scope, "branch-steward / development")
      .post(`${R}/check-runs`, (b: Body) => ((newCheck = b), true))
      .reply(201, { id: 2 });
    comments(scope, [
      { id: 3, user: { login: "alice" }, body: `${COMMENT_MARKER} quoted by a human` },
      { id: 5, user: { login: BOT_LOGIN }, body: `${COMMENT_MARKER}\n${failing}` },
    ])
      .patch(`${R}/issues/comments/5`, (b: Body) => ((edited = b), true))
      .reply(200, { id: 5 });
    existingCheckRun(scope, "branch-steward / production", { status: "completed", conclusion: "failure", output: { title: "x", summary: "y" } })
      .get(`${R}/pulls`).query({ state: "open", per_page: "100" })
      .reply(200, [{ number: 7, state: "open", head: { sha: HEAD_SHA }, base: { ref: "development" } }])
      .patch(`${R}/check-runs/99`, (b: Body) => ((oldCheck = b), true))
      .reply(200, { id: 99 });

    await receiveFresh(
      pullRequestPayload({ action: "edited", source: "feature/x", target: "development", changes: { base: { ref: { from: "production" }, sha: { from: "abc" } } } }),
    );

    expect(newCheck).toMatchObject({ name: "branch-steward / development", conclusion: "success" });
    expect(String(edited.body)).toContain("allowed: the feature flow");
    expect(oldCheck).toMatchObject({ status: "completed", conclusion: "neutral", output: { title: "PR now targets development" } });
  });

  it("a stale `edited` (the PR is back on its old target) never neutralises the live check", async () => {
    let check: Body = {};
    const scope = noConfig(mockAuth());
    noCheckRun(scope, "")
      .post(`${R}/check-runs`, (b: Body) => ((check = b), true))
      .reply(201, {});
    commentCreated(scope);
    // The delivery says "moved from production to development", but GitHub says: production.
    const stale = pullRequestPayload({ action: "edited", source: "feature/x", target: "development", changes: { base: { ref: { from: "production" } } } });
    scope.get(`${R}/pulls/7`).reply(200, pullRequestPayload({ action: "edited", source: "feature/x", target: "production" }).pull_request as Body);
    await receive(stale);
    expect(check).toMatchObject({ name: "branch-steward / production", conclusion: "failure" });
  });

  it("keeps the old target's check when another open PR with the same head still targets it", async () => {
    const scope = noConfig(mockAuth());
    noCheckRun(scope, "branch-steward / development").post(`${R}/check-runs`).reply(201, { id: 2 });
    commentCreated(scope);
    existingCheckRun(scope, "branch-steward / production", { status: "completed", conclusion: "success", output: { title: "x", summary: "y" } })
      .get(`${R}/pulls`).query({ state: "open", per_page: "100" })
      .reply(200, [
        pullRequestPayload({ action: "opened", number: 7, source: "development", target: "development" }).pull_request,
        pullRequestPayload({ action: "opened", number: 8, source: "development", target: "production" }).pull_request,
      ]);

    await receiveFresh(pullRequestPayload({ action: "edited", source: "development", target: "development", changes: { base: { ref: { from: "production" } } } }));
    expect(t.logs.find((l) => l.msg === "evaluated pull request")).toMatchObject({ retarget: "kept" });
  });

  it("writes nothing when the check and the comment are already up to date", async () => {
    // First delivery: capture what the app writes.
    let check: Body = {};
    let comment: Body = {};
    const first = noConfig(mockAuth());
    noCheckRun(first, "branch-steward / development")
      .post(`${R}/check-runs`, (b: Body) => ((check = b), true))
      .reply(201, { id: 99 });
    commentCreated(first, (b) => (comment = b));
    await pr({ source: "feature/x", target: "development", action: "synchronize" });
    // The check is written first and claims the comment that goes with its verdict.
    expect(check.external_id).toMatch(/^bs1;s=[0-9a-f]{16};c=[0-9a-f]{16}$/);

    // The same delivery again: GitHub now holds exactly that; only reads may happen.
    // The check's claim says the comment was written, so it is not read again.
    const again = noConfig(nock(API));
    existingCheckRun(again, "branch-steward / development", { status: check.status, conclusion: check.conclusion, output: check.output, external_id: check.external_id });
    await pr({ source: "feature/x", target: "development", action: "synchronize" });
    expect(comment.body).toContain("allowed: the feature flow");

    expect(t.logs.filter((l) => l.msg === "evaluated pull request").map((l) => [l.check, l.comment])).toEqual([
      ["created", "created"],
      ["unchanged", "unchanged"],
    ]);
  });

  it("a check written before claims existed: the verdict is kept, the comment compared once and the claim recorded", async () => {
    let check: Body = {};
    let comment: Body = {};
    const first = noConfig(mockAuth());
    noCheckRun(first, "").post(`${R}/check-runs`, (b: Body) => ((check = b), true)).reply(201, { id: 99 });
    commentCreated(first, (b) => (comment = b));
    await pr({ source: "feature/x", target: "development" });

    // The same verdict on a run with no claim: the comment is read (it is current, so not
    // written), then only the claim is written, without touching the verdict.
    let claim: Body = {};
    const again = noConfig(nock(API));
    existingCheckRun(again, "branch-steward / development", { status: check.status, conclusion: check.conclusion, output: check.output, external_id: "" });
    comments(again, [{ id: 5, user: { login: BOT_LOGIN }, body: comment.body }]);
    again.patch(`${R}/check-runs/99`, (b: Body) => ((claim = b), true)).reply(200, { id: 99 });
    await pr({ source: "feature/x", target: "development" });

    expect(claim).toEqual({ external_id: check.external_id });
    expect(t.logs.filter((l) => l.msg === "evaluated pull request").at(-1)).toMatchObject({ check: "unchanged", comment: "unchanged" });
  });

  it("when another replica created the status comment at the same time, keeps the oldest and deletes its own", async () => {
    const scope = noConfig(mockAuth());
    noCheckRun(scope, "").post(`${R}/check-runs`).reply(201, {});
    comments(scope)
      .post(`${R}/issues/7/comments`)
      .reply(201, { id: 6 })
      .get(`${R}/issues/7/comments`)
      .query({ per_page: "100" })
      .reply(200, [
        { id: 5, user: { login: BOT_LOGIN }, body: `${COMMENT_MARKER}\nfrom the other replica` },
        { id: 6, user: { login: BOT_LOGIN }, body: `${COMMENT_MARKER}\nours` },
      ])
      .delete(`${R}/issues/comments/6`, () => ((deleted = 6), true))
      .reply(204);
    let deleted = 0;
    await pr({ source: "feature/x", target: "development" });
    expect(deleted).toBe(6);
    expect(t.logs.find((l) => l.msg === "evaluated pull request")).toMatchObject({ kind: "reported", comment: "created" });
  });

  it("does not check or comment on PRs into branches it does not govern", async () => {
    comments(mockAuth().get(`${R}/contents/.github%2Fbranch-steward.yml`).reply(404).get(`/repos/acme/.github/contents/.github%2Fbranch-steward.yml`).reply(404));
    await pr({ source: "feature/x", target: "release/2026" });
    const logged = t.logs.find((l) => l.msg === "evaluated pull request");
    expect(logged).toMatchObject({ pr: 7, kind: "ungoverned", comment: "absent" });
    expect(logged).not.toHaveProperty("check");
  });

  it("tells an old comment that the PR moved to an ungoverned branch, without creating one", async () => {
    let edited: Body = {};
    let oldCheck: Body = {};
    const scope = noConfig(mockAuth());
    comments(scope, [{ id: 5, user: { login: BOT_LOGIN }, body: `${COMMENT_MARKER}\nold` }])
      .patch(`${R}/issues/comments/5`, (b: Body) => ((edited = b), true))
      .reply(200, {});
    existingCheckRun(scope, "branch-steward / development", { status: "completed", conclusion: "success", output: { title: "x", summary: "y" } })
      .get(`${R}/pulls`).query({ state: "open", per_page: "100" })
      .reply(200, [{ number: 7, state: "open", head: { sha: HEAD_SHA }, base: { ref: "sandbox" } }])
      .patch(`${R}/check-runs/99`, (b: Body) => ((oldCheck = b), true))
      .reply(200, {});
    await receiveFresh(pullRequestPayload({ action: "edited", source: "feature/x", target: "sandbox", changes: { base: { ref: { from: "development" } } } }));
    expect(String(edited.body)).toContain("does not govern");
    expect(oldCheck).toMatchObject({ conclusion: "neutral", output: { title: "PR now targets sandbox" } });
  });

  it("reports a bad config as a failing check that names the key and the file", async () => {
    let check: Body = {};
    const scope = configFile(mockAuth(), "branches:\n  production: main\nflows:\n  - name: sync\n    kind: sync\n    form: development\n    into: main\n");
    noCheckRun(scope, "branch-steward / main")
      .post(`${R}/check-runs`, (b: Body) => ((check = b), true))
      .reply(201, { id: 1 });
    commentCreated(scope);

    await pr({ source: "development", target: "main" });

    expect(check).toMatchObject({ conclusion: "failure", output: { title: "configuration error: 2 problems in .github/branch-steward.yml" } });
    expect(check.output?.summary).toContain("`flows[0].form`: unknown key \"form\"");
    expect(check.output?.summary).toContain("`flows[0].from`");
    expect(check.output?.summary).toContain("default branch");
  });

  it("reports YAML that does not parse as a failing check, with the line", async () => {
    let check: Body = {};
    const scope = configFile(mockAuth(), "branches:\n  production: [main\n");
    noCheckRun(scope, "branch-steward / production")
      .post(`${R}/check-runs`, (b: Body) => ((check = b), true))
      .reply(201, { id: 1 });
    commentCreated(scope);

    await pr({ source: "development", target: "production" });

    expect(check).toMatchObject({ conclusion: "failure", output: { title: "configuration error: 1 problem in .github/branch-steward.yml" } });
    expect(check.output?.summary).toMatch(/invalid YAML.*at line \d+, column \d+/);
  });

  it("does not comment when comments are turned off", async () => {
    let check: Body = {};
    const scope = configFile(mockAuth(), "comment:\n  enabled: false\n");
    noCheckRun(scope, "branch-steward / development")
      .post(`${R}/check-runs`, (b: Body) => ((check = b), true))
      .reply(201, { id: 1 });
    await pr({ source: "feature/x", target: "development" });
    expect(check).toMatchObject({ name: "branch-steward / development", conclusion: "success" });
    expect(t.logs.find((l) => l.msg === "evaluated pull request")).toMatchObject({ check: "created", comment: "off" });
  });

  it("fails the delivery (so it can be redelivered) when GitHub cannot write the check", async () => {
    const scope = noConfig(mockAuth());
    noCheckRun(scope, "branch-steward / development").post(`${R}/check-runs`).reply(500, { message: "Server Error" });
    // The verdict comes first: with no check written, no comment is attempted either.
    await expect(pr({ source: "feature/x", target: "development" })).rejects.toThrow();
    expect(t.logs.find((l) => l.level >= 50)).toMatchObject({ delivery: "delivery-1", pr: 7 });
    expect(JSON.stringify(t.logs)).not.toContain("ghs_test");
  });

  it("decides on the PR as GitHub has it now, not on a stale payload (out-of-order delivery)", async () => {
    let check: Body = {};
    const stale = pullRequestPayload({ action: "synchronize", source: "feature/x", target: "production" });
    const now = pullRequestPayload({ action: "synchronize", source: "feature/x", target: "development" }).pull_request as Body;
    const scope = noConfig(mockAuth()).get(`${R}/pulls/7`).reply(200, now);
    noCheckRun(scope, "")
      .post(`${R}/check-runs`, (b: Body) => ((check = b), true))
      .reply(201, {});
    commentCreated(scope);
    await receive(stale);
    expect(check).toMatchObject({ name: "branch-steward / development", conclusion: "success" });
  });

  it("ignores a malformed payload with a log line and no request", async () => {
    const payload = pullRequestPayload({ action: "opened", source: "feature/x", target: "production" });
    delete (payload.pull_request as Record<string, unknown>).head;
    await receive(payload);
    expect(t.logs.find((l) => l.msg === "ignored: malformed pull_request payload")).toMatchObject({ problem: expect.stringContaining("head") });
  });

  it("ignores a payload with no repository or installation, without a request or a crash", async () => {
    await receive({ action: "opened" });
    await receive({ action: "opened", repository: { name: "forecast", owner: { login: "acme" } } });
    expect(t.logs.filter((l) => l.msg === "ignored: payload without repository or installation")).toHaveLength(2);
  });

  it("ignores edits that do not change the base, and closed PRs", async () => {
    const requests: string[] = [];
    const record = (req: { method?: string; path?: string }) => requests.push(`${req.method} ${req.path}`);
    nock.emitter.on("no match", record);
    try {
      await receive(pullRequestPayload({ action: "edited", source: "feature/x", target: "production", changes: { title: { from: "old" } } }));
      await pr({ source: "feature/x", target: "production", state: "closed", action: "reopened" });
    } finally {
      nock.emitter.removeListener("no match", record);
    }
    expect(requests).toEqual([]);
    expect(t.logs.some((l) => l.msg === "evaluated pull request")).toBe(false);
  });

  it("checks a fork PR like any other, and never calls its development branch a sync", async () => {
    let check: Body = {};
    const scope = noConfig(mockAuth());
    noCheckRun(scope, "branch-steward / production")
      .post(`${R}/check-runs`, (b: Body) => ((check = b), true))
      .reply(201, {});
    commentCreated(scope);
    await pr({ source: "development", target: "production", fork: "mallory/forecast" });
    expect(check).toMatchObject({ conclusion: "failure" });
    expect(check.output?.summary).toContain("mallory/forecast");
  });
});

/** GitHub's answer when a body is too long. */
const tooLong = (resource: string, field: string, max: number) => ({
  message: "Validation Failed",
  errors: [{ resource, code: "custom", field, message: `${field} is too long (maximum is ${max} characters)` }],
  documentation_url: "https://docs.github.com/rest",
  status: "422",
});
const INVALID_CONFIG = "branches:\n  production: [main\n";

describe("the verdict first, courtesy writes after", () => {
  it("a 422 on the comment: the check is still written with the right conclusion, the delivery succeeds, and the claim says unconfirmed", async () => {
    const { metrics } = await import("../../src/observability/metrics.js");
    const failuresBefore = (await metrics.courtesyFailures.get()).values.find((v) => v.labels.write === "comment")?.value ?? 0;
    let check: Body = {};
    let claim: Body = {};
    const scope = noConfig(mockAuth());
    noCheckRun(scope, "branch-steward / production")
      .post(`${R}/check-runs`, (b: Body) => ((check = b), true))
      .reply(201, { id: 31 });
    comments(scope).post(`${R}/issues/7/comments`).reply(422, tooLong("IssueComment", "body", 65536));
    scope.patch(`${R}/check-runs/31`, (b: Body) => ((claim = b), true)).reply(200, { id: 31 });

    await expect(pr({ source: "feature/x", target: "production" })).resolves.toBeUndefined();

    expect(check).toMatchObject({ name: "branch-steward / production", status: "completed", conclusion: "failure" });
    const summaryPart = String(check.external_id).replace(/;c=.*$/, "");
    expect(claim).toEqual({ external_id: `${summaryPart};c=unconfirmed` });
    expect(t.logs.find((l) => l.msg === "courtesy write failed; the work it describes stands")).toMatchObject({ courtesy: "comment", status: 422, pr: 7 });
    expect(t.logs.find((l) => l.msg === "evaluated pull request")).toMatchObject({ verdict: "failure", check: "created", comment: "failed" });
    const failuresAfter = (await metrics.courtesyFailures.get()).values.find((v) => v.labels.write === "comment")?.value ?? 0;
    expect(failuresAfter).toBe(failuresBefore + 1);
  });

  it("a comment that failed once is retried by the next event, which writes the comment and the claim but not the verdict", async () => {
    let check: Body = {};
    const first = noConfig(mockAuth());
    noCheckRun(first, "").post(`${R}/check-runs`, (b: Body) => ((check = b), true)).reply(201, { id: 99 });
    comments(first).post(`${R}/issues/7/comments`).reply(422, tooLong("IssueComment", "body", 65536));
    first.patch(`${R}/check-runs/99`).reply(200, { id: 99 });
    await pr({ source: "feature/x", target: "production" });

    let claim: Body = {};
    let comment: Body = {};
    const again = noConfig(nock(API));
    const unconfirmed = String(check.external_id).replace(/;c=.*$/, ";c=unconfirmed");
    existingCheckRun(again, "branch-steward / production", { status: check.status, conclusion: check.conclusion, output: check.output, external_id: unconfirmed });
    commentCreated(again, (b) => (comment = b));
    again.patch(`${R}/check-runs/99`, (b: Body) => ((claim = b), true)).reply(200, { id: 99 });
    await pr({ source: "feature/x", target: "production" });

    expect(String(comment.body)).toContain("feature/x → production is not an allowed flow");
    expect(claim).toEqual({ external_id: check.external_id });
    expect(t.logs.filter((l) => l.msg === "evaluated pull request").map((l) => [l.check, l.comment])).toEqual([
      ["created", "failed"],
      ["unchanged", "created"],
    ]);
  });

  it("if even the claim cannot be recorded, the comment is compared on the next evaluation in this process", async () => {
    let check: Body = {};
    const first = noConfig(mockAuth());
    noCheckRun(first, "").post(`${R}/check-runs`, (b: Body) => ((check = b), true)).reply(201, { id: 99 });
    comments(first).post(`${R}/issues/7/comments`).reply(500, { message: "Server Error" });
    first.patch(`${R}/check-runs/99`).reply(500, { message: "Server Error" });
    await expect(pr({ source: "feature/x", target: "development" })).resolves.toBeUndefined();

    // GitHub still holds the optimistic claim; the process remembers the comment is missing.
    const again = noConfig(nock(API));
    existingCheckRun(again, "branch-steward / development", { status: check.status, conclusion: check.conclusion, output: check.output, external_id: check.external_id });
    commentCreated(again);
    await pr({ source: "feature/x", target: "development" });

    // Healed: a third delivery is back to reads only.
    const third = noConfig(nock(API));
    existingCheckRun(third, "branch-steward / development", { status: check.status, conclusion: check.conclusion, output: check.output, external_id: check.external_id });
    await pr({ source: "feature/x", target: "development" });
    expect(t.logs.filter((l) => l.msg === "evaluated pull request").map((l) => l.comment)).toEqual(["failed", "created", "unchanged"]);
  });

  it("a 422 on the check for its size: a second, shorter write with the same verdict, so a green PR never stays green", async () => {
    const { metrics } = await import("../../src/observability/metrics.js");
    const shortBefore = (await metrics.verdictFallbacks.get()).values.find((v) => v.labels.form === "short")?.value ?? 0;
    const attempts: Body[] = [];
    const scope = configFile(mockAuth(), INVALID_CONFIG);
    // The PR was green before the configuration broke.
    existingCheckRun(scope, "branch-steward / production", { status: "completed", conclusion: "success", output: { title: "sync flow: development → production is allowed", summary: "old" } })
      .patch(`${R}/check-runs/99`, (b: Body) => (attempts.push(b), true))
      .reply(422, { message: "Invalid request.\n\nOnly 65535 characters are allowed; 70001 were supplied.", documentation_url: "https://docs.github.com/rest/checks/runs#update-a-check-run", status: "422" })
      .patch(`${R}/check-runs/99`, (b: Body) => (attempts.push(b), true))
      .reply(200, { id: 99 });
    commentCreated(scope);

    await pr({ source: "development", target: "production" });

    expect(attempts).toHaveLength(2);
    const [full, short] = attempts as [Body, Body];
    expect(full).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(short).toMatchObject({ status: "completed", conclusion: "failure", output: { title: "configuration error: 1 problem in .github/branch-steward.yml" } });
    expect(short.external_id).toBe(full.external_id);
    const summary = String(short.output?.summary);
    expect(summary.length).toBeLessThan(1500);
    expect(summary).toContain("**Blocked**");
    expect(summary).toContain("Failing rules: 1 (Configuration)");
    expect(summary).toContain(".github/branch-steward.yml");
    expect(summary).toContain(`(https://github.com/${FULL_NAME}/pull/7)`);
    expect(t.logs.find((l) => l.msg === "evaluated pull request")).toMatchObject({ verdict: "failure", check: "updated", form: "short" });
    const shortAfter = (await metrics.verdictFallbacks.get()).values.find((v) => v.labels.form === "short")?.value ?? 0;
    expect(shortAfter).toBe(shortBefore + 1);

    // The short form stands for this verdict: the next event writes nothing.
    const again = configFile(nock(API), INVALID_CONFIG);
    existingCheckRun(again, "branch-steward / production", { status: short.status, conclusion: short.conclusion, output: short.output, external_id: short.external_id });
    await pr({ source: "development", target: "production" });
    expect(t.logs.filter((l) => l.msg === "evaluated pull request").at(-1)).toMatchObject({ check: "unchanged", comment: "unchanged" });
  });

  it("when even the short form is refused, a minimal failing check replaces the green one, and the next event tries again", async () => {
    const attempts: Body[] = [];
    const refused = { message: "Invalid request.", documentation_url: "https://docs.github.com/rest/checks/runs#update-a-check-run", status: "422" };
    const scope = noConfig(mockAuth());
    // A feature branch into development passes; its earlier green had another summary.
    existingCheckRun(scope, "branch-steward / development", { status: "completed", conclusion: "success", output: { title: "old", summary: "old" } })
      .patch(`${R}/check-runs/99`, (b: Body) => (attempts.push(b), true))
      .times(2)
      .reply(422, refused)
      .patch(`${R}/check-runs/99`, (b: Body) => (attempts.push(b), true))
      .reply(200, { id: 99 });
    commentCreated(scope);

    await pr({ source: "feature/x", target: "development" });

    expect(attempts.map((a) => a.conclusion)).toEqual(["success", "success", "failure"]);
    expect(attempts[2]).toMatchObject({ status: "completed", output: { title: "branch-steward could not write its verdict" }, external_id: "bs1;fallback" });
    expect(t.logs.find((l) => l.msg === "evaluated pull request")).toMatchObject({ verdict: "failure", form: "minimal" });

    // The fallback never counts as current: the next event writes the real verdict again.
    let check: Body = {};
    const again = noConfig(nock(API));
    existingCheckRun(again, "branch-steward / development", { status: "completed", conclusion: "failure", output: attempts[2]?.output, external_id: "bs1;fallback" })
      .patch(`${R}/check-runs/99`, (b: Body) => ((check = b), true))
      .reply(200, { id: 99 });
    comments(again, [{ id: 5, user: { login: BOT_LOGIN }, body: "<!-- branch-steward -->\nstale" }]).patch(`${R}/issues/comments/5`).reply(200, { id: 5 });
    await pr({ source: "feature/x", target: "development" });
    expect(check).toMatchObject({ conclusion: "success" });
  });
});

describe("check_run.rerequested", () => {
  it("re-evaluates the open PRs of our check, found through the API (fork PRs have none in the payload)", async () => {
    let check: Body = {};
    const scope = mockAuth()
      .get(`${R}/pulls`).query({ state: "open", per_page: "100" })
      .reply(200, [
        {
          number: 7,
          state: "open",
          html_url: `https://github.com/${FULL_NAME}/pull/7`,
          head: { ref: "feature/x", sha: HEAD_SHA, repo: { full_name: "contributor/forecast" } },
          base: { ref: "development", repo: { full_name: FULL_NAME } },
        },
        { number: 9, state: "closed", head: { sha: HEAD_SHA }, base: { ref: "development" } },
      ]);
    noConfig(scope);
    existingCheckRun(scope, "branch-steward / development", { status: "completed", conclusion: "failure", output: { title: "stale", summary: "stale" } })
      .patch(`${R}/check-runs/99`, (b: Body) => ((check = b), true))
      .reply(200, {});
    commentCreated(scope);

    await receive(checkRunRerequestedPayload({ name: "branch-steward / development", appId: APP_ID }), "check_run");

    expect(check).toMatchObject({ conclusion: "success" });
  });

  it("ignores a look-alike check from another app", async () => {
    nock(API).get("/app").reply(200, { id: APP_ID, slug: "branch-steward" });
    await receive(checkRunRerequestedPayload({ name: "branch-steward / development", appId: 777 }), "check_run");
    expect(t.logs.some((l) => l.msg === "re-evaluated on re-run request")).toBe(false);
    expect(t.logs.some((l) => l.msg.startsWith("re-run requested"))).toBe(false);
  });
});

describe("pull_request: coupled components", () => {
  const COUPLED = "coupling:\n  groups:\n    - { name: model-features, when: ['models/**'], then: ['features/**'] }\n";

  it("a label other than the exception label reads the config and nothing else", async () => {
    configFile(mockAuth(), COUPLED);
    await receive({ ...pullRequestPayload({ action: "labeled", source: "feature/x", target: "development" }), label: { name: "bug" } });
    expect(t.logs.some((l) => l.msg === "evaluated pull request")).toBe(false);
  });

  it("the exception label applied by a writer accepts a broken group: who, from the issue events; write access, from the API", async () => {
    let check: Body = {};
    const payload = pullRequestPayload({ action: "labeled", source: "feature/x", target: "development" });
    const pull = payload.pull_request as Body;
    Object.assign(pull, { labels: [{ name: "coupling-not-needed" }], body: "Coupling-not-needed: model-features — weights only, the features are unchanged" });
    const scope = configFile(mockAuth(), COUPLED).get(`${R}/pulls/7`).reply(200, pull);
    noCheckRun(scope, "branch-steward / development")
      .get(`${R}/pulls/7/files`)
      .query({ per_page: "100" })
      .reply(200, [{ sha: "f1", filename: "models/churn/weights.bin", status: "modified", additions: 0, deletions: 0, changes: 0, blob_url: "", raw_url: "", contents_url: "" }])
      .get(`${R}/issues/7/events`)
      .query({ per_page: "100" })
      .reply(200, [
        { id: 1, node_id: "a", url: "", event: "labeled", actor: { login: "dave" }, label: { name: "coupling-not-needed", color: "ededed" }, commit_id: null, commit_url: null, created_at: "2026-11-26T08:00:00Z" },
        { id: 2, node_id: "b", url: "", event: "unlabeled", actor: { login: "carol" }, label: { name: "coupling-not-needed", color: "ededed" }, commit_id: null, commit_url: null, created_at: "2026-11-26T08:01:00Z" },
        { id: 3, node_id: "c", url: "", event: "labeled", actor: { login: "carol" }, label: { name: "Coupling-Not-Needed", color: "ededed" }, commit_id: null, commit_url: null, created_at: "2026-11-26T08:02:00Z" },
      ])
      .get(`${R}/collaborators/carol/permission`)
      .reply(200, { permission: "admin", role_name: "admin", user: { login: "carol" } })
      .get(`${R}/collaborators/Codertocat/permission`)
      .reply(200, { permission: "read", role_name: "read", user: { login: "Codertocat" } })
      .get(`${R}/git/trees/${HEAD_SHA}`)
      .query({ recursive: "1" })
      .reply(200, { sha: HEAD_SHA, url: "", truncated: false, tree: [{ path: "models/churn/weights.bin", type: "blob", mode: "100644", sha: "f1" }, { path: "features", type: "tree", mode: "040000", sha: "t1" }] })
      .post(`${R}/check-runs`, (b: Body) => ((check = b), true))
      .reply(201, { id: 1 });
    commentCreated(scope);

    await receive({ ...payload, label: { name: "coupling-not-needed" } });

    expect(check).toMatchObject({ conclusion: "success" });
    expect(check.output?.summary).toContain("exception accepted through the label `coupling-not-needed`, applied by @&#8203;carol: “weights only, the features are unchanged”");
    // No file is under features/: the `then` side matches nothing in the repository, a warning that does not fail.
    expect(check.output?.summary).toContain("| Coupling config | ✅ pass | Warning: `then` of `model-features` (`features/**`) matches no file in this PR's head");
  });

  it("a PR over GitHub's 3,000 files fails the row closed, with the count, without listing a file", async () => {
    let check: Body = {};
    const sha = "c0ffee0000000000000000000000000000000001";
    const payload = pullRequestPayload({ action: "opened", source: "feature/x", target: "development", sha });
    const pull = { ...(payload.pull_request as Body), changed_files: 4200 };
    const scope = configFile(mockAuth(), COUPLED).get(`${R}/pulls/7`).reply(200, pull);
    noCheckRun(scope, "branch-steward / development", sha)
      .post(`${R}/check-runs`, (b: Body) => ((check = b), true))
      .reply(201, { id: 1 });
    commentCreated(scope);
    await receive(payload);
    expect(check).toMatchObject({ conclusion: "failure", output: { title: "more than 3,000 files: coupled groups not checked" } });
    expect(check.output?.summary).toContain("This PR changes 4,200 files; GitHub lists at most 3,000 (0 read)");
  });
});

