/**
 * The lifecycle story the sandbox tells and the scenario tests replay: actors act on the
 * twin, branch-steward reacts over real webhooks, and every expectation is asserted. A
 * failed expectation throws a StoryError naming the step.
 */
import type { CheckRunView, FaultOptions, RepoHandle, Twin, WebhookKnobs } from "../twin/index.js";
import type { Stack } from "./stack.js";

export const OWNER = "acme";
export const REPO = "forecast";
export const CI_APP = { id: 501, slug: "staging-ci", name: "Staging CI" };
export const VALIDATION_CHECKS = ["inference-tests", "drift-detection", "performance"] as const;

export const SANDBOX_CONFIG = `# yaml-language-server: $schema=../schema/branch-steward.schema.json
validation:
  sync:
    required:
${VALIDATION_CHECKS.map((c) => `      - { name: ${c}, app: ${CI_APP.slug} }`).join("\n")}
  hotfix:
    required:
      - { name: inference-tests, app: ${CI_APP.slug} }
`;

/** The coupling group the story adds at its end (a maintainer's config change on the default branch). */
export const COUPLING_CONFIG = `coupling:
  groups:
    - name: serving-thresholds
      when: [pipeline/infer.py]
      then: [model/thresholds.yml]
      direction: one_way
`;

export class StoryError extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(`step "${step}": ${message}`);
  }
}

export interface Narrator {
  step(title: string): void;
  /** A block of text shown as it is (the dashboard's markdown). */
  text?(block: string): void;
  actor(line: string): void;
  steward(line: string): void;
  ok(line: string): void;
}

export const silentNarrator: Narrator = { step() {}, actor() {}, steward() {}, ok() {} };

export interface StoryContext {
  readonly stack: Stack;
  readonly twin: Twin;
  readonly repo: RepoHandle;
  readonly say: Narrator;
  /** Waits until the app has reacted (and, under chaos, until a sweep has repaired what faults broke). */
  settle(): Promise<void>;
}

/** Chaos: faults and lost or duplicated deliveries while actors act; a sweep repairs before each check. */
export interface Chaos {
  readonly faults: FaultOptions;
  readonly webhooks: WebhookKnobs;
}

export const DEFAULT_CHAOS: Chaos = {
  faults: { rate: 0.2, seed: 42, timeoutMs: 300, retryAfterSeconds: 1 },
  webhooks: { dropRate: 0.2, duplicateRate: 0.2, timeoutMs: 5_000 },
};

/** Seeds acme/forecast (or `name`): production (default branch, tagged v1.0.0) and development. */
export function seedRepository(twin: Twin, o: { name?: string; config?: string } = {}): RepoHandle {
  const repo = twin.createRepo({
    owner: OWNER,
    name: o.name ?? REPO,
    defaultBranch: "production",
    collaborators: { alice: "write", bob: "write", carol: "admin", dave: "read" },
    files: {
      "README.md": "# forecast\nConflict early-warning pipeline.\n",
      "model/thresholds.yml": "drift: 0.20\n",
      "pipeline/infer.py": "def infer():\n    return 'v1'\n",
      ".github/branch-steward.yml": o.config ?? SANDBOX_CONFIG,
    },
  });
  const head = repo.branchHead("production");
  if (!head) throw new Error("seed: production has no head");
  repo.tag("v1.0.0", head, { annotated: true, message: "v1.0.0", tagger: "carol" });
  repo.createBranch("development", "production", "carol");
  return repo;
}

export const checkName = (target: string): string => `branch-steward / ${target}`;

function ourCheck(ctx: StoryContext, sha: string, target: string): CheckRunView | undefined {
  return ctx.repo
    .checkRuns(sha)
    .filter((r) => r.name === checkName(target) && r.app.slug === "branch-steward")
    .at(-1);
}

function ourComments(ctx: StoryContext, pr: number) {
  return ctx.repo.comments(pr).filter((c) => c.user === "branch-steward[bot]" && c.body.startsWith("<!-- branch-steward -->"));
}

interface Expected {
  readonly status: "completed" | "in_progress";
  readonly conclusion?: string;
  readonly summaryIncludes?: readonly string[];
}

/** Waits for the app to settle, then asserts our check on the PR head. */
export async function expectCheck(ctx: StoryContext, step: string, pr: number, expected: Expected): Promise<CheckRunView> {
  await ctx.settle();
  const view = ctx.repo.pr(pr);
  const run = ourCheck(ctx, view.headSha, view.baseRef);
  if (!run) throw new StoryError(step, `no "${checkName(view.baseRef)}" check on ${view.headSha.slice(0, 7)}`);
  const got = `${run.status}${run.conclusion ? `/${run.conclusion}` : ""}`;
  const want = `${expected.status}${expected.conclusion ? `/${expected.conclusion}` : ""}`;
  if (got !== want) throw new StoryError(step, `expected ${run.name} to be ${want}, got ${got}: ${run.output.title ?? ""}`);
  for (const text of expected.summaryIncludes ?? []) {
    if (!(run.output.summary ?? "").includes(text)) {
      throw new StoryError(step, `expected the ${run.name} summary to mention ${JSON.stringify(text)}; it says:\n${run.output.summary ?? ""}`);
    }
  }
  ctx.say.steward(`${run.name}: ${got} — ${run.output.title ?? ""}`);
  return run;
}

export function expectOneComment(ctx: StoryContext, step: string, pr: number, includes: string): string {
  const mine = ourComments(ctx, pr);
  if (mine.length !== 1) throw new StoryError(step, `expected exactly one status comment on #${pr}, found ${mine.length}`);
  const body = mine[0]?.body ?? "";
  if (!body.includes(includes)) throw new StoryError(step, `expected the comment on #${pr} to say ${JSON.stringify(includes)}; it says:\n${body}`);
  ctx.say.steward(`comment on #${pr}: ${body.split("\n")[1] ?? ""}`);
  return body;
}

function ciReports(ctx: StoryContext, sha: string, name: string, conclusion: "success" | "failure" | null): number {
  const id = ctx.repo.reportCheck(sha, {
    name,
    app: CI_APP,
    ...(conclusion ? { status: "completed", conclusion } : { status: "in_progress" }),
    detailsUrl: `https://ci.example/${name}/${sha.slice(0, 7)}`,
  });
  ctx.say.actor(`${CI_APP.slug} reports ${name}: ${conclusion ?? "in_progress"}`);
  return id;
}

/** The whole story: the flow check, the validation gate, lineage and up-to-date. */
export async function runStory(stack: Stack, say: Narrator = silentNarrator, chaos?: Chaos): Promise<void> {
  const repo = seedRepository(stack.twin);
  const settle = async (): Promise<void> => {
    await stack.twin.idle({ timeoutMs: 60_000, quietMs: chaos ? 300 : 30 });
    if (!chaos) return;
    // The outage ends; the sweep redelivers what failed and repairs what is missing; chaos resumes.
    stack.twin.setFaults(null);
    stack.twin.setWebhookKnobs({ dropRate: 0, duplicateRate: 0 }); // knobs merge: `{}` would keep dropping
    const summary = await stack.sweep();
    await stack.twin.idle({ timeoutMs: 60_000, quietMs: 300 });
    say.steward(`sweep: redelivered ${summary.redeliveries.redelivered}, repaired ${summary.checks.rewritten} checks, ${summary.backports.fixed} backports, ${summary.extra.fixed} releases (${summary.requests} requests)`);
    stack.twin.setFaults(chaos.faults);
    stack.twin.setWebhookKnobs(chaos.webhooks);
  };
  if (chaos) {
    stack.twin.setFaults(chaos.faults);
    stack.twin.setWebhookKnobs(chaos.webhooks);
  }
  const ctx: StoryContext = { stack, twin: stack.twin, repo, say, settle };
  say.actor(`seeded ${OWNER}/${REPO}: production (tagged v1.0.0), development, .github/branch-steward.yml`);

  // 1. The flow check.
  say.step("A feature branch aimed at production is blocked");
  repo.commit("feature/x", { message: "Add regional features", files: { "pipeline/features.py": "REGIONS = 12\n" }, author: "alice", from: "development" });
  const feature = repo.openPR({ head: "feature/x", base: "production", title: "Add regional features", user: "alice" });
  say.actor(`alice opens PR #${feature}: feature/x → production`);
  await expectCheck(ctx, "feature → production", feature, {
    status: "completed",
    conclusion: "failure",
    summaryIncludes: ["Retarget this PR to `development`"],
  });
  const blocked = expectOneComment(ctx, "feature → production", feature, "blocked");

  say.step("Retargeted to development, it passes and the same comment is edited");
  repo.retarget(feature, "development", "alice");
  say.actor(`alice retargets #${feature} to development`);
  await expectCheck(ctx, "retarget", feature, { status: "completed", conclusion: "success" });
  const allowed = expectOneComment(ctx, "retarget", feature, "allowed: the feature flow");
  if (allowed === blocked) throw new StoryError("retarget", "the comment was not edited");
  const old = ourCheck(ctx, repo.pr(feature).headSha, "production");
  if (old?.conclusion !== "neutral") throw new StoryError("retarget", `the old production check should be neutral, is ${old?.conclusion}`);
  say.steward(`${old.name}: neutral — ${old.output.title ?? ""}`);

  repo.approve(feature, "bob");
  repo.merge(feature, { method: "merge", user: "bob" });
  say.actor(`bob approves and merges #${feature} into development`);

  // 2. The validation gate on the sync.
  say.step("The sync PR development → production waits for staging validation");
  const sync = repo.openPR({ head: "development", base: "production", title: "Sync development → production", user: "carol" });
  say.actor(`carol opens PR #${sync}: development → production`);
  await expectCheck(ctx, "sync waits", sync, {
    status: "in_progress",
    summaryIncludes: VALIDATION_CHECKS.map((c) => `Waiting for \`${c}\``),
  });
  const syncSha = repo.pr(sync).headSha;

  say.step("Drift detection fails: red");
  ciReports(ctx, syncSha, "inference-tests", "success");
  ciReports(ctx, syncSha, "drift-detection", "failure");
  await expectCheck(ctx, "drift fails", sync, { status: "completed", conclusion: "failure", summaryIncludes: ["drift-detection"] });

  say.step("Drift detection re-runs: pending again, not red");
  const rerun = ciReports(ctx, syncSha, "drift-detection", null); // a re-run is a new run of the same name
  await expectCheck(ctx, "drift re-runs", sync, { status: "in_progress", summaryIncludes: ["[drift-detection]", "in_progress by staging-ci"] });

  say.step("All three pass: green");
  repo.updateCheck(rerun, { status: "completed", conclusion: "success" });
  say.actor(`${CI_APP.slug} reports drift-detection: success`);
  ciReports(ctx, syncSha, "performance", "success");
  await expectCheck(ctx, "sync green", sync, { status: "completed", conclusion: "success", summaryIncludes: ["performance"] });

  // 3. Hotfix lineage.
  say.step("A \"hotfix\" cut from development is refused");
  repo.commit("hotfix/from-dev", { message: "Tweak drift threshold", files: { "model/thresholds.yml": "drift: 0.25\n" }, author: "alice", from: "development" });
  const badHotfix = repo.openPR({ head: "hotfix/from-dev", base: "production", title: "Tweak drift threshold", user: "alice" });
  say.actor(`alice opens PR #${badHotfix}: hotfix/from-dev (cut from development) → production`);
  await expectCheck(ctx, "hotfix from development", badHotfix, {
    status: "completed",
    conclusion: "failure",
    summaryIncludes: ["Hotfix cut from production", "Add regional features", "git switch -c hotfix/<name> origin/production"],
  });
  repo.close(badHotfix, "alice");

  // 4. Up to date: production moved, development lacks it.
  say.step("A sync is blocked while production has a commit development lacks");
  repo.commit("production", { message: "Emergency: pin model version", files: { "pipeline/infer.py": "def infer():\n    return 'v1-pinned'\n" }, author: "carol" });
  say.actor("carol pushes a commit straight to production");
  await expectCheck(ctx, "sync behind", sync, {
    status: "completed",
    conclusion: "failure",
    summaryIncludes: ["1 commit behind `production`", "Emergency: pin model version"],
  });

  // 5. The hotfix and its backport.
  say.step("hotfix/fix-drift-threshold is cut from production, approved and merged");
  repo.commit("hotfix/fix-drift-threshold", { message: "Fix drift threshold", files: { "model/thresholds.yml": "drift: 0.15\n" }, author: "alice", from: "production" });
  const hotfix = repo.openPR({ head: "hotfix/fix-drift-threshold", base: "production", title: "Fix drift threshold", user: "alice" });
  say.actor(`alice opens PR #${hotfix}: hotfix/fix-drift-threshold → production`);
  ciReports(ctx, repo.pr(hotfix).headSha, "inference-tests", "success");
  await expectCheck(ctx, "hotfix", hotfix, { status: "completed", conclusion: "success", summaryIncludes: ["Hotfix cut from production | ✅ pass"] });
  repo.approve(hotfix, "bob");
  repo.approve(hotfix, "carol");
  repo.merge(hotfix, { method: "squash", user: "carol" });
  say.actor(`bob and carol approve; carol squash-merges #${hotfix} into production`);
  await ctx.settle();

  say.step("branch-steward opens the backport PR into development, for maintainers to approve");
  const backport = findBackport(ctx, "backport/development/pr-" + hotfix);
  const view = repo.pr(backport);
  const expectEqual = (what: string, got: unknown, want: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new StoryError("backport", `${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  };
  expectEqual("title", view.title, `[development] Fix drift threshold (backport #${hotfix})`);
  expectEqual("base", view.baseRef, "development");
  expectEqual("reviewers", [...view.requestedReviewers].sort(), ["alice", "bob", "carol"]);
  expectEqual("assignees", [...view.assignees].sort(), ["alice", "carol"]);
  expectEqual("labels", view.labels, ["backport"]);
  expectEqual("source labels", repo.labels(hotfix), ["backport-pending"]);
  say.steward(`opened #${backport} "${view.title}" from ${view.headRef}; review requested from ${view.requestedReviewers.join(", ")}; labelled ${view.labels.join(", ")}`);
  const backportBody = repo.pr(backport).body ?? "";
  if (!backportBody.includes("Production release: [v1.0.1]")) throw new StoryError("backport", `the backport PR should link the release v1.0.1; its body is:\n${backportBody}`);
  say.steward(`#${backport} links the production release v1.0.1`);
  expectOneBackportComment(ctx, hotfix, `#${backport}`);
  if (view.merged) throw new StoryError("backport", "the backport PR must never be merged automatically");
  await expectCheck(ctx, "backport flow", backport, { status: "completed", conclusion: "success", summaryIncludes: ["backport flow"] });

  say.step("The backport is approved and merged: development contains production again");
  repo.approve(backport, "bob");
  repo.merge(backport, { method: "merge", user: "bob" });
  say.actor(`bob approves and merges #${backport} (merge commit)`);
  await ctx.settle();
  const production = repo.branchHead("production") ?? "";
  const development = repo.branchHead("development") ?? "";
  if (!repo.isAncestor(production, development)) throw new StoryError("backport merged", "production is not an ancestor of development");
  expectEqual("source labels after merge", repo.labels(hotfix), ["backported"]);
  say.steward(`#${hotfix} labelled backported; production ⊆ development`);

  say.step("The sync PR is up to date again and waits for validation of its new head");
  await expectCheck(ctx, "sync after backport", sync, { status: "in_progress", summaryIncludes: ["Up to date with target | ✅ pass"] });
  const newHead = repo.pr(sync).headSha;
  for (const name of VALIDATION_CHECKS) ciReports(ctx, newHead, name, "success");
  await expectCheck(ctx, "sync green again", sync, { status: "completed", conclusion: "success" });

  // 6. Versions: the hotfix was v1.0.1; the sync, a second hotfix and a rollback follow.
  expectTag(ctx, "hotfix release", "v1.0.1", repo.pr(hotfix).mergeCommitSha);

  say.step("The sync merges into production: v1.1.0, with the validation evidence in its notes");
  repo.approve(sync, "bob");
  repo.approve(sync, "alice");
  const syncMerge = repo.merge(sync, { method: "merge", user: "carol" });
  say.actor(`bob and alice approve; carol merges #${sync}`);
  await ctx.settle();
  expectTag(ctx, "sync release", "v1.1.0", syncMerge);
  expectReleaseNotes(ctx, "sync release", "v1.1.0", [...VALIDATION_CHECKS, "v1.0.1"]);
  const backMerge = findBackport(ctx, `backport/development/pr-${sync}`);
  say.steward(`opened #${backMerge} "${repo.pr(backMerge).title}" so production stays an ancestor of development`);
  repo.approve(backMerge, "bob");
  repo.merge(backMerge, { method: "merge", user: "bob" });
  await ctx.settle();

  say.step("A second hotfix: v1.1.1; a redelivered merge event changes nothing");
  repo.commit("hotfix/recalibrate", { message: "Recalibrate drift detector", files: { "model/thresholds.yml": "drift: 0.17\n" }, author: "alice", from: "production" });
  const hotfix2 = repo.openPR({ head: "hotfix/recalibrate", base: "production", title: "Recalibrate drift detector", user: "alice" });
  ciReports(ctx, repo.pr(hotfix2).headSha, "inference-tests", "success");
  repo.approve(hotfix2, "bob");
  const hotfix2Merge = repo.merge(hotfix2, { method: "squash", user: "carol" });
  say.actor(`alice's #${hotfix2} is approved and squash-merged`);
  await ctx.settle();
  expectTag(ctx, "second hotfix", "v1.1.1", hotfix2Merge);
  // Converge first: under chaos, the sweep's own repairs (a redelivered merge opening a backport
  // PR whose `opened` event is then lost) are finished by the next sweep, not by this redelivery.
  if (chaos) await ctx.settle();
  const writes = () => ctx.twin.requests.filter((r) => r.write && !r.route?.startsWith("POST /app/")).length;
  const before = writes();
  await redeliver(ctx, "pull_request", "closed");
  await ctx.settle();
  if (writes() !== before) throw new StoryError("redelivery", `a redelivered merge event made ${writes() - before} writes`);
  say.steward("the redelivered `closed` event found its tag, release, backport and comments: 0 writes");

  say.step("Rollback as roll-forward: reverting v1.1.1 releases v1.1.2");
  repo.commit("hotfix/revert-recalibrate", { message: 'Revert "Recalibrate drift detector"', files: { "model/thresholds.yml": "drift: 0.15\n" }, author: "carol", from: "production" });
  const revert = repo.openPR({ head: "hotfix/revert-recalibrate", base: "production", title: 'Revert "Recalibrate drift detector"', body: `Reverts ${OWNER}/${REPO}#${hotfix2}`, user: "carol" });
  ciReports(ctx, repo.pr(revert).headSha, "inference-tests", "success");
  repo.approve(revert, "bob");
  const revertMerge = repo.merge(revert, { method: "squash", user: "carol" });
  say.actor(`carol reverts #${hotfix2} in #${revert}; bob approves; merged`);
  await ctx.settle();
  expectTag(ctx, "rollback", "v1.1.2", revertMerge);
  expectReleaseNotes(ctx, "rollback", "v1.1.2", ["Reverts v1.1.1"]);
  expectReleaseNotes(ctx, "rollback", "v1.1.1", ["v1.1.2"]);
  say.steward(`tags: ${repo.tags().map((t) => t.name).sort().join(", ")}`);

  await coupledChange(ctx);
  say.step("The dashboard issue shows the flow at a glance");
  await expectDashboard(ctx, "v1.1.2");
}

/** 7. Coupled components: serving code and its thresholds change together. */
async function coupledChange(ctx: StoryContext): Promise<void> {
  const { repo, say } = ctx;
  say.step("A coupling group: a serving change without its thresholds is blocked, then completed");
  repo.commit("production", { message: "Couple serving and thresholds", files: { ".github/branch-steward.yml": `${SANDBOX_CONFIG}${COUPLING_CONFIG}` }, author: "carol" });
  say.actor("carol adds the coupling group serving-thresholds to .github/branch-steward.yml on production");
  repo.commit("feature/infer-v2", { message: "Serve v2", files: { "pipeline/infer.py": "def infer():\n    return 'v2'\n" }, author: "alice", from: "development" });
  const pr = repo.openPR({ head: "feature/infer-v2", base: "development", title: "Serve v2", user: "alice" });
  say.actor(`alice opens PR #${pr}: pipeline/infer.py only`);
  await expectCheck(ctx, "coupled change incomplete", pr, {
    status: "completed",
    conclusion: "failure",
    summaryIncludes: ["Coupled group `serving-thresholds`", "it needs `model/thresholds.yml`"],
  });
  repo.commit("feature/infer-v2", { message: "Thresholds for v2", files: { "model/thresholds.yml": "drift: 0.18\n" }, author: "alice" });
  say.actor(`alice pushes model/thresholds.yml to #${pr}`);
  await expectCheck(ctx, "coupled change complete", pr, {
    status: "completed",
    conclusion: "success",
    summaryIncludes: ["Changed together: `pipeline/infer.py` (`when`) and `model/thresholds.yml` (`then`)"],
  });
}

/** Exactly one dashboard issue, current with the newest release; the sandbox prints it. */
async function expectDashboard(ctx: StoryContext, release: string): Promise<void> {
  const mine = () => ctx.repo.issues().filter((i) => i.user === "branch-steward[bot]" && i.body.startsWith("<!-- branch-steward:dashboard -->"));
  const shows = () => mine()[0]?.body.includes(`**${release.replace(/\./g, "\\.")}**`) === true;
  // Refreshes run after the burst that triggered them: wait for the one that saw the release.
  await ctx.settle();
  for (const deadline = Date.now() + 10_000; !shows() && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    await ctx.twin.idle({ timeoutMs: 10_000 });
  }
  const found = mine();
  if (found.length !== 1) throw new StoryError("dashboard", `expected one dashboard issue, found ${found.length}`);
  const dashboard = found[0] as { number: number; title: string; body: string };
  if (!dashboard.body.includes(`**${release.replace(/\./g, "\\.")}**`)) throw new StoryError("dashboard", `expected the dashboard to show ${release}; it says:\n${dashboard.body}`);
  ctx.say.steward(`dashboard #${dashboard.number} "${dashboard.title}":`);
  ctx.say.text?.(dashboard.body);
}

function expectTag(ctx: StoryContext, step: string, name: string, sha: string | null): void {
  const tag = ctx.repo.tags().find((t) => t.name === name);
  if (!tag || tag.sha !== sha) throw new StoryError(step, `expected tag ${name} on ${sha?.slice(0, 7)}, found ${JSON.stringify(ctx.repo.tags())}`);
  const release = ctx.repo.releases().filter((r) => r.tagName === name);
  if (release.length !== 1) throw new StoryError(step, `expected one release for ${name}, found ${release.length}`);
  ctx.say.steward(`tagged ${name} (annotated: ${tag.annotated}) on ${sha?.slice(0, 7)} and published its release`);
}

function expectReleaseNotes(ctx: StoryContext, step: string, tag: string, mentions: readonly string[]): void {
  const body = ctx.repo.releases().find((r) => r.tagName === tag)?.body ?? "";
  for (const text of mentions) {
    if (!body.includes(text)) throw new StoryError(step, `expected the ${tag} release notes to mention ${JSON.stringify(text)}; they say:\n${body}`);
  }
}

/** Redelivers the newest delivery of an event through GitHub's deliveries API, as a maintainer would. */
async function redeliver(ctx: StoryContext, event: string, action: string): Promise<void> {
  const delivery = [...ctx.twin.deliveries].reverse().find((d) => d.event === event && d.action === action);
  if (!delivery) throw new StoryError("redelivery", `no ${event}.${action} delivery to redeliver`);
  const { createAppAuth } = await import("@octokit/auth-app");
  const { token } = await createAppAuth({ appId: ctx.twin.app.id, privateKey: ctx.stack.privateKey })({ type: "app" });
  const res = await fetch(`${ctx.twin.url}/app/hook/deliveries/${delivery.id}/attempts`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 202) throw new StoryError("redelivery", `redelivery answered ${res.status}`);
  ctx.say.actor(`a maintainer redelivers the ${event}.${action} webhook (${delivery.guid})`);
}

function findBackport(ctx: StoryContext, branch: string): number {
  const found = [...ctx.repo.state.issues.values()].filter((i) => i.pull?.headRef === branch).map((i) => i.number);
  if (found.length !== 1) throw new StoryError("backport", `expected exactly one PR from ${branch}, found ${found.length}`);
  return found[0] as number;
}

function expectOneBackportComment(ctx: StoryContext, pr: number, includes: string): void {
  const mine = ctx.repo.comments(pr).filter((c) => c.user === "branch-steward[bot]" && c.body.startsWith("<!-- branch-steward:backport -->"));
  if (mine.length !== 1 || !mine[0]?.body.includes(includes)) {
    throw new StoryError("backport", `expected one backport comment on #${pr} mentioning ${includes}, found ${JSON.stringify(mine.map((c) => c.body))}`);
  }
  ctx.say.steward(`comment on #${pr}: ${mine[0].body.split("\n")[1] ?? ""}`);
}

/** The merge queue chapter's config: the sync's staging checks must also pass on the merge group. */
export const MERGE_QUEUE_CONFIG = SANDBOX_CONFIG.replace(
  `  hotfix:\n`,
  `    merge_group: require # in the merge queue, the staging checks run again on the group's commit\n  hotfix:\n`,
);
export const MERGE_QUEUE_REPO = "forecast-queue";

/** Our check on a merge group's commit, once the app settled. */
async function expectGroupCheck(ctx: StoryContext, step: string, sha: string, base: string, expected: Expected): Promise<CheckRunView> {
  await ctx.settle();
  const run = ourCheck(ctx, sha, base);
  if (!run) throw new StoryError(step, `no "${checkName(base)}" check on the merge group ${sha.slice(0, 7)}`);
  const got = `${run.status}${run.conclusion ? `/${run.conclusion}` : ""}`;
  const want = `${expected.status}${expected.conclusion ? `/${expected.conclusion}` : ""}`;
  if (got !== want) throw new StoryError(step, `expected ${run.name} on the group to be ${want}, got ${got}: ${run.output.title ?? ""}`);
  for (const text of expected.summaryIncludes ?? []) {
    if (!(run.output.summary ?? "").includes(text)) throw new StoryError(step, `expected the group check to mention ${JSON.stringify(text)}; it says:\n${run.output.summary ?? ""}`);
  }
  ctx.say.steward(`${run.name} on merge group ${sha.slice(0, 7)}: ${got} — ${run.output.title ?? ""}`);
  return run;
}

function expectQueueStep(ctx: StoryContext, step: string, base: string, want: string): void {
  const got = ctx.repo.processMergeQueue(base, "carol");
  if (got !== want) throw new StoryError(step, `expected the merge queue to answer ${want}, got ${got}`);
  ctx.say.actor(`the merge queue into ${base}: ${got}`);
}

/**
 * The merge queue, on its own repository: production requires `branch-steward / production`, so
 * the queue waits for our check on each merge group's commit.
 */
export async function runMergeQueueStory(stack: Stack, say: Narrator = silentNarrator): Promise<void> {
  const repo = seedRepository(stack.twin, { name: MERGE_QUEUE_REPO, config: MERGE_QUEUE_CONFIG });
  repo.protect("production", { requiredChecks: [checkName("production")] });
  const ctx: StoryContext = { stack, twin: stack.twin, repo, say, settle: () => stack.twin.idle({ timeoutMs: 60_000, quietMs: 30 }) };
  say.actor(`seeded ${OWNER}/${MERGE_QUEUE_REPO}; production's merge queue requires ${checkName("production")}; the sync's validation runs on merge groups`);

  say.step("Merge queue: a hotfix rides the queue; its merge group's commit is its merge commit and is released");
  repo.commit("hotfix/queue-timeout", { message: "Raise inference timeout", files: { "pipeline/infer.py": "def infer():\n    return 'v1-timeout'\n" }, author: "alice", from: "production" });
  const hotfix = repo.openPR({ head: "hotfix/queue-timeout", base: "production", title: "Raise inference timeout", user: "alice" });
  ciReports(ctx, repo.pr(hotfix).headSha, "inference-tests", "success");
  await expectCheck(ctx, "queued hotfix", hotfix, { status: "completed", conclusion: "success" });
  const hotfixGroup = repo.enqueue(hotfix, "alice");
  say.actor(`alice adds #${hotfix} to the merge queue: group ${hotfixGroup.slice(0, 7)}`);
  await expectGroupCheck(ctx, "hotfix group", hotfixGroup, "production", { status: "completed", conclusion: "success", summaryIncludes: ["count on each PR's head"] });
  expectQueueStep(ctx, "hotfix group", "production", "merged");
  await ctx.settle();
  expectTag(ctx, "queued hotfix release", "v1.0.1", hotfixGroup);
  const backport = findBackport(ctx, `backport/development/pr-${hotfix}`);
  say.steward(`opened the backport #${backport}, exactly as after a button merge`);
  repo.approve(backport, "bob");
  repo.merge(backport, { method: "merge", user: "bob" });
  await ctx.settle();

  say.step("Merge queue: an admin enqueues a PR its flow blocks; the group check fails and the queue drops it");
  repo.commit("feature/queue-jump", { message: "Skip the sync", files: { "README.md": "# forecast\nfast lane\n" }, author: "alice", from: "development" });
  const jump = repo.openPR({ head: "feature/queue-jump", base: "production", title: "Skip the sync", user: "alice" });
  await expectCheck(ctx, "queue jump", jump, { status: "completed", conclusion: "failure" });
  const jumpGroup = repo.enqueue(jump, "carol");
  say.actor(`carol (admin) bypasses the requirements and enqueues #${jump}`);
  await expectGroupCheck(ctx, "blocked group", jumpGroup, "production", { status: "completed", conclusion: "failure", summaryIncludes: [`PR #${jump}`, "No flow allows `feature/queue-jump` → `production`"] });
  expectQueueStep(ctx, "blocked group", "production", "removed");

  say.step("Merge queue: the sync's group waits for the staging checks on the group's commit, then merges");
  const sync = repo.openPR({ head: "development", base: "production", title: "Sync development → production", user: "carol" });
  for (const name of VALIDATION_CHECKS) ciReports(ctx, repo.pr(sync).headSha, name, "success");
  await expectCheck(ctx, "queued sync", sync, { status: "completed", conclusion: "success" });
  const syncGroup = repo.enqueue(sync, "carol");
  say.actor(`carol adds #${sync} to the merge queue: group ${syncGroup.slice(0, 7)}`);
  await expectGroupCheck(ctx, "sync group waits", syncGroup, "production", { status: "in_progress", summaryIncludes: VALIDATION_CHECKS.map((c) => `Waiting for \`${c}\``) });
  expectQueueStep(ctx, "sync group waits", "production", "waiting");
  for (const name of VALIDATION_CHECKS) ciReports(ctx, syncGroup, name, "success");
  await expectGroupCheck(ctx, "sync group green", syncGroup, "production", { status: "completed", conclusion: "success", summaryIncludes: ["on the group (sync)"] });
  expectQueueStep(ctx, "sync group green", "production", "merged");
  await ctx.settle();
  expectTag(ctx, "queued sync release", "v1.1.0", syncGroup);
  expectReleaseNotes(ctx, "queued sync release", "v1.1.0", [...VALIDATION_CHECKS]);
}
