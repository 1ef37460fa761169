/**
 * Slash commands cost little: a person without write access gets one refusal per PR and
 * nothing more; an accepted command gets 👀, its work, then 👍; a redelivery changes nothing.
 * nock fails the delivery on any request not mocked here, so "no write" is asserted by omission.
 */
import nock from "nock";
import { useNockedProbot } from "../support/nock.js";
import { BOT_LOGIN, createTestProbot, mockAuth } from "../support/probot.js";
import { example, FULL_NAME, HEAD_SHA } from "../support/payloads.js";
import { refusalMarker, renderRefusal } from "../../src/render/commands.js";

const R = `/repos/${FULL_NAME}`;
const COMMENT_ID = 5001;
type Body = Record<string, unknown>;

const t = useNockedProbot();

// Reactions are courtesy: the handler logs a failed one and goes on, which would also hide an
// unexpected reaction write from nock. So every request nock could not match fails the test.
const unmatched: string[] = [];
const onNoMatch = (req: { method?: string; path?: string; href?: string }) => unmatched.push(`${req.method} ${req.path ?? req.href}`);
beforeEach(() => {
  unmatched.length = 0;
  nock.emitter.on("no match", onNoMatch);
});
afterEach(() => {
  nock.emitter.removeListener("no match", onNoMatch);
  expect(unmatched).toEqual([]);
});

function commandPayload(login: string, body: string, number = 7): Body {
  const payload = example("issue_comment", "created");
  const repository = { ...(payload.repository as object), full_name: FULL_NAME, name: "forecast", owner: { login: "acme" }, default_branch: "production" };
  return {
    ...payload,
    repository,
    installation: { id: 2, node_id: "x" },
    issue: { ...(payload.issue as object), number, pull_request: { url: "x" } },
    comment: { ...(payload.comment as object), id: COMMENT_ID, body, user: { login, type: "User" } },
  };
}
let delivery = 0;
const receive = (payload: Body) => t.probot.receive({ id: `d-cmd-${++delivery}`, name: "issue_comment", payload: payload as never });
const recheck = (login: string) => receive(commandPayload(login, "/branch-steward recheck"));

/** GitHub's comments on PR 7, as a list the mocks read (`reads` times) and the app's POSTs (`writes` times) append to. */
function pullComments(scope: nock.Scope, comments: Body[], posted: Body[], times: { reads: number; writes: number }): void {
  scope
    .get(`${R}/issues/7/comments`)
    .query({ per_page: "100" })
    .times(times.reads)
    .reply(200, () => comments)
    .post(`${R}/issues/7/comments`, (b: Body) => (posted.push(b), true))
    .times(times.writes)
    .reply(201, (_uri, b) => {
      const comment = { id: 9000 + comments.length, body: (b as Body).body, user: { login: BOT_LOGIN, type: "Bot" } };
      comments.push(comment);
      return comment;
    });
}
const permission = (scope: nock.Scope, login: string, level: string) =>
  scope.get(`${R}/collaborators/${login}/permission`).reply(200, { permission: level, role_name: level });

describe("someone without write access", () => {
  it("gets one refusal per PR: a second command writes nothing, another person gets their own", async () => {
    const comments: Body[] = [{ id: 1, body: `${refusalMarker("dave")}\npasted by someone else`, user: { login: "mallory", type: "User" } }];
    const posted: Body[] = [];
    const scope = mockAuth();
    // Each refusal: one read to find an earlier one, one write, one read to converge; a repeat
    // from the same process: none (remembered), from a fresh process: one.
    pullComments(scope, comments, posted, { reads: 5, writes: 2 });
    permission(scope, "dave", "read");
    await recheck("dave");
    expect(posted).toEqual([{ body: renderRefusal("dave", "/branch-steward recheck") }]);
    expect(posted[0]?.body).toBe(
      "<!-- branch-steward:refused:dave -->\n" +
        "@&#8203;dave: `/branch-steward recheck` is reserved for people with write access to this repository, so branch-steward did not run it. " +
        "A maintainer can run it for you. branch-steward will not answer your commands on this PR again.",
    );

    // The same person again, with another command and another case of their login: no write.
    permission(scope, "Dave", "read");
    await receive(commandPayload("Dave", "/backport"));
    expect(posted).toHaveLength(1);

    permission(scope, "erin", "none");
    await receive(commandPayload("erin", "/backport"));
    expect(posted).toHaveLength(2);
    expect(posted[1]?.body).toBe(renderRefusal("erin", "/backport"));
    expect(String(posted[1]?.body)).toMatch(/^<!-- branch-steward:refused:erin -->\n@&#8203;erin: `\/backport` is reserved/);

    // A fresh process (a restart, another replica) finds the refusal on GitHub: one read, no write.
    const restarted = await createTestProbot();
    permission(mockAuth(), "dave", "read");
    await restarted.probot.receive({ id: "d-cmd-restarted", name: "issue_comment", payload: commandPayload("dave", "/backport") as never });
    expect(posted).toHaveLength(2);
  });
});

/** A feature PR into development, already reported: the recheck reads and writes nothing. */
function unchangedRecheck(scope: nock.Scope): nock.Scope {
  const pull = {
    number: 7,
    state: "open",
    html_url: `https://github.com/${FULL_NAME}/pull/7`,
    head: { ref: "feature/x", sha: HEAD_SHA, repo: { full_name: FULL_NAME } },
    base: { ref: "development", repo: { full_name: FULL_NAME } },
  };
  return scope
    .get(`${R}/pulls/7`)
    .reply(200, pull)
    .get(`${R}/contents/.github%2Fbranch-steward.yml`)
    .reply(200, "comment: { enabled: true }\n", { "content-type": "application/vnd.github.raw; charset=utf-8" })
    .get(`${R}/commits/${HEAD_SHA}/check-runs`)
    .query({ filter: "latest", per_page: "100" })
    .reply(200, { total_count: 0, check_runs: [] })
    .get(`${R}/issues/7/comments`)
    .query({ per_page: "100" })
    .reply(200, [])
    .post(`${R}/issues/7/comments`)
    .reply(201, {})
    .get(`${R}/issues/7/comments`)
    .query({ per_page: "100" })
    .reply(200, []);
}
const reactions = (scope: nock.Scope, existing: Body[]) =>
  scope.get(`${R}/issues/comments/${COMMENT_ID}/reactions`).query({ per_page: "100" }).reply(200, existing);
const ours = (content: string) => ({ id: 1, content, user: { login: BOT_LOGIN, type: "Bot" } });

describe("someone with write access", () => {
  it("gets 👀, then the recheck, then 👍", async () => {
    const order: string[] = [];
    let check: Body = {};
    const scope = permission(mockAuth(), "alice", "write");
    reactions(scope, [{ id: 2, content: "+1", user: { login: "bob", type: "User" } }]); // someone else's 👍 is not ours
    scope.post(`${R}/issues/comments/${COMMENT_ID}/reactions`, { content: "eyes" }).reply(201, () => (order.push("eyes"), ours("eyes")));
    unchangedRecheck(scope)
      .post(`${R}/check-runs`, (b: Body) => ((check = b), order.push("check"), true))
      .reply(201, {})
      .post(`${R}/issues/comments/${COMMENT_ID}/reactions`, { content: "+1" })
      .reply(201, () => (order.push("+1"), ours("+1")));
    await recheck("alice");
    expect(check).toMatchObject({ name: "branch-steward / development", head_sha: HEAD_SHA, conclusion: "success" });
    expect(t.logs.find((l) => l.msg === "re-evaluated pull request")).toMatchObject({ pr: 7, why: "recheck by alice", kind: "reported", check: "created" });
    expect(order.at(-1)).toBe("+1");
    expect(order.sort()).toEqual(["+1", "check", "eyes"]);
  });

  it("a redelivered command that already has our 👍 reads its reactions and nothing else", async () => {
    const scope = permission(mockAuth(), "alice", "write");
    reactions(scope, [ours("eyes"), ours("+1")]);
    await recheck("alice");
    expect(t.logs.find((l) => l.msg.startsWith("command already done"))).toMatchObject({ user: "alice", pr: 7 });
  });

  it("an interrupted command (👀 but no 👍) is done again, without a second 👀", async () => {
    const scope = permission(mockAuth(), "alice", "write");
    reactions(scope, [ours("eyes")]);
    unchangedRecheck(scope).post(`${R}/check-runs`).reply(201, {}).post(`${R}/issues/comments/${COMMENT_ID}/reactions`, { content: "+1" }).reply(201, ours("+1"));
    await recheck("alice");
  });

  it("a reaction GitHub refuses never stops the command", async () => {
    const scope = permission(mockAuth(), "alice", "write");
    reactions(scope, []);
    scope.post(`${R}/issues/comments/${COMMENT_ID}/reactions`, { content: "eyes" }).reply(403, { message: "Resource not accessible by integration" });
    unchangedRecheck(scope).post(`${R}/check-runs`).reply(201, {}).post(`${R}/issues/comments/${COMMENT_ID}/reactions`, { content: "+1" }).reply(201, ours("+1"));
    await recheck("alice");
    expect(t.logs.find((l) => l.msg === "could not react to the command")).toMatchObject({ content: "eyes" });
  });

  it("a failing command gets no 👍, so its redelivery runs it again", async () => {
    const scope = permission(mockAuth(), "alice", "write");
    reactions(scope, []);
    scope
      .post(`${R}/issues/comments/${COMMENT_ID}/reactions`, { content: "eyes" })
      .reply(201, ours("eyes"))
      .get(`${R}/pulls/7`)
      .reply(500, { message: "Server Error" });
    const failed = await recheck("alice").then(
      () => undefined,
      (error: unknown) => error,
    );
    // The delivery fails with GitHub's 500 (not with nock's "no match" for an unexpected 👍).
    expect(JSON.stringify(failed, Object.getOwnPropertyNames(failed ?? {}))).toContain("Server Error");
    expect(t.logs.some((l) => l.msg === "command done")).toBe(false);
  });

  it("/backport with an invalid config says so on the PR, between 👀 and 👍", async () => {
    let said: Body = {};
    const scope = permission(mockAuth(), "carol", "admin");
    reactions(scope, []);
    scope
      .post(`${R}/issues/comments/${COMMENT_ID}/reactions`, { content: "eyes" })
      .reply(201, ours("eyes"))
      .get(`${R}/contents/.github%2Fbranch-steward.yml`)
      .reply(200, "branches: 5\n", { "content-type": "application/vnd.github.raw; charset=utf-8" })
      .get(`${R}/issues/7/comments`)
      .query({ per_page: "100" })
      .reply(200, [])
      .post(`${R}/issues/7/comments`, (b: Body) => ((said = b), true))
      .reply(201, {})
      .get(`${R}/issues/7/comments`)
      .query({ per_page: "100" })
      .reply(200, [])
      .post(`${R}/issues/comments/${COMMENT_ID}/reactions`, { content: "+1" })
      .reply(201, ours("+1"));
    await receive(commandPayload("carol", "/backport"));
    // The one invalid-config text (render/config.ts), retried with `/backport`.
    expect(String(said.body)).toContain("did not attempt this backport: `.github/branch-steward.yml` is invalid: `branches`");
    expect(String(said.body)).toContain("then comment `/backport`");
  });
});

it("ignores commands from bots and comments that are not commands", async () => {
  const bot = commandPayload("renovate[bot]", "/branch-steward recheck");
  (bot.comment as Body).user = { login: "renovate[bot]", type: "Bot" };
  await receive(bot);
  await receive(commandPayload("alice", "please /branch-steward recheck"));
  expect(nock.pendingMocks()).toEqual([]);
});
