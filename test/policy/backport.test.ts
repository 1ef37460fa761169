import fc from "fast-check";
import { parseConfig } from "../../src/config/parse.js";
import { DEFAULT_COMPILED as DEFAULT_CONFIG } from "../../src/config/parse.js";
import type { CompiledConfig } from "../../src/config/compile.js";
import type { PullRequestFacts } from "../../src/model/pull-request.js";
import {
  backportBranch,
  backportLabels,
  backportPeople,
  backportTrigger,
  nextBackportStep,
  sourceOfBackportBranch,
} from "../../src/policy/backport.js";

type MergedOver = Partial<Omit<PullRequestFacts, "route">> & { source?: string; target?: string };
const merged = ({ source = "hotfix/fix-drift-threshold", target = "production", ...over }: MergedOver = {}): PullRequestFacts => ({
  number: 12,
  title: "Fix drift threshold",
  body: "",
  htmlUrl: "https://github.com/acme/forecast/pull/12",
  open: false,
  author: "alice",
  mergedBy: "carol",
  merged: true,
  mergedAt: "2026-11-26T10:00:00Z",
  mergeCommitSha: "m".repeat(40),
  headSha: "h".repeat(40),
  labels: [],
  route: { baseRepo: "acme/forecast", headRepo: "acme/forecast", source, target },
  ...over,
});
const config = (raw: unknown): CompiledConfig => {
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
    [merged({ merged: false }), "not-merged"],
    [merged({ target: "development" }), "other-target"],
    [merged({ source: "backport/development/pr-3" }), "is-backport"],
    [merged({ mergeCommitSha: null }), "no-merge-commit"],
  ])("does not backport %#", (pr, reason) => {
    expect(backportTrigger(pr, DEFAULT_CONFIG)).toEqual({ backport: false, reason });
  });

  it("can be turned off, for every merge or for syncs only", () => {
    expect(backportTrigger(merged(), config({ backport: { enabled: false } }))).toEqual({ backport: false, reason: "disabled" });
    expect(backportTrigger(merged({ source: "development" }), config({ backport: { after_sync: false } }))).toEqual({ backport: false, reason: "sync-disabled" });
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
  it("requests the author and approvers, assigns the author and merger, never bots", () => {
    expect(backportPeople(merged(), ["bob", "alice", "renovate[bot]"])).toEqual({ reviewers: ["alice", "bob"], assignees: ["alice", "carol"] });
    expect(backportPeople(merged({ mergedBy: "alice" }), [])).toEqual({ reviewers: ["alice"], assignees: ["alice"] });
  });

  it("labels the backport and copies the selected labels", () => {
    const c = config({ backport: { copy_labels: ["severity:*", "security"] } });
    expect(backportLabels(merged({ labels: ["severity:high", "security", "wip"] }), c)).toEqual(["backport", "severity:high", "security"]);
  });
});
