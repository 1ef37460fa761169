import nock from "nock";
import { backoff } from "../../src/workflows/release.js";
import { parseTagMetadata } from "../../src/policy/release.js";
import { useNockedProbot } from "../support/nock.js";
import { API, APP_ID, BOT_LOGIN, mockAuth } from "../support/probot.js";
import { FULL_NAME, HEAD_SHA, pullRequestPayload } from "../support/payloads.js";

const R = `/repos/${FULL_NAME}`;
const MERGE = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const OTHER = "0ther0000000000000000000000000000000000a1";
const V100 = "7a91000000000000000000000000000000000001";
type Body = Record<string, unknown>;

beforeAll(() => {
  backoff.baseMs = 1;
});
const t = useNockedProbot();

/** A `pull_request.closed` payload from @octokit/webhooks-examples, merged into production. */
function mergedPayload(o: { source?: string; target?: string; number?: number; title?: string; body?: string } = {}): Body {
  const number = o.number ?? 12;
  const payload = pullRequestPayload({ action: "closed", source: o.source ?? "hotfix/fix-drift-threshold", target: o.target ?? "production", number, state: "closed" });
  Object.assign(payload.pull_request as Body, {
    merged: true,
    merged_at: "2026-11-26T09:00:00Z",
    merge_commit_sha: MERGE,
    title: o.title ?? "Fix drift threshold",
    body: o.body ?? "Lower the drift threshold.",
    user: { login: "alice" },
    merged_by: { login: "carol" },
    labels: [{ name: "release:major" }], // stale payload labels: the API's answer counts
  });
  (payload.repository as Body).html_url = `https://github.com/${FULL_NAME}`;
  return payload;
}
const receive = (payload: Body) => t.probot.receive({ id: "d-rel", name: "pull_request", payload: payload as never });

const CONFIG = "validation:\n  hotfix:\n    required:\n      - { name: inference-tests, app: staging-ci }\nbackport:\n  enabled: false\n";
/**
 * Releases and backports both handle the event, and each reads the config once. Backports are
 * off in these tests; the backport handler may still read the PR before it finds that out.
 */
const config = (scope: nock.Scope, yaml = CONFIG) =>
  scope
    .get(`${R}/contents/.github%2Fbranch-steward.yml`)
    .reply(200, yaml, { "content-type": "application/vnd.github.raw; charset=utf-8" })
    .get(`${R}/pulls/12`)
    .optionally()
    .reply(200, () => mergedPayload().pull_request as Body);

const ciRun = { id: 1, name: "inference-tests", status: "completed", conclusion: "success", html_url: "https://ci.example/inference-tests/1", started_at: "2026-11-26T08:00:00Z", completed_at: "2026-11-26T08:10:00Z", app: { id: 501, slug: "staging-ci" }, output: { title: null, summary: null } };
const ourCheck = (conclusion: string) => ({ id: 2, name: "branch-steward / production", status: "completed", conclusion, html_url: "https://github.com/x", started_at: "2026-11-26T08:11:00Z", completed_at: "2026-11-26T08:11:00Z", app: { id: APP_ID, slug: "branch-steward" }, output: { title: "t", summary: "s" } });

/** Everything read about the PR once per delivery: labels, reviews, checks and statuses on head and merge commit. */
function prFacts(scope: nock.Scope, o: { labels?: string[]; our?: string } = {}): nock.Scope {
  const checks = (sha: string, runs: object[]) =>
    scope
      .get(`${R}/commits/${sha}/check-runs`)
      .query({ filter: "latest", per_page: "100" })
      .reply(200, { total_count: runs.length, check_runs: runs })
      .get(`${R}/commits/${sha}/statuses`)
      .query({ per_page: "100" })
      .reply(200, []);
  scope
    .get(`${R}/issues/12/labels`)
    .query({ per_page: "100" })
    .reply(200, (o.labels ?? []).map((name, i) => ({ id: i, name })))
    .get(`${R}/pulls/12/reviews`)
    .query({ per_page: "100" })
    .reply(200, [
      { id: 1, user: { login: "bob" }, state: "APPROVED" },
      { id: 2, user: { login: "dave" }, state: "CHANGES_REQUESTED" },
    ]);
  checks(HEAD_SHA, [ciRun, ourCheck(o.our ?? "success")]);
  return checks(MERGE, []);
}
const tags = (scope: nock.Scope, names: string[]) =>
  scope
    .get(`${R}/git/matching-refs/tags%2F`)
    .query({ per_page: "100" })
    .reply(
      200,
      names.map((n, i) => ({ ref: `refs/tags/${n}`, object: { sha: `${i}`.padStart(40, "f"), type: "tag" } })),
    );
const compare = (scope: nock.Scope, base: string, status: string, parent = V100) =>
  scope
    .get(`${R}/compare/${base}...${MERGE}`)
    .query({ per_page: "100" })
    .reply(200, {
      status,
      base_commit: { sha: parent },
      total_commits: 2,
      commits: [
        { sha: HEAD_SHA, commit: { message: "Lower drift threshold", author: { name: "Alice" } }, author: { login: "alice" }, parents: [{ sha: parent }] },
        { sha: MERGE, commit: { message: "Fix drift threshold (#12)\n\n* Lower drift threshold", author: { name: "Alice" } }, author: { login: "alice" }, parents: [{ sha: parent }] },
      ],
    });
const comments = (scope: nock.Scope, list: object[]) => scope.get(`${R}/issues/12/comments`).query({ per_page: "100" }).reply(200, list);

describe("pull_request.closed into production: tag and release", () => {
  it("tags the merge commit with an annotated tag, publishes the notes and comments once", async () => {
    const bodies: Record<string, Body> = {};
    const scope = config(mockAuth());
    prFacts(scope, { labels: ["bug"] });
    tags(scope, ["v1.0.0", "nightly", "v0.9"]);
    compare(scope, "v1.0.0", "ahead");
    scope
      .post(`${R}/git/tags`, (b: Body) => ((bodies.tag = b), true))
      .reply(201, { sha: "7a90b1ec7000000000000000000000000000000a" })
      .post(`${R}/git/refs`, (b: Body) => ((bodies.ref = b), true))
      .reply(201, { ref: "refs/tags/v1.0.1" })
      .get(`${R}/releases/tags/v1.0.1`)
      .reply(404, { message: "Not Found" })
      .post(`${R}/releases`, (b: Body) => ((bodies.release = b), true))
      .reply(201, { id: 77, html_url: `https://github.com/${FULL_NAME}/releases/tag/v1.0.1` });
    comments(scope, []).post(`${R}/issues/12/comments`, (b: Body) => ((bodies.comment = b), true)).reply(201, { id: 5 });
    comments(scope, [{ id: 5, user: { login: BOT_LOGIN }, body: "<!-- branch-steward:release -->\n…" }]);

    await receive(mergedPayload());

    expect(bodies.tag).toMatchObject({ tag: "v1.0.1", object: MERGE, type: "commit" });
    expect(bodies.ref).toEqual({ ref: "refs/tags/v1.0.1", sha: "7a90b1ec7000000000000000000000000000000a" });
    const message = String(bodies.tag?.message);
    expect(message.split("\n")[0]).toBe("v1.0.1: Fix drift threshold (#12)");
    expect(parseTagMetadata(message)).toEqual({
      version: "1.0.1",
      tag: "v1.0.1",
      previous: "v1.0.0",
      pull: 12,
      merge_sha: MERGE,
      bump: "patch",
      bump_reason: "Patch: the hotfix `hotfix/fix-drift-threshold`.",
      flow: "hotfix",
      reverts: null,
      bypassed_check: false,
      evidence: [{ name: "inference-tests", on: "head", status: "completed", conclusion: "success", url: "https://ci.example/inference-tests/1", completed_at: "2026-11-26T08:10:00Z" }],
    });
    expect(bodies.release).toMatchObject({ tag_name: "v1.0.1", name: "v1.0.1: Fix drift threshold" });
    expect(bodies.release?.body).toMatchSnapshot();
    expect(String(bodies.comment?.body)).toMatch(/^<!-- branch-steward:release -->\n<!-- branch-steward:version v1.0.1 -->\n🏷️ \*\*branch-steward\*\*: released as \*\*\[v1.0.1\]/);
    expect(t.logs.find((l) => l.msg === "released production merge")).toMatchObject({ delivery: "d-rel", pr: 12, tag: "v1.0.1", release: "created", comment: "created" });
    expect(t.logs.find((l) => l.msg === "ignored tags that are not versions")).toMatchObject({ ignoredTags: ["nightly", "v0.9"] });
  });

  it("reads labels from the API: release:minor overrides the hotfix patch; an admin bypass is versioned and says so", async () => {
    const bodies: Record<string, Body> = {};
    const scope = config(mockAuth());
    prFacts(scope, { labels: ["release:minor"], our: "failure" });
    tags(scope, ["v1.0.0"]);
    compare(scope, "v1.0.0", "ahead");
    scope
      .post(`${R}/git/tags`, (b: Body) => ((bodies.tag = b), true))
      .reply(201, { sha: "t1" })
      .post(`${R}/git/refs`)
      .reply(201, {})
      .get(`${R}/releases/tags/v1.1.0`)
      .reply(404, {})
      .post(`${R}/releases`, (b: Body) => ((bodies.release = b), true))
      .reply(201, { id: 1, html_url: "u" });
    comments(scope, [{ id: 5, user: { login: BOT_LOGIN }, body: "<!-- branch-steward:release -->\nold" }]).patch(`${R}/issues/comments/5`).reply(200, {});

    await receive(mergedPayload());

    expect(bodies.tag).toMatchObject({ tag: "v1.1.0" });
    expect(parseTagMetadata(String(bodies.tag?.message))).toMatchObject({ bump: "minor", bypassed_check: true, bump_reason: "Minor: the PR carries the label `release:minor`." });
    expect(String(bodies.release?.body)).toContain("⚠️ merged without a passing branch-steward check: `branch-steward / production` on the PR head was `failure` at merge time.");
  });

  it("on 422 with the ref held by another merge, recomputes and takes the next version", async () => {
    const tagged: string[] = [];
    const scope = config(mockAuth());
    prFacts(scope);
    // Attempt 1: v1.0.0 → v1.0.1, but another (earlier) merge wins refs/tags/v1.0.1.
    tags(scope, ["v1.0.0"]);
    compare(scope, "v1.0.0", "ahead");
    scope
      .post(`${R}/git/tags`, (b: Body) => (tagged.push(String(b.tag)), true))
      .reply(201, { sha: "t1" })
      .post(`${R}/git/refs`)
      .reply(422, { message: "Reference already exists", documentation_url: "https://docs.github.com/rest/git/refs#create-a-reference" })
      .get(`${R}/git/ref/tags%2Fv1.0.1`)
      .reply(200, { ref: "refs/tags/v1.0.1", object: { sha: "t0", type: "tag" } })
      .get(`${R}/git/tags/t0`)
      .reply(200, { sha: "t0", message: "v1.0.1: Other (#11)", object: { sha: OTHER, type: "commit" } });
    // Attempt 2: the other merge is in our history now.
    tags(scope, ["v1.0.0", "v1.0.1"]);
    compare(scope, "v1.0.1", "ahead", OTHER);
    scope
      .post(`${R}/git/tags`, (b: Body) => (tagged.push(String(b.tag)), true))
      .reply(201, { sha: "t2" })
      .post(`${R}/git/refs`, { ref: "refs/tags/v1.0.2", sha: "t2" })
      .reply(201, {})
      .get(`${R}/releases/tags/v1.0.2`)
      .reply(404, {})
      .post(`${R}/releases`, (b: Body) => String(b.body).includes("[compare v1.0.1...v1.0.2]"))
      .reply(201, { id: 1, html_url: "u" });
    comments(scope, [{ id: 5, user: { login: BOT_LOGIN }, body: "<!-- branch-steward:release -->\nold" }]).patch(`${R}/issues/comments/5`).reply(200, {});

    await receive(mergedPayload());

    expect(tagged).toEqual(["v1.0.1", "v1.0.2"]);
    expect(t.logs.find((l) => l.msg === "version taken by another merge; recomputing")).toMatchObject({ tag: "v1.0.1", holder: OTHER, attempt: 1 });
  });

  it("on 422 with the ref pointing at our merge commit (another replica), succeeds without retrying", async () => {
    const scope = config(mockAuth());
    prFacts(scope);
    tags(scope, ["v1.0.0"]);
    compare(scope, "v1.0.0", "ahead");
    const theirs = `v1.0.1: Fix drift threshold (#12)\n\nbranch-steward release metadata:\n${JSON.stringify({ version: "1.0.1", tag: "v1.0.1", previous: "v1.0.0", pull: 12, merge_sha: MERGE, bump: "patch", bump_reason: "Patch: the hotfix.", flow: "hotfix", reverts: null, bypassed_check: false, evidence: [] })}`;
    scope
      .post(`${R}/git/tags`)
      .reply(201, { sha: "t1" })
      .post(`${R}/git/refs`)
      .reply(422, { message: "Reference already exists" })
      .get(`${R}/git/ref/tags%2Fv1.0.1`)
      .reply(200, { ref: "refs/tags/v1.0.1", object: { sha: "t9", type: "tag" } })
      .get(`${R}/git/tags/t9`)
      .reply(200, { sha: "t9", message: theirs, object: { sha: MERGE, type: "commit" } })
      .get(`${R}/releases/tags/v1.0.1`)
      .reply(200, { id: 3, body: "being written by the other replica", html_url: "u" })
      .patch(`${R}/releases/3`, (b: Body) => String(b.body).includes("**Bump:** Patch: the hotfix."))
      .reply(200, {});
    comments(scope, [{ id: 5, user: { login: BOT_LOGIN }, body: "<!-- branch-steward:release -->\nold" }]).patch(`${R}/issues/comments/5`).reply(200, {});

    await receive(mergedPayload());

    expect(t.logs.some((l) => l.msg === "version taken by another merge; recomputing")).toBe(false);
  });

  it("a duplicated delivery finds its tag on the merge commit and writes nothing", async () => {
    // First delivery: capture what was written.
    const written: Record<string, Body> = {};
    let scope = config(mockAuth());
    prFacts(scope);
    tags(scope, ["v1.0.0"]);
    compare(scope, "v1.0.0", "ahead");
    scope
      .post(`${R}/git/tags`, (b: Body) => ((written.tag = b), true))
      .reply(201, { sha: "t1" })
      .post(`${R}/git/refs`)
      .reply(201, {})
      .get(`${R}/releases/tags/v1.0.1`)
      .reply(404, {})
      .post(`${R}/releases`, (b: Body) => ((written.release = b), true))
      .reply(201, { id: 9, html_url: "u" });
    comments(scope, []).post(`${R}/issues/12/comments`, (b: Body) => ((written.comment = b), true)).reply(201, { id: 5 });
    comments(scope, [{ id: 5, user: { login: BOT_LOGIN }, body: "<!-- branch-steward:release -->" }]);
    await receive(mergedPayload());
    expect(nock.pendingMocks()).toEqual([]);

    // Second delivery: GitHub now holds that tag, release and comment. Reads only.
    scope = config(nock(API));
    prFacts(scope);
    tags(scope, ["v1.0.0", "v1.0.1"]);
    compare(scope, "v1.0.1", "identical");
    scope
      .get(`${R}/git/ref/tags%2Fv1.0.1`)
      .reply(200, { ref: "refs/tags/v1.0.1", object: { sha: "t1", type: "tag" } })
      .get(`${R}/git/tags/t1`)
      .reply(200, { sha: "t1", message: written.tag?.message, object: { sha: MERGE, type: "commit" } })
      .get(`${R}/compare/v1.0.0...${MERGE}`)
      .query({ per_page: "100" })
      .reply(200, { status: "ahead", base_commit: { sha: V100 }, total_commits: 2, commits: [
        { sha: HEAD_SHA, commit: { message: "Lower drift threshold", author: { name: "Alice" } }, author: { login: "alice" }, parents: [{ sha: V100 }] },
        { sha: MERGE, commit: { message: "Fix drift threshold (#12)\n\n* Lower drift threshold", author: { name: "Alice" } }, author: { login: "alice" }, parents: [{ sha: V100 }] },
      ] })
      .get(`${R}/releases/tags/v1.0.1`)
      .reply(200, { id: 9, body: written.release?.body, html_url: "u" });
    comments(scope, [{ id: 5, user: { login: BOT_LOGIN }, body: written.comment?.body }]);

    await receive(mergedPayload());

    expect(t.logs.filter((l) => l.msg === "released production merge").at(-1)).toMatchObject({ tag: "v1.0.1", release: "unchanged", comment: "unchanged", existing: true });
  });

  it("refuses to guess when a higher version exists outside the merge's history, and says so on the PR", async () => {
    let comment: Body = {};
    const scope = config(mockAuth());
    prFacts(scope);
    tags(scope, ["v1.0.0", "v1.1.0"]);
    scope
      .get(`${R}/compare/v1.1.0...${MERGE}`)
      .query({ per_page: "100" })
      .reply(200, { status: "diverged", base_commit: { sha: "x" }, total_commits: 1, commits: [] });
    compare(scope, "v1.0.0", "ahead");
    comments(scope, []).post(`${R}/issues/12/comments`, (b: Body) => ((comment = b), true)).reply(201, { id: 6 });
    comments(scope, [{ id: 6, user: { login: BOT_LOGIN }, body: "<!-- branch-steward:release -->" }]);

    await receive(mergedPayload());

    expect(String(comment.body)).toContain("this merge was **not** tagged or released");
    expect(String(comment.body)).toContain("`v1.1.0` already exists on a commit that is not in this commit's history");
    expect(t.logs.find((l) => l.msg === "production merge not versioned")).toMatchObject({ level: 50, pr: 12 });
  });

  it("a missing permission (403) gives a clear comment and a log line, and the delivery does not fail", async () => {
    let comment: Body = {};
    const scope = config(mockAuth());
    prFacts(scope);
    tags(scope, ["v1.0.0"]);
    compare(scope, "v1.0.0", "ahead");
    scope.post(`${R}/git/tags`).reply(403, { message: "Resource not accessible by integration" });
    comments(scope, []).post(`${R}/issues/12/comments`, (b: Body) => ((comment = b), true)).reply(201, { id: 6 });
    comments(scope, [{ id: 6, user: { login: BOT_LOGIN }, body: "<!-- branch-steward:release -->" }]);

    await expect(receive(mergedPayload())).resolves.toBeUndefined();

    expect(String(comment.body)).toContain("403 Forbidden");
    expect(String(comment.body)).toContain("Resource not accessible by integration");
    expect(String(comment.body)).toContain("**Contents: write**");
    expect(t.logs.find((l) => l.msg === "production merge not versioned")).toBeDefined();
  });

  it("a secondary rate limit (403 with retry-after) is not a missing permission: no comment, the delivery fails for a retry", async () => {
    const scope = config(mockAuth());
    prFacts(scope);
    tags(scope, ["v1.0.0"]);
    compare(scope, "v1.0.0", "ahead");
    scope.post(`${R}/git/tags`).reply(403, { message: "You have exceeded a secondary rate limit." }, { "retry-after": "1" });

    await expect(receive(mergedPayload())).rejects.toThrow(/secondary rate limit/);
    expect(t.logs.find((l) => l.msg === "failed to release the production merge; the delivery fails so it can be redelivered")).toBeDefined();
  });

  it("a rollback is a patch that names what it reverts, and the reverted release points to it", async () => {
    const bodies: Record<string, Body> = {};
    const scope = config(mockAuth());
    prFacts(scope);
    tags(scope, ["v1.0.0", "v1.0.1"]);
    compare(scope, "v1.0.1", "ahead");
    // The reverted PR #11's release comment names its version.
    scope
      .get(`${R}/issues/11/comments`)
      .query({ per_page: "100" })
      .reply(200, [{ id: 3, user: { login: BOT_LOGIN }, body: "<!-- branch-steward:release -->\n<!-- branch-steward:version v1.0.1 -->\n…" }])
      .post(`${R}/git/tags`, (b: Body) => ((bodies.tag = b), true))
      .reply(201, { sha: "t2" })
      .post(`${R}/git/refs`)
      .reply(201, {})
      .get(`${R}/releases/tags/v1.0.2`)
      .reply(404, {})
      .post(`${R}/releases`, (b: Body) => ((bodies.release = b), true))
      .reply(201, { id: 2, html_url: "u" })
      .get(`${R}/releases/tags/v1.0.1`)
      .reply(200, { id: 1, body: "notes of v1.0.1", html_url: "u1" })
      .patch(`${R}/releases/1`, (b: Body) => ((bodies.reverted = b), true))
      .reply(200, {});
    comments(scope, [{ id: 5, user: { login: BOT_LOGIN }, body: "<!-- branch-steward:release -->\nold" }]).patch(`${R}/issues/comments/5`).reply(200, {});

    await receive(mergedPayload({ source: "hotfix/revert-threshold", title: 'Revert "Fix drift threshold"', body: `Reverts ${FULL_NAME}#11` }));

    expect(parseTagMetadata(String(bodies.tag?.message))).toMatchObject({ tag: "v1.0.2", bump: "patch", reverts: "v1.0.1" });
    expect(String(bodies.release?.body)).toContain("⏪ **Reverts v1.0.1**");
    expect(bodies.reverted?.body).toBe(
      "notes of v1.0.1\n\n<!-- branch-steward:reverted-by v1.0.2 -->\n⏪ **Reverted by [v1.0.2](https://github.com/acme/forecast/releases/tag/v1.0.2).**",
    );
  });

  it("ignores merges into other branches, unmerged closes, and a disabled release", async () => {
    const scope = config(mockAuth());
    await receive(mergedPayload({ target: "development", source: "feature/x" }));
    const closed = pullRequestPayload({ action: "closed", source: "hotfix/x", target: "production", state: "closed" });
    (closed.pull_request as Body).merged = false;
    await receive(closed);
    config(scope, "release:\n  enabled: false\nbackport:\n  enabled: false\n");
    await receive(mergedPayload());
    expect(t.logs.some((l) => l.msg === "release handled")).toBe(false);
  });
});

describe("check_run.completed on a released merge commit", () => {
  const runPayload = (o: { name: string; sha: string; branch: string | null; appId?: number }) => ({
    action: "completed",
    check_run: {
      id: 42,
      name: o.name,
      head_sha: o.sha,
      status: "completed",
      conclusion: "success",
      app: { id: o.appId ?? 501, slug: "staging-ci" },
      check_suite: { id: 7, head_branch: o.branch },
      pull_requests: [],
    },
    repository: { ...(mergedPayload().repository as Body) },
    installation: { id: 2 },
  });
  const receiveRun = (payload: Body) => t.probot.receive({ id: "d-run", name: "check_run", payload: payload as never });

  it("re-renders the notes with the merge commit's evidence and updates them only when they change", async () => {
    let updated: Body = {};
    const scope = mockAuth();
    // The re-evaluation handler also listens to check_run: it finds no open PR for the merge commit.
    scope.get(`${R}/pulls`).query({ state: "open", per_page: "100" }).reply(200, []);
    scope.get(`${R}/contents/.github%2Fbranch-steward.yml`).reply(200, CONFIG, { "content-type": "application/vnd.github.raw; charset=utf-8" });
    tags(scope, ["v1.0.0", "v1.0.1"]);
    compare(scope, "v1.0.1", "identical");
    const meta = { version: "1.0.1", tag: "v1.0.1", previous: "v1.0.0", pull: 12, merge_sha: MERGE, bump: "patch", bump_reason: "Patch: the hotfix.", flow: "hotfix", reverts: null, bypassed_check: false, evidence: [] };
    scope
      .get(`${R}/git/ref/tags%2Fv1.0.1`)
      .reply(200, { ref: "refs/tags/v1.0.1", object: { sha: "t1", type: "tag" } })
      .get(`${R}/git/tags/t1`)
      .reply(200, { sha: "t1", message: `v1.0.1: x\n\nbranch-steward release metadata:\n${JSON.stringify(meta)}`, object: { sha: MERGE, type: "commit" } })
      .get(`${R}/pulls/12`)
      .reply(200, (mergedPayload().pull_request as Body));
    scope
      .get(`${R}/issues/12/labels`)
      .query({ per_page: "100" })
      .reply(200, [])
      .get(`${R}/pulls/12/reviews`)
      .query({ per_page: "100" })
      .reply(200, [])
      .get(`${R}/commits/${HEAD_SHA}/check-runs`)
      .query({ filter: "latest", per_page: "100" })
      .reply(200, { total_count: 1, check_runs: [ciRun, ourCheck("success")] })
      .get(`${R}/commits/${HEAD_SHA}/statuses`)
      .query({ per_page: "100" })
      .reply(200, [])
      .get(`${R}/commits/${MERGE}/check-runs`)
      .query({ filter: "latest", per_page: "100" })
      .reply(200, { total_count: 1, check_runs: [{ ...ciRun, id: 42, html_url: "https://ci.example/inference-tests/42", completed_at: "2026-11-26T09:30:00Z" }] })
      .get(`${R}/commits/${MERGE}/statuses`)
      .query({ per_page: "100" })
      .reply(200, []);
    compare(scope, "v1.0.0", "ahead");
    scope
      .get(`${R}/releases/tags/v1.0.1`)
      .reply(200, { id: 9, body: "⏳ Still running on the merge commit: `inference-tests`.\n\n<!-- branch-steward:reverted-by v1.0.2 -->", html_url: "u" })
      .patch(`${R}/releases/9`, (b: Body) => ((updated = b), true))
      .reply(200, {});

    await receiveRun(runPayload({ name: "inference-tests", sha: MERGE, branch: "production" }));

    const body = String(updated.body);
    expect(body).toContain("✅ [success](https://ci.example/inference-tests/42) by staging-ci, completed 2026-11-26 09:30:00 UTC");
    expect(body).not.toContain("Still running");
    expect(body).toContain("⏪ **Reverted by [v1.0.2]"); // kept from the current body
    expect(t.logs.find((l) => l.msg === "refreshed release evidence")).toMatchObject({ notes: "updated" });
  });

  it("costs no tag reads for checks that are not evidence or not on production", async () => {
    const scope = mockAuth();
    // inference-tests is required (its PRs are looked up); lint is required by no flow: the config read is all it costs.
    scope.get(`${R}/pulls`).query({ state: "open", per_page: "100" }).reply(200, []);
    scope.get(`${R}/contents/.github%2Fbranch-steward.yml`).times(2).reply(200, CONFIG, { "content-type": "application/vnd.github.raw; charset=utf-8" });
    // One config read per event (times(2) for two events); no tag mock: a tag read would fail the test.
    await receiveRun(runPayload({ name: "lint", sha: MERGE, branch: "production" }));
    await receiveRun(runPayload({ name: "inference-tests", sha: MERGE, branch: "development" }));
    expect(t.logs.some((l) => l.msg === "refreshed release evidence")).toBe(false);
  });
});

describe("every page of a long comparison", () => {
  const commit = (sha: string, message = sha) => ({ sha, commit: { message, author: { name: "A" } }, author: null, parents: [{ sha: V100 }] });
  it("release notes with 400 PRs over 5 pages list every PR up to the cap, then 'and N more' with the compare link", async () => {
    let release: Body = {};
    const scope = config(mockAuth());
    prFacts(scope);
    tags(scope, ["v1.0.0"]);
    // 400 squash-merged PRs (#1000…#1399) and the merge itself: 401 commits, 100 a page.
    const all = [...Array.from({ length: 400 }, (_, i) => commit(`s${i}`, `Change ${i} (#${1000 + i})`)), commit(MERGE, "Fix drift threshold (#12)")];
    for (const page of [1, 2, 3, 4, 5]) {
      scope
        .get(`${R}/compare/v1.0.0...${MERGE}`)
        .query(page === 1 ? { per_page: "100" } : { per_page: "100", page: String(page) })
        .reply(200, { status: "ahead", base_commit: { sha: V100 }, total_commits: 401, commits: all.slice((page - 1) * 100, page * 100) });
    }
    scope
      .post(`${R}/git/tags`)
      .reply(201, { sha: "t1" })
      .post(`${R}/git/refs`)
      .reply(201, {})
      .get(`${R}/releases/tags/v1.0.1`)
      .reply(404, {})
      .post(`${R}/releases`, (b: Body) => ((release = b), true))
      .reply(201, { id: 1, html_url: "u" });
    comments(scope, [{ id: 5, user: { login: BOT_LOGIN }, body: "<!-- branch-steward:release -->\nold" }]).patch(`${R}/issues/comments/5`).reply(200, {});

    await receive(mergedPayload());

    const body = String(release.body);
    const line = body.split("\n").find((l) => l.startsWith("Pull requests: ")) ?? "";
    const listed = [...line.matchAll(/#(\d+) Change/g)].map((m) => Number(m[1]));
    expect(listed).toEqual(Array.from({ length: 100 }, (_, i) => 1000 + i));
    expect(line).toMatch(/; and 300 more \(\[compare v1\.0\.0\.\.\.v1\.0\.1\]\(https:\/\/github\.com\/acme\/forecast\/compare\/v1\.0\.0\.\.\.v1\.0\.1\)\)\.$/);
    expect(line).not.toContain("not read");
    expect(body).toContain("Commits (401):");
    expect(body).toContain("- … and 371 more commits: [compare v1.0.0...v1.0.1]");
  });

  it("a refused release comment never undoes the release; the delivery fails afterwards so a redelivery retries it", async () => {
    let release: Body = {};
    const scope = config(mockAuth());
    prFacts(scope);
    tags(scope, ["v1.0.0"]);
    compare(scope, "v1.0.0", "ahead");
    scope
      .post(`${R}/git/tags`)
      .reply(201, { sha: "t1" })
      .post(`${R}/git/refs`)
      .reply(201, {})
      .get(`${R}/releases/tags/v1.0.1`)
      .reply(404, {})
      .post(`${R}/releases`, (b: Body) => ((release = b), true))
      .reply(201, { id: 1, html_url: "u" });
    comments(scope, []).post(`${R}/issues/12/comments`).reply(422, { message: "Validation Failed", errors: [{ resource: "IssueComment", code: "custom", field: "body", message: "body is too long (maximum is 65536 characters)" }], documentation_url: "https://docs.github.com", status: "422" });

    await expect(receive(mergedPayload())).rejects.toThrow(/1 courtesy write failed \(comment\); the work itself is done/);

    expect(release).toMatchObject({ tag_name: "v1.0.1" });
    expect(t.logs.find((l) => l.msg === "released production merge")).toMatchObject({ tag: "v1.0.1", release: "created", comment: "failed" });
    expect(t.logs.some((l) => l.msg === "failed to release the production merge; the delivery fails so it can be redelivered")).toBe(false);
  });
});

describe("the sweep's release reconciler", () => {
  it("releases oldest first; when one merge fails, the later ones wait for the next sweep and the failure is counted", async () => {
    const { Context, ProbotOctokit } = await import("probot");
    const { releases } = await import("../../src/reconcile/releases.js");
    const { loadConfig } = await import("../../src/config/load.js");
    const octokit = new ProbotOctokit({ auth: { token: "t" }, retry: { enabled: false }, throttle: { enabled: false } });
    const log = t.probot.log.child({ name: "test" });
    const payload = { repository: { owner: { login: "acme" }, name: "forecast", full_name: FULL_NAME }, installation: { id: 2 } };
    const context = new Context({ id: "sweep-1", name: "repository", payload } as never, octokit as never, log);
    const OLDER = "0lder00000000000000000000000000000000000";
    const merged = (number: number, sha: string, at: string) => ({
      ...(mergedPayload({ number }).pull_request as Body),
      merged_at: at,
      merge_commit_sha: sha,
      base: { ref: "production", repo: { full_name: FULL_NAME, html_url: `https://github.com/${FULL_NAME}` } },
    });
    const scope = nock(API)
      .get(`${R}/contents/.github%2Fbranch-steward.yml`)
      .reply(200, CONFIG, { "content-type": "application/vnd.github.raw; charset=utf-8" })
      .get(`${R}/pulls`)
      .query({ state: "closed", base: "production", sort: "updated", direction: "desc", per_page: "50" })
      .reply(200, [merged(12, MERGE, "2026-11-26T09:00:00Z"), merged(11, OLDER, "2026-11-26T08:00:00Z")]);
    tags(scope, ["v1.0.0"]);
    for (const sha of [MERGE, OLDER]) {
      scope.get(`${R}/compare/v1.0.0...${sha}`).query({ per_page: "100" }).reply(200, { status: "ahead", base_commit: { sha: V100 }, total_commits: 1, commits: [] });
    }
    // The older merge is released first, and GitHub fails on it: the newer one must not take its version.
    scope.get(`${R}/issues/11/labels`).query({ per_page: "100" }).reply(500, { message: "Server Error" });

    const { DEFAULT_SWEEP, emptySummary } = await import("../../src/reconcile/sweep.js");
    const summary = emptySummary();
    const io = { octokit: octokit as never, repo: { owner: "acme", repo: "forecast" }, me: { id: APP_ID, slug: "branch-steward", botLogin: BOT_LOGIN }, log, repoHtmlUrl: `https://github.com/${FULL_NAME}`, now: () => new Date("2026-11-26T10:00:00Z") };
    await releases.run({ io, config: await loadConfig(context), options: DEFAULT_SWEEP }, summary);

    expect(summary.extra).toEqual({ found: 2, fixed: 0 });
    expect(summary.failures.extra).toBe(1);
    expect(t.logs.find((l) => l.msg === "sweep: release failed; later merges wait for the next sweep, which retries it")).toMatchObject({ pr: 11 });
  });
});
