/**
 * Scenario tests: the real app server and the GitHub twin over HTTP, with real webhook
 * signatures and JWT auth. The full story, plus redelivery and duplicate delivery.
 */
import { startStack, type Stack } from "../../tools/sandbox/stack.js";
import { DEFAULT_CHAOS, OWNER, REPO, runStory, seedRepository } from "../../tools/sandbox/story.js";

let stack: Stack;
afterEach(async () => {
  await stack?.close();
});

// Writes to repositories: token exchanges and the test's own redelivery call are not changes on GitHub.
const writes = (s: Stack) => s.twin.requests.filter((r) => r.write && !r.route?.startsWith("POST /app/")).map((r) => r.route);

it("plays the whole lifecycle: flow check, retarget, validation gate, lineage, up-to-date", async () => {
  stack = await startStack();
  await runStory(stack);
  expect(stack.twin.unhandled).toEqual([]);
  expect(stack.twin.deliveries.every((d) => d.statusCode >= 200 && d.statusCode < 300)).toBe(true);
}, 60_000); // the story ends with the dashboard: ~20 s alone, more on a loaded machine

it("changes nothing when every delivery arrives twice", async () => {
  stack = await startStack({ twin: { webhooks: { duplicateRate: 1 } } });
  const repo = seedRepository(stack.twin);
  repo.commit("feature/dup", { message: "Dup", files: { "a.txt": "1\n" }, author: "alice", from: "development" });
  const pr = repo.openPR({ head: "feature/dup", base: "production", title: "Dup", user: "alice" });
  await stack.twin.idle();

  const duplicates = stack.twin.deliveries.filter((d) => d.event === "pull_request").length;
  expect(duplicates).toBeGreaterThanOrEqual(2);
  const sha = repo.pr(pr).headSha;
  expect(repo.checkRuns(sha).filter((r) => r.name === "branch-steward / production")).toHaveLength(1);
  expect(repo.comments(pr)).toHaveLength(1);
  // The dashboard once (development was pushed when the repository was seeded), the verdict,
  // then the comment; the duplicates write nothing.
  // (The dashboard is refreshed beside the PR's work, so its place in the order is not fixed.)
  const written = writes(stack);
  expect([...written].sort()).toEqual(["POST /repos/{owner}/{repo}/check-runs", "POST /repos/{owner}/{repo}/issues", "POST /repos/{owner}/{repo}/issues/{issue_number}/comments"]);
  expect(written.indexOf("POST /repos/{owner}/{repo}/check-runs")).toBeLessThan(written.indexOf("POST /repos/{owner}/{repo}/issues/{issue_number}/comments"));
});

it("a redelivered event costs reads only", async () => {
  stack = await startStack();
  const repo = seedRepository(stack.twin);
  repo.commit("feature/re", { message: "Re", files: { "b.txt": "1\n" }, author: "alice", from: "development" });
  repo.openPR({ head: "feature/re", base: "development", title: "Re", user: "alice" });
  await stack.twin.idle();
  const before = writes(stack).length;
  const opened = stack.twin.deliveries.find((d) => d.event === "pull_request");
  expect(opened).toBeDefined();

  // Redeliver through GitHub's deliveries API, as the app's settings page (or a sweep) would.
  const { createAppAuth } = await import("@octokit/auth-app");
  const auth = createAppAuth({ appId: 1001, privateKey: stack.privateKey });
  const { token } = await auth({ type: "app" });
  const res = await fetch(`${stack.twin.url}/app/hook/deliveries/${opened?.id}/attempts`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(202);
  await stack.twin.idle();

  expect(writes(stack).slice(before)).toEqual([]);
  expect(stack.twin.repo(`${OWNER}/${REPO}`).comments(1)).toHaveLength(1);
});

it("plays the whole lifecycle under chaos (faults, lost and duplicated deliveries), repaired by sweeps", async () => {
  stack = await startStack({ retryBaseMs: 20 });
  await runStory(stack, undefined, DEFAULT_CHAOS);
  expect(stack.twin.requests.filter((r) => r.fault).length).toBeGreaterThan(10);
  expect(stack.twin.deliveries.filter((d) => d.statusCode === 0).length).toBeGreaterThan(10);
}, 150_000);
