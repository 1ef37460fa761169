import fc from "fast-check";
import { parseConfig } from "../../src/config/parse.js";
import { DEFAULT_CONFIG, type Config } from "../../src/config/schema.js";
import {
  approvers,
  backportBranch,
  backportLabels,
  backportPeople,
  backportTrigger,
  nextBackportStep,
  sourceOfBackportBranch,
  type MergedPullRequest,
} from "../../src/policy/backport.js";

const merged = (over: Partial<MergedPullRequest> = {}): MergedPullRequest => ({
  number: 12,
  title: "Fix drift threshold",
  author: "alice",
  mergedBy: "carol",
  merged: true,
  mergeCommitSha: "m".repeat(40),
  source: "hotfix/fix-drift-threshold",
  target: "production",
  labels: [],
  ...over,
});
const config = (raw: unknown): Config => {
  const r = parseConfig(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.config;
};

describe("backport trigger", () => {
  it("backports a merged hotfix from its merge commit, on a fixed branch", () => {
    expect(backportTrigger(merged(), DEFAULT_CONFIG)).toEqual({
      backport: true,
      kind: "hotfix",
      branch: "backport/development/pr-12",
      target: "development",
      mergeCommitSha: "m".repeat(40),
    });
  });

  it("merges a sync back, and any other production merge (e.g. an admin bypass)", () => {
    expect(backportTrigger(merged({ source: "development" }), DEFAULT_CONFIG)).toMatchObject({ backport: true, kind: "sync" });
    expect(backportTrigger(merged({ source: "feature/x" }), DEFAULT_CONFIG)).toMatchObject({ backport: true, kind: "other" });
    expect(backportTrigger(merged({ source: "development" }), config({ backport: { after_sync: false } }))).toMatchObject({ backport: false });
  });

  it.each([
    [merged({ merged: false }), /without merging/],
    [merged({ target: "development" }), /not production/],
    [merged({ source: "backport/development/pr-3" }), /itself a backport/],
    [merged({ mergeCommitSha: null }), /no merge commit/],
  ])("does not backport %#", (pr, reason) => {
    const t = backportTrigger(pr, DEFAULT_CONFIG);
    expect(t.backport).toBe(false);
    expect(!t.backport && t.reason).toMatch(reason);
  });

  it("can be turned off", () => {
    expect(backportTrigger(merged(), config({ backport: { enabled: false } }))).toMatchObject({ backport: false });
  });

  it("round-trips the branch name for renamed branches", () => {
    const c = config({ branches: { development: "develop", backport_prefix: "bp/" } });
    expect(backportBranch(c, 7)).toBe("bp/develop/pr-7");
    expect(sourceOfBackportBranch(c, "bp/develop/pr-7")).toBe(7);
    expect(sourceOfBackportBranch(c, "bp/develop/pr-x")).toBeUndefined();
    expect(sourceOfBackportBranch(c, "backport/development/pr-7")).toBeUndefined();
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e6 }), (n) => sourceOfBackportBranch(DEFAULT_CONFIG, backportBranch(DEFAULT_CONFIG, n)) === n));
  });
});

describe("what to do with an existing backport", () => {
  it("does nothing more when its PR is open or merged", () => {
    expect(nextBackportStep([{ number: 5, state: "open", merged: false }], true)).toMatchObject({ step: "done" });
    expect(nextBackportStep([{ number: 5, state: "closed", merged: true }], true)).toMatchObject({ step: "done" });
  });
  it("leaves a human-closed backport closed unless /backport asks", () => {
    const closed = [{ number: 5, state: "closed" as const, merged: false }];
    expect(nextBackportStep(closed, false)).toMatchObject({ step: "closed-by-human" });
    expect(nextBackportStep(closed, true)).toMatchObject({ step: "reopen", pr: { number: 5 } });
  });
  it("opens a PR when only the branch exists (a crash between the two steps)", () => {
    expect(nextBackportStep([], false)).toEqual({ step: "open-pr" });
  });
});

describe("people and labels", () => {
  it("counts each reviewer's latest verdict; comments do not undo an approval", () => {
    expect(
      approvers([
        { user: "bob", state: "APPROVED", submittedAt: "2026-01-01T00:00:00Z" },
        { user: "bob", state: "COMMENTED", submittedAt: "2026-01-02T00:00:00Z" },
        { user: "dan", state: "APPROVED", submittedAt: "2026-01-01T00:00:00Z" },
        { user: "dan", state: "CHANGES_REQUESTED", submittedAt: "2026-01-03T00:00:00Z" },
        { user: "eve", state: "DISMISSED", submittedAt: "2026-01-01T00:00:00Z" },
      ]),
    ).toEqual(["bob"]);
  });

  it("requests the author and approvers, assigns the author and merger, never bots", () => {
    expect(backportPeople(merged(), ["bob", "alice", "renovate[bot]"])).toEqual({ reviewers: ["alice", "bob"], assignees: ["alice", "carol"] });
    expect(backportPeople(merged({ mergedBy: "alice" }), [])).toEqual({ reviewers: ["alice"], assignees: ["alice"] });
  });

  it("labels the backport and copies the selected labels", () => {
    const c = config({ backport: { copy_labels: ["severity:*", "security"] } });
    expect(backportLabels(merged({ labels: ["severity:high", "security", "wip"] }), c)).toEqual(["backport", "severity:high", "security"]);
  });
});
