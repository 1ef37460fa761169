import type { Octokit } from "@octokit/rest";
import type { RepoHandle, Twin } from "../../tools/twin/index.js";
import { errorOf, installationOctokit, twinWith } from "./helpers.js";

let twin: Twin;
let repo: RepoHandle;
let octokit: Octokit;
const owner = "acme";
const name = "forecast";

beforeAll(async () => {
  twin = await twinWith();
  repo = twin.createRepo({ owner, name, defaultBranch: "production", files: { "model.py": "v1\n", "README.md": "r\n" }, collaborators: { alice: "write", bob: "admin", eve: "read" } });
  octokit = installationOctokit(twin);
});

afterAll(async () => {
  await twin.close();
});

/** A feature branch with two commits off production, and its open PR. */
function featurePR(branch: string): number {
  repo.commit(branch, { message: `${branch} one`, files: { [`${branch}.txt`]: "1\n" }, author: "alice", from: "production" });
  repo.commit(branch, { message: `${branch} two`, files: { [`${branch}.txt`]: "2\n" }, author: "alice" });
  return repo.openPR({ head: branch, base: "production", title: `Add ${branch}`, user: "alice" });
}

describe("pull requests over REST", () => {
  it("creates, lists by head and refuses duplicates / empty PRs", async () => {
    repo.commit("feat/rest", { message: "rest", files: { "rest.txt": "x" }, author: "alice", from: "production" });
    const created = await octokit.rest.pulls.create({ owner, repo: name, head: "feat/rest", base: "production", title: "REST" });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ state: "open", head: { ref: "feat/rest", repo: { full_name: "acme/forecast", fork: false } }, base: { ref: "production" } });
    expect(created.data.user?.login).toBe("branch-steward[bot]");
    const dup = await errorOf(octokit.rest.pulls.create({ owner, repo: name, head: "feat/rest", base: "production", title: "again" }));
    expect(dup.status).toBe(422);
    expect(dup.data.errors).toEqual([{ resource: "PullRequest", code: "custom", message: "A pull request already exists for acme:feat/rest." }]);
    repo.createBranch("empty", "production");
    expect((await errorOf(octokit.rest.pulls.create({ owner, repo: name, head: "empty", base: "production", title: "e" }))).status).toBe(422);
    const listed = await octokit.rest.pulls.list({ owner, repo: name, head: "acme:feat/rest", state: "open" });
    expect(listed.data.map((p) => p.number)).toEqual([created.data.number]);
  });

  it("merge method: a merge commit with two parents", async () => {
    const n = featurePR("feat/merge");
    const base = repo.branchHead("production") as string;
    const head = repo.pr(n).headSha;
    const { data } = await octokit.rest.pulls.merge({ owner, repo: name, pull_number: n, merge_method: "merge" });
    expect(data.merged).toBe(true);
    expect(repo.commitOf(data.sha).parents).toEqual([base, head]);
    expect(repo.branchHead("production")).toBe(data.sha);
    const pr = (await octokit.rest.pulls.get({ owner, repo: name, pull_number: n })).data;
    expect(pr).toMatchObject({ merged: true, state: "closed", merge_commit_sha: data.sha, merged_by: { login: "branch-steward[bot]" } });
  });

  it("squash method: one commit on the base head with title (#N) and the merged tree", async () => {
    const n = featurePR("feat/squash");
    const base = repo.branchHead("production") as string;
    const { data } = await octokit.rest.pulls.merge({ owner, repo: name, pull_number: n, merge_method: "squash" });
    const commit = repo.commitOf(data.sha);
    expect(commit.parents).toEqual([base]);
    expect(commit.message).toBe(`Add feat/squash (#${n})\n\n* feat/squash one\n\n* feat/squash two`);
    expect(repo.files("production")["feat/squash.txt"]).toBe("2\n");
    expect(repo.isAncestor(repo.pr(n).headSha, "production")).toBe(false);
  });

  it("rebase method: each commit replayed with new shas, merge_commit_sha = last", async () => {
    const n = featurePR("feat/rebase");
    repo.commit("production", { message: "move base", files: { "other.txt": "o" }, author: "bob" });
    const base = repo.branchHead("production") as string;
    const original = repo.pr(n).headSha;
    const { data } = await octokit.rest.pulls.merge({ owner, repo: name, pull_number: n, merge_method: "rebase" });
    const last = repo.commitOf(data.sha);
    const first = repo.commitOf(last.parents[0] as string);
    expect(first.parents).toEqual([base]);
    expect([first.message, last.message]).toEqual(["feat/rebase one", "feat/rebase two"]);
    expect(data.sha).not.toBe(original);
    expect(repo.pr(n).mergeCommitSha).toBe(data.sha);
    expect(repo.files("production")).toMatchObject({ "feat/rebase.txt": "2\n", "other.txt": "o" });
  });

  it("detects conflicts (mergeable false, dirty) and refuses the merge; refuses stale sha", async () => {
    repo.commit("feat/conflict", { message: "change model", files: { "model.py": "feature\n" }, author: "alice", from: "production" });
    const n = repo.openPR({ head: "feat/conflict", base: "production", title: "conflict", user: "alice" });
    expect((await octokit.rest.pulls.get({ owner, repo: name, pull_number: n })).data).toMatchObject({ mergeable: true, mergeable_state: "clean" });
    expect((await errorOf(octokit.rest.pulls.merge({ owner, repo: name, pull_number: n, sha: "0".repeat(40) }))).status).toBe(409);
    repo.commit("production", { message: "hotfix model", files: { "model.py": "hotfix\n" }, author: "bob" });
    const pr = (await octokit.rest.pulls.get({ owner, repo: name, pull_number: n })).data;
    expect(pr).toMatchObject({ mergeable: false, mergeable_state: "dirty" });
    const refused = await errorOf(octokit.rest.pulls.merge({ owner, repo: name, pull_number: n }));
    expect(refused).toMatchObject({ status: 405, data: { message: "Pull Request is not mergeable" } });
  });

  it("retargets with PATCH base and lists PR commits", async () => {
    repo.createBranch("development", "production");
    const n = featurePR("feat/retarget");
    await octokit.rest.pulls.update({ owner, repo: name, pull_number: n, base: "development" });
    expect(repo.pr(n).baseRef).toBe("development");
    const commits = await octokit.rest.pulls.listCommits({ owner, repo: name, pull_number: n });
    expect(commits.data.map((c) => c.commit.message)).toEqual(["feat/retarget one", "feat/retarget two"]);
  });

  it("reviews remove the reviewer from requested reviewers; non-collaborators cannot be requested", async () => {
    const n = featurePR("feat/review");
    await octokit.rest.pulls.requestReviewers({ owner, repo: name, pull_number: n, reviewers: ["bob"] });
    expect(repo.pr(n).requestedReviewers).toEqual(["bob"]);
    const refused = await errorOf(octokit.rest.pulls.requestReviewers({ owner, repo: name, pull_number: n, reviewers: ["mallory"] }));
    expect(refused.status).toBe(422);
    expect(String(refused.data.message)).toMatch(/^Reviews may only be requested from collaborators/);
    repo.approve(n, "bob");
    expect(repo.pr(n).requestedReviewers).toEqual([]);
    const reviews = await octokit.rest.pulls.listReviews({ owner, repo: name, pull_number: n });
    expect(reviews.data.map((r) => [r.user?.login, r.state])).toEqual([["bob", "APPROVED"]]);
  });

  it("models fork PRs: head.repo differs and is a fork; merging brings the fork's commits", async () => {
    const fork = repo.fork("mallory");
    fork.commit("patch", { message: "fork work", files: { "fork.txt": "f" }, author: "mallory", from: "production" });
    const n = repo.openPR({ head: "mallory:patch", base: "production", title: "from fork", user: "mallory" });
    const pr = (await octokit.rest.pulls.get({ owner, repo: name, pull_number: n })).data;
    expect(pr.head.repo).toMatchObject({ full_name: "mallory/forecast", fork: true });
    await octokit.rest.pulls.merge({ owner, repo: name, pull_number: n });
    expect(repo.files("production")["fork.txt"]).toBe("f");
  });

  it("marks a PR merged when its head lands on the base by a push", async () => {
    const n = featurePR("feat/manual");
    repo.forcePush("production", repo.pr(n).headSha, "bob");
    expect(repo.pr(n)).toMatchObject({ state: "closed", merged: true });
  });

  it("comments as the bot user with performed_via_github_app, and manages labels", async () => {
    const n = featurePR("feat/comment");
    const { data } = await octokit.rest.issues.createComment({ owner, repo: name, issue_number: n, body: "hello" });
    expect(data.user).toMatchObject({ login: "branch-steward[bot]", type: "Bot" });
    expect(data.performed_via_github_app).toMatchObject({ slug: "branch-steward" });
    await octokit.rest.issues.addLabels({ owner, repo: name, issue_number: n, labels: ["needs-validation"] });
    expect(repo.labels(n)).toEqual(["needs-validation"]);
    await octokit.rest.issues.removeLabel({ owner, repo: name, issue_number: n, name: "needs-validation" });
    expect(repo.labels(n)).toEqual([]);
    const permission = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo: name, username: "eve" });
    expect(permission.data.permission).toBe("read");
    await expect(twin.idle()).rejects.toThrow(/no webhook URL is set/);
  });

  it("PR files: GitHub's three-dot diff, renames with previous_filename, paged, at most 3,000", async () => {
    repo.commit("production", { message: "to move", files: { "moveme.py": "m\n" }, author: "bob" });
    repo.commit("feat/move", { message: "move", files: { "moveme.py": null, "models/moveme.py": "m\n", "extra.txt": "e\n" }, author: "alice", from: "production" });
    const moved = repo.openPR({ head: "feat/move", base: "production", title: "Move", user: "alice" });
    // production moves on: the PR's files stay those of its own change (from the merge base).
    repo.commit("production", { message: "other", files: { "README.md": "changed\n" }, author: "bob" });
    const files = (await octokit.rest.pulls.listFiles({ owner, repo: name, pull_number: moved })).data;
    expect(files.map((f) => [f.filename, f.status, f.previous_filename])).toEqual([
      ["extra.txt", "added", undefined],
      ["models/moveme.py", "renamed", "moveme.py"],
    ]);
    expect((await octokit.rest.pulls.get({ owner, repo: name, pull_number: moved })).data.changed_files).toBe(2);

    const many = Object.fromEntries(Array.from({ length: 3005 }, (_, i) => [`docs/${i}.md`, `${i}\n`]));
    repo.commit("feat/many", { message: "many", files: many, author: "alice", from: "production" });
    const big = repo.openPR({ head: "feat/many", base: "production", title: "Many", user: "alice" });
    const listed = await octokit.paginate(octokit.rest.pulls.listFiles, { owner, repo: name, pull_number: big, per_page: 100 });
    expect(listed).toHaveLength(3000);
    expect((await octokit.rest.pulls.get({ owner, repo: name, pull_number: big })).data.changed_files).toBe(3005);
  });

  it("issue events: who labeled and unlabeled a PR", async () => {
    const n = featurePR("feat/events");
    repo.addLabels(n, ["coupling-not-needed"], "eve");
    repo.removeLabel(n, "coupling-not-needed", "bob");
    repo.addLabels(n, ["coupling-not-needed"], "bob");
    const events = (await octokit.rest.issues.listEvents({ owner, repo: name, issue_number: n })).data;
    expect(events.map((e) => [e.event, e.actor?.login, (e as { label?: { name: string } }).label?.name])).toEqual([
      ["labeled", "eve", "coupling-not-needed"],
      ["unlabeled", "bob", "coupling-not-needed"],
      ["labeled", "bob", "coupling-not-needed"],
    ]);
  });
});
