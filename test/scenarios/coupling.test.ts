/**
 * Coupled components over HTTP against the twin: a feature PR that breaks a group, exceptions
 * (a maintainer's label counts, a triager's does not; a body line by a writer), a sync whose
 * other half is still open, a hotfix that touches one side, and a PR over GitHub's 3,000 files.
 */
import { startStack, type Stack } from "../../tools/sandbox/stack.js";
import { seedRepository } from "../../tools/sandbox/story.js";
import type { RepoHandle } from "../../tools/twin/index.js";

let stack: Stack;
afterEach(async () => {
  await stack?.close();
});

const CONFIG = `coupling:
  groups:
    - name: model-features
      when: ["models/**"]
      then: ["features/**", "configs/model_registry.yaml"]
    - name: shipped-together
      when: ["data_prep/**"]
      then: ["feature_store/**"]
      applies_to: [sync]
validation:
  sync: { required: [], opt_out: true }
`;

async function setUp(): Promise<RepoHandle> {
  stack = await startStack();
  const repo = seedRepository(stack.twin);
  repo.state.collaborators.set("erin", "triage");
  repo.commit("production", { message: "Coupling groups", files: { ".github/branch-steward.yml": CONFIG, "models/churn.py": "v = 1\n", "features/churn.py": "f = 1\n", "configs/model_registry.yaml": "churn: 1\n", "data_prep/churn.py": "p = 1\n", "feature_store/churn.py": "s = 1\n" }, author: "carol" });
  // seedRepository cut development before the config commit: development starts again from production.
  repo.forcePush("development", repo.branchHead("production") ?? "", "carol");
  await stack.twin.idle();
  return repo;
}

function check(repo: RepoHandle, pr: number) {
  const view = repo.pr(pr);
  const run = repo
    .checkRuns(view.headSha)
    .filter((r) => r.name === `branch-steward / ${view.baseRef}` && r.app.slug === "branch-steward")
    .at(-1);
  if (!run) throw new Error(`no check on #${pr}`);
  return { conclusion: run.conclusion, title: run.output.title ?? "", summary: run.output.summary ?? "" };
}

it("a feature PR that changes one side of a group fails, and passes once the other side changes", async () => {
  const repo = await setUp();
  repo.commit("feature/churn-v2", { message: "Retrain churn", files: { "models/churn.py": "v = 2\n" }, author: "alice", from: "development" });
  const pr = repo.openPR({ head: "feature/churn-v2", base: "development", title: "Retrain churn", user: "alice" });
  await stack.twin.idle();

  const broken = check(repo, pr);
  expect(broken.conclusion).toBe("failure");
  expect(broken.title).toBe("coupled change incomplete: model-features");
  expect(broken.summary).toContain("`when` changed (`models/churn.py`) but `then` did not: it needs `features/**` or `configs/model_registry.yaml`");
  expect(broken.summary).toContain("Change `features/**` or `configs/model_registry.yaml` in this PR too");
  expect(broken.summary).toContain("`Coupling-not-needed: model-features — <reason>`");

  repo.commit("feature/churn-v2", { message: "Register churn v2", files: { "configs/model_registry.yaml": "churn: 2\n" }, author: "alice" });
  await stack.twin.idle();
  const fixed = check(repo, pr);
  expect(fixed.conclusion).toBe("success");
  expect(fixed.summary).toContain("Changed together: `models/churn.py` (`when`) and `configs/model_registry.yaml` (`then`)");
  expect(stack.twin.unhandled).toEqual([]);
});

it("accepts an exception label from a maintainer, not from a triager; and a body line from a writer", async () => {
  const repo = await setUp();
  repo.commit("feature/registry-typo", { message: "Fix registry typo", files: { "configs/model_registry.yaml": "churn: 1 # fixed\n" }, author: "alice", from: "development" });
  const pr = repo.openPR({ head: "feature/registry-typo", base: "development", title: "Fix registry typo", user: "alice" });
  await stack.twin.idle();
  expect(check(repo, pr).conclusion).toBe("failure");

  repo.addLabels(pr, ["coupling-not-needed"], "erin");
  await stack.twin.idle();
  const triaged = check(repo, pr);
  expect(triaged.conclusion).toBe("failure");
  expect(triaged.summary).toContain("was applied by @&#8203;erin, who has no write access: it does not count");

  repo.removeLabel(pr, "coupling-not-needed", "carol");
  repo.editPR(pr, { body: "Coupling-not-needed: model-features — a comment in the registry, no model change" }, "alice");
  await stack.twin.idle();
  const byLine = check(repo, pr);
  expect(byLine.conclusion).toBe("success");
  expect(byLine.summary).toContain("exception accepted through a line in the PR body by @&#8203;alice: “a comment in the registry, no model change”");

  repo.editPR(pr, { body: "" }, "alice");
  await stack.twin.idle();
  expect(check(repo, pr).conclusion).toBe("failure");

  repo.addLabels(pr, ["coupling-not-needed"], "carol");
  await stack.twin.idle();
  const accepted = check(repo, pr);
  expect(accepted.conclusion).toBe("success");
  expect(accepted.summary).toContain("exception accepted through the label `coupling-not-needed`, applied by @&#8203;carol (no reason given)");
  expect(stack.twin.unhandled).toEqual([]);
});

it("a sync that ships one half names the PR that changed it and the open PR holding the other half", async () => {
  const repo = await setUp();
  repo.commit("feature/prep", { message: "New data prep", files: { "data_prep/churn.py": "p = 2\n" }, author: "alice", from: "development" });
  const prep = repo.openPR({ head: "feature/prep", base: "development", title: "New data prep", user: "alice" });
  repo.commit("feature/features", { message: "Features from the new prep", files: { "feature_store/churn.py": "s = 2\n" }, author: "bob", from: "development" });
  const features = repo.openPR({ head: "feature/features", base: "development", title: "Features from the new prep", user: "bob" });
  await stack.twin.idle();
  // The group applies to syncs only: each half may merge into development on its own.
  expect(check(repo, prep).conclusion).toBe("success");
  repo.merge(prep, { method: "merge", user: "carol" });
  const sync = repo.openPR({ head: "development", base: "production", title: "Sync", user: "carol" });
  await stack.twin.idle();

  const half = check(repo, sync);
  expect(half.conclusion).toBe("failure");
  expect(half.title).toBe("coupled change incomplete: shipped-together");
  expect(half.summary).toContain(`Shipped PRs changing \`when\`: #${prep} New data prep; changing \`then\`: none.`);
  expect(half.summary).toContain(`Still open into development, changing the missing side: #${features} Features from the new prep.`);
  expect(half.summary).toContain(`Merge #${features} Features from the new prep into development first, then update this sync`);

  repo.merge(features, { method: "merge", user: "carol" });
  await stack.twin.idle();
  const whole = check(repo, sync);
  expect(whole.conclusion).toBe("success");
  expect(whole.summary).toContain(`Shipped PRs changing \`when\`: #${prep} New data prep; changing \`then\`: #${features} Features from the new prep.`);

  repo.merge(sync, { method: "merge", user: "carol" });
  await stack.twin.idle();
  const notes = repo.releases().find((r) => r.tagName === "v1.1.0")?.body ?? "";
  expect(notes).toContain("### Coupled components\n\n- `shipped-together`: both sides");
  expect(stack.twin.unhandled).toEqual([]);
});

it("a hotfix that touches one side fails", async () => {
  const repo = await setUp();
  repo.commit("hotfix/registry", { message: "Point churn at v1.1", files: { "configs/model_registry.yaml": "churn: 1.1\n" }, author: "alice", from: "production" });
  const pr = repo.openPR({ head: "hotfix/registry", base: "production", title: "Point churn at v1.1", user: "alice" });
  await stack.twin.idle();
  const hotfix = check(repo, pr);
  expect(hotfix.conclusion).toBe("failure");
  expect(hotfix.summary).toContain("`then` changed (`configs/model_registry.yaml`) but `when` did not: it needs `models/**`");
  // The sync-only group does not apply to hotfixes.
  expect(hotfix.summary).not.toContain("shipped-together");
});

it("a renamed file counts for its old and its new path; a PR over 3,000 files fails closed with the count", async () => {
  const repo = await setUp();
  repo.commit("feature/move", { message: "Move the churn model", files: { "models/churn.py": null, "archive/churn.py": "v = 1\n" }, author: "alice", from: "development" });
  const moved = repo.openPR({ head: "feature/move", base: "development", title: "Move", user: "alice" });
  const many = Object.fromEntries(Array.from({ length: 3001 }, (_, i) => [`docs/page-${i}.md`, `${i}\n`]));
  repo.commit("feature/huge", { message: "Docs", files: many, author: "alice", from: "development" });
  const huge = repo.openPR({ head: "feature/huge", base: "development", title: "Docs", user: "alice" });
  await stack.twin.idle();

  expect(check(repo, moved).summary).toContain("`when` changed (`models/churn.py`) but `then` did not");
  const capped = check(repo, huge);
  expect(capped.conclusion).toBe("failure");
  expect(capped.title).toBe("more than 3,000 files: coupled groups not checked");
  expect(capped.summary).toContain("This PR changes 3,001 files; GitHub lists at most 3,000");
});
