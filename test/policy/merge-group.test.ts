/** policy/merge-group.ts: the verdict on a merge queue group, as data. */
import fc from "fast-check";
import { parseConfig } from "../../src/config/parse.js";
import { evaluateMergeGroup, groupRequiredChecks, parseQueueBranch, type GroupMember } from "../../src/policy/merge-group.js";
import type { ObservedCheck } from "../../src/policy/types.js";

const NOW = new Date("2026-11-26T12:00:00Z");
const SHA = "929f8209d40f77f4abc622a499c93a83babdbe64";
const STAGING = { validation: { sync: { required: ["inference-tests", "drift-detection"] } } };
const config = parseConfig(STAGING);
const onGroup = parseConfig({ validation: { sync: { required: ["inference-tests", "drift-detection"], merge_group: "require" } } });

const route = (source: string, target = "production") => ({ baseRepo: "acme/forecast", headRepo: "acme/forecast", source, target });
/** A PR into `target`, with our check on its head (`"none"`: no check). */
const member = (number: number, source: string, check: GroupMember["check"] | "none" = { status: "completed", conclusion: "success" }, target = "production"): GroupMember => ({
  number,
  pr: { open: true, route: route(source, target), headSha: `${number}`.repeat(40).slice(0, 40) },
  ...(check && check !== "none" ? { check } : {}),
});
const observed = (name: string, status: string, conclusion: string | null, id = 1): ObservedCheck => ({
  source: "check_run",
  name,
  reporter: "github-actions",
  status,
  conclusion,
  url: null,
  startedAt: "2026-11-26T11:00:00Z",
  completedAt: status === "completed" ? "2026-11-26T11:30:00Z" : null,
  id,
});
const evaluate = (members: GroupMember[], o: { cfg?: typeof config; checks?: ObservedCheck[]; complete?: boolean } = {}) =>
  evaluateMergeGroup({ base: "production", membership: { members, complete: o.complete ?? true }, config: o.cfg ?? config, groupChecks: o.checks ?? [], now: NOW });

describe("parseQueueBranch", () => {
  it("reads the base (slashes included) and the PR number from GitHub's queue branch, with or without refs/heads/", () => {
    expect(parseQueueBranch(`refs/heads/gh-readonly-queue/main/pr-104-${SHA}`)).toEqual({ base: "main", pr: 104 });
    expect(parseQueueBranch(`gh-readonly-queue/release/2026/pr-7-${SHA}`)).toEqual({ base: "release/2026", pr: 7 });
  });

  it("is undefined for every other name: a plain branch, a missing number, a zero PR, no sha", () => {
    for (const name of ["main", "refs/heads/feature/x", `gh-readonly-queue/main/pr--${SHA}`, `gh-readonly-queue/main/pr-0-${SHA}`, "gh-readonly-queue/main/pr-4", `gh-readonly-queue/pr-4-${SHA}`, null, undefined]) {
      expect(parseQueueBranch(name)).toBeUndefined();
    }
  });

  it("round-trips any base and PR number (property)", () => {
    const base = fc.stringMatching(/^[a-z][a-z0-9._/-]{0,30}[a-z0-9]$/).filter((b) => !b.includes("//"));
    fc.assert(fc.property(base, fc.integer({ min: 1, max: 2 ** 31 }), (b, pr) => {
      expect(parseQueueBranch(`refs/heads/gh-readonly-queue/${b}/pr-${pr}-${SHA}`)).toEqual({ base: b, pr });
    }));
  });
});

describe("evaluateMergeGroup", () => {
  it("allows a group whose every PR is allowed and green; the sync's evidence is the PR head's, and the row says so", () => {
    const e = evaluate([member(12, "development"), member(13, "hotfix/drift")]);
    expect(e).toMatchObject({ status: "completed", conclusion: "success", numbers: [12, 13] });
    expect(e.rows.map((r) => [r.row, r.outcome, "number" in r ? r.number : undefined])).toEqual([
      ["member", "pass", 12],
      ["member", "pass", 13],
      ["head-evidence", "pass", undefined],
    ]);
    expect(e.rows[2]).toMatchObject({ flowName: "sync", numbers: [12] });
  });

  it("fails a group with a PR its flow denies, even when that PR's own check is green (an admin enqueued it)", () => {
    const e = evaluate([member(12, "development"), member(14, "feature/x")]);
    expect(e).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(e.rows[1]).toMatchObject({ row: "member", number: 14, state: "flow-denied", outcome: "fail" });
  });

  it("fails closed on every PR it cannot vouch for: unreadable, closed, another base, no check, a check still running or failed", () => {
    const cases: [GroupMember, string][] = [
      [{ number: 3 }, "unreadable"],
      [{ ...member(4, "development"), pr: { ...member(4, "development").pr!, open: false } }, "closed"],
      [member(5, "feature/x", "none", "development"), "other-base"],
      [member(6, "development", "none"), "no-check"],
      [member(7, "development", { status: "in_progress", conclusion: null }), "check-pending"],
      [member(8, "development", { status: "completed", conclusion: "neutral" }), "check-failed"],
    ];
    for (const [m, state] of cases) {
      const e = evaluate([m]);
      expect(e).toMatchObject({ status: "completed", conclusion: "failure" });
      expect(e.rows.find((r) => r.row === "member")).toMatchObject({ number: m.number, state, outcome: "fail" });
    }
  });

  it("fails closed when the group's PRs could not all be found, or none was named", () => {
    expect(evaluate([member(12, "development")], { complete: false })).toMatchObject({ conclusion: "failure", rows: [{ row: "membership" }, { row: "member" }, { row: "head-evidence" }] });
    expect(evaluate([])).toMatchObject({ conclusion: "failure", rows: [{ row: "membership", outcome: "fail" }] });
  });

  it("with merge_group: require, waits for the sync's checks on the group commit, then concludes on them", () => {
    const running = evaluate([member(12, "development")], { cfg: onGroup, checks: [observed("inference-tests", "completed", "success")] });
    expect(running).toMatchObject({ status: "in_progress" });
    expect(running.rows.filter((r) => r.row === "group-check").map((r) => [r.outcome, r.row === "group-check" && r.result.state])).toEqual([
      ["pass", "passed"],
      ["pending", "missing"],
    ]);
    const passed = evaluate([member(12, "development")], { cfg: onGroup, checks: [observed("inference-tests", "completed", "success"), observed("drift-detection", "completed", "success", 2)] });
    expect(passed).toMatchObject({ status: "completed", conclusion: "success" });
    expect(passed.rows.some((r) => r.row === "head-evidence")).toBe(false);
    const failed = evaluate([member(12, "development")], { cfg: onGroup, checks: [observed("inference-tests", "completed", "failure"), observed("drift-detection", "in_progress", null, 2)] });
    expect(failed).toMatchObject({ status: "completed", conclusion: "failure" });
  });

  it("asks for group checks only for allowed PRs whose flow requires them, each check once", () => {
    expect(groupRequiredChecks([member(12, "development"), member(15, "development")], "production", onGroup.config).map((r) => [r.check.name, r.flows])).toEqual([
      ["inference-tests", ["sync"]],
      ["drift-detection", ["sync"]],
    ]);
    expect(groupRequiredChecks([member(13, "hotfix/x"), member(14, "feature/x")], "production", onGroup.config)).toEqual([]);
    expect(groupRequiredChecks([member(12, "development")], "production", config.config)).toEqual([]);
  });

  it("an invalid config fails the group with its problems", () => {
    const bad = parseConfig({ nope: 1 });
    const e = evaluate([member(12, "development")], { cfg: bad });
    expect(e).toMatchObject({ conclusion: "failure" });
    expect(e.rows[0]).toMatchObject({ row: "config", outcome: "fail" });
  });

  it("never succeeds unless every member row passes (property)", () => {
    const states = fc.constantFrom<GroupMember["check"] | "none">(
      { status: "completed", conclusion: "success" },
      { status: "completed", conclusion: "failure" },
      { status: "in_progress", conclusion: null },
      "none",
    );
    const one = fc.record({ source: fc.constantFrom("development", "hotfix/a", "feature/b", "main"), check: states });
    fc.assert(fc.property(fc.array(one, { minLength: 1, maxLength: 6 }), (list) => {
      const e = evaluate(list.map((m, i) => member(i + 1, m.source, m.check)));
      const allGood = list.every((m) => m.source !== "feature/b" && m.source !== "main" && m.check !== "none" && m.check?.conclusion === "success");
      expect(e.conclusion === "success").toBe(allGood);
    }));
  });
});
