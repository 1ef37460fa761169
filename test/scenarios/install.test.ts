/**
 * Installing the app: the first verdicts arrive with the installation events, with no sweep;
 * a repository added later gets its verdicts the same way; a repository removed a moment later
 * is skipped while the others go on; after an uninstall (or a suspension) a sweep does no work
 * for those repositories and counts no failure.
 */
import { startStack, type Stack } from "../../tools/sandbox/stack.js";
import { SANDBOX_CONFIG } from "../../tools/sandbox/story.js";
import type { RepoHandle, Twin } from "../../tools/twin/index.js";

let stack: Stack;
afterEach(async () => {
  await stack?.close();
});

const ours = (repo: RepoHandle, sha: string, target: string) => repo.checkRuns(sha).filter((r) => r.name === `branch-steward / ${target}` && r.app.slug === "branch-steward");

/** A pipeline repository the app is not installed on yet, with a feature PR into development and one into production. */
function pipeline(twin: Twin, name: string): { repo: RepoHandle; toDevelopment: number; toProduction: number } {
  const repo = twin.createRepo({
    owner: "acme",
    name,
    defaultBranch: "production",
    installed: false,
    collaborators: { alice: "write", carol: "admin" },
    files: { "README.md": `# ${name}\n`, ".github/branch-steward.yml": SANDBOX_CONFIG },
  });
  repo.createBranch("development", "production", "carol");
  repo.commit("feature/a", { message: "A", files: { "a.txt": "a\n" }, author: "alice", from: "development" });
  repo.commit("feature/b", { message: "B", files: { "b.txt": "b\n" }, author: "alice", from: "development" });
  const toDevelopment = repo.openPR({ head: "feature/a", base: "development", title: "A", user: "alice" });
  const toProduction = repo.openPR({ head: "feature/b", base: "production", title: "B", user: "alice" });
  return { repo, toDevelopment, toProduction };
}

const head = (repo: RepoHandle, pr: number) => repo.pr(pr).headSha;
const apiCallsFor = (twin: Twin, fullName: string, from = 0) => twin.requests.slice(from).filter((r) => r.path.startsWith(`/repos/${fullName}/`));

it("installing on a repository with open PRs writes their verdicts at once, without a sweep", async () => {
  stack = await startStack();
  const { repo, toDevelopment, toProduction } = pipeline(stack.twin, "pipeline");
  await stack.twin.idle();
  expect(stack.twin.deliveries).toEqual([]); // not installed: nothing was delivered for the PRs

  stack.twin.installation.install(["acme/pipeline"]);
  await stack.twin.idle();

  const [delivery] = stack.twin.deliveries;
  expect(delivery).toMatchObject({ event: "installation", action: "created", statusCode: 200 });
  expect(delivery?.payload).not.toHaveProperty("repository");
  expect(ours(repo, head(repo, toDevelopment), "development")).toEqual([expect.objectContaining({ status: "completed", conclusion: "success" })]);
  expect(ours(repo, head(repo, toProduction), "production")).toEqual([expect.objectContaining({ status: "completed", conclusion: "failure" })]);
  expect(repo.comments(toProduction).filter((c) => c.user === "branch-steward[bot]")).toHaveLength(1);

  // A redelivery of the installation writes nothing more.
  const writes = stack.twin.requests.filter((r) => r.write && r.path.startsWith("/repos/")).length;
  const { createAppAuth } = await import("@octokit/auth-app");
  const { token } = await createAppAuth({ appId: 1001, privateKey: stack.privateKey })({ type: "app" });
  const res = await fetch(`${stack.twin.url}/app/hook/deliveries/${delivery?.id}/attempts`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(202);
  await stack.twin.idle();
  expect(stack.twin.deliveries.at(-1)).toMatchObject({ redelivery: true, statusCode: 200 });
  expect(stack.twin.requests.filter((r) => r.write && r.path.startsWith("/repos/")).length).toBe(writes);
});

it("a repository added to the installation later gets its verdicts; one removed a moment later is skipped and the others go on", async () => {
  stack = await startStack();
  pipeline(stack.twin, "first");
  stack.twin.installation.install(["acme/first"]);
  await stack.twin.idle();
  const later = pipeline(stack.twin, "later");
  const gone = pipeline(stack.twin, "gone");

  stack.twin.setWebhookUrl(null); // both events wait in GitHub's queue: the removal happens before the app reads `gone`
  stack.twin.installation.addRepositories(["acme/later", "acme/gone"]);
  stack.twin.installation.removeRepositories(["acme/gone"]);
  stack.twin.setWebhookUrl(stack.webhookUrl);
  await stack.twin.idle();

  const deliveries = stack.twin.deliveries.filter((d) => d.event === "installation_repositories").map((d) => ({ event: d.event, action: d.action, statusCode: d.statusCode }));
  expect(deliveries).toEqual([
    { event: "installation_repositories", action: "added", statusCode: 200 },
    { event: "installation_repositories", action: "removed", statusCode: 200 },
  ]);
  expect(ours(later.repo, head(later.repo, later.toDevelopment), "development")).toHaveLength(1);
  expect(ours(later.repo, head(later.repo, later.toProduction), "production")).toEqual([expect.objectContaining({ conclusion: "failure" })]);
  expect(ours(gone.repo, head(gone.repo, gone.toProduction), "production")).toEqual([]);
});

it("after an uninstall a sweep has no work left for its repositories, and counts no failure", async () => {
  stack = await startStack();
  const { repo, toProduction } = pipeline(stack.twin, "pipeline");
  stack.twin.installation.install(["acme/pipeline"]);
  await stack.twin.idle();
  expect(ours(repo, head(repo, toProduction), "production")).toHaveLength(1);

  stack.twin.installation.uninstall();
  await stack.twin.idle();
  expect(stack.twin.deliveries.at(-1)).toMatchObject({ event: "installation", action: "deleted", statusCode: 200 });
  const from = stack.twin.requests.length;
  const summary = await stack.sweep();
  expect(summary).toMatchObject({ repositories: 0, errors: 0 });
  expect(apiCallsFor(stack.twin, "acme/pipeline", from)).toEqual([]);
});

it("a suspended installation is skipped by the sweep without a failure, and served again once unsuspended", async () => {
  stack = await startStack();
  const { repo, toProduction } = pipeline(stack.twin, "pipeline");
  stack.twin.installation.install(["acme/pipeline"]);
  await stack.twin.idle();

  stack.twin.installation.suspend();
  await stack.twin.idle();
  expect(stack.twin.deliveries.at(-1)).toMatchObject({ event: "installation", action: "suspend", statusCode: 200 });
  const from = stack.twin.requests.length;
  expect(await stack.sweep()).toMatchObject({ repositories: 0, errors: 0 });
  expect(stack.twin.requests.slice(from).filter((r) => r.path.includes("/access_tokens"))).toEqual([]);

  stack.twin.installation.suspend(false);
  await stack.twin.idle();
  expect(await stack.sweep()).toMatchObject({ repositories: 1, errors: 0 });
  expect(ours(repo, head(repo, toProduction), "production")).toHaveLength(1);
});
