/**
 * Slash commands over HTTP, with Probot's write throttle on as in production: a flood of
 * commands from a read-only user costs one reply and does not hold another PR's check back
 * behind it; a writer's command is acknowledged with reactions, and its redelivery writes nothing.
 * (How long the flood delays the other check is measured by `npm run bench`, not asserted here.)
 */
import { createAppAuth } from "@octokit/auth-app";
import { startStack, type Stack } from "../../tools/sandbox/stack.js";
import { OWNER, REPO, seedRepository } from "../../tools/sandbox/story.js";

let stack: Stack;
afterEach(async () => {
  await stack?.close();
});

const FLOOD = 30;
const BOT = "branch-steward[bot]";
const writes = (s: Stack, from = 0) => s.twin.requests.slice(from).filter((r) => r.write && !r.route?.startsWith("POST /app/"));

async function reactionsOn(s: Stack, commentId: number): Promise<{ content: string; user: { login: string } }[]> {
  const auth = createAppAuth({ appId: 1001, privateKey: s.privateKey, installationId: 1, request: undefined });
  const { token: jwt } = await auth({ type: "app" });
  const tokenRes = await fetch(`${s.twin.url}/app/installations/1/access_tokens`, { method: "POST", headers: { authorization: `Bearer ${jwt}` } });
  const { token } = (await tokenRes.json()) as { token: string };
  const res = await fetch(`${s.twin.url}/repos/${OWNER}/${REPO}/issues/comments/${commentId}/reactions`, { headers: { authorization: `token ${token}` } });
  return (await res.json()) as { content: string; user: { login: string } }[];
}

it(`${FLOOD} commands from a read-only user get one refusal, and another PR still gets its check`, async () => {
  stack = await startStack({ throttle: true, twin: { webhooks: { concurrency: FLOOD + 2, timeoutMs: 120_000 } } });
  const repo = seedRepository(stack.twin);
  repo.commit("feature/flooded", { message: "Flooded", files: { "flooded.txt": "1\n" }, author: "alice", from: "development" });
  const flooded = repo.openPR({ head: "feature/flooded", base: "development", title: "Flooded", user: "alice" });
  await stack.twin.idle({ timeoutMs: 30_000 });
  const sha = repo.commit("feature/other", { message: "Other", files: { "other.txt": "1\n" }, author: "alice", from: "development" });
  const before = stack.twin.requests.length;

  for (let i = 0; i < FLOOD; i++) repo.comment(flooded, "dave", i % 2 ? "/branch-steward recheck" : "/backport");
  const other = repo.openPR({ head: "feature/other", base: "development", title: "Other", user: "alice" });
  // Probot's write queues hold requests client-side, up to 3 s apart: quiet means quieter than that.
  await stack.twin.idle({ timeoutMs: 120_000, quietMs: 3500 });

  const refusals = repo.comments(flooded).filter((c) => c.user === BOT && c.body.startsWith("<!-- branch-steward:refused:dave -->"));
  expect(refusals).toHaveLength(1);
  expect(refusals[0]?.body).toContain("is reserved for people with write access");
  expect(writes(stack, before).filter((r) => r.path.includes(`/issues/${flooded}/`) || r.path.includes("/issues/comments/"))).toHaveLength(1);
  expect(repo.checkRuns(sha).filter((r) => r.name === "branch-steward / development" && r.app.slug === "branch-steward")).toHaveLength(1);
  expect(repo.pr(other).headSha).toBe(sha);
  expect(stack.twin.deliveries.every((d) => d.statusCode >= 200 && d.statusCode < 300)).toBe(true);
  expect(stack.twin.unhandled).toEqual([]);
}, 150_000);

it("a writer's command gets 👀 and 👍; its redelivery writes nothing", async () => {
  stack = await startStack();
  const repo = seedRepository(stack.twin);
  repo.commit("feature/asked", { message: "Asked", files: { "asked.txt": "1\n" }, author: "alice", from: "development" });
  const pr = repo.openPR({ head: "feature/asked", base: "development", title: "Asked", user: "alice" });
  await stack.twin.idle();
  const comment = repo.comment(pr, "bob", "/branch-steward recheck");
  await stack.twin.idle();
  const mine = (await reactionsOn(stack, comment)).filter((r) => r.user.login === BOT).map((r) => r.content);
  expect(mine.sort()).toEqual(["+1", "eyes"]);

  const ofComment = () => stack.twin.deliveries.filter((d) => d.event === "issue_comment" && (d.payload as { comment?: { id?: number } }).comment?.id === comment);
  const [delivery] = ofComment();
  const before = stack.twin.requests.length;
  const auth = createAppAuth({ appId: 1001, privateKey: stack.privateKey });
  const { token } = await auth({ type: "app" });
  const res = await fetch(`${stack.twin.url}/app/hook/deliveries/${delivery?.id}/attempts`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(202);
  await stack.twin.idle();
  expect(ofComment().map((d) => d.redelivery)).toEqual([false, true]);
  expect(writes(stack, before)).toEqual([]);
});
