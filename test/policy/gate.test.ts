import type { ObservedCheck } from "../../src/policy/types.js";
import fc from "fast-check";
import { observedCheck } from "../support/checks.js";
import { parseConfig } from "../../src/config/parse.js";
import { gateNeeds } from "../../src/policy/evaluation.js";
import { evaluateFlow } from "../../src/policy/flow.js";
import { evaluateRequiredChecks, hotfixLineageRule, latestByName, upToDateRule } from "../../src/policy/gate.js";
import { compiledChecks, evaluate } from "../support/policy.js";

const NOW = new Date("2026-11-26T12:00:00Z");
const check = observedCheck;
const outcomes = (required: Parameters<typeof compiledChecks>[0], observed: ObservedCheck[]) =>
  evaluateRequiredChecks(compiledChecks(required), observed, NOW).map((r) => r.outcome);

describe("required checks", () => {
  it("passes success, neutral and skipped; fails anything else", () => {
    for (const conclusion of ["success", "neutral", "skipped"]) expect(outcomes([{ name: "a" }], [check("a", { conclusion })])).toEqual(["pass"]);
    for (const conclusion of ["failure", "cancelled", "timed_out", "action_required", "stale"]) {
      expect(outcomes([{ name: "a" }], [check("a", { conclusion })])).toEqual(["fail"]);
    }
  });

  it("waits for a missing or running check", () => {
    expect(outcomes([{ name: "a" }], [])).toEqual(["pending"]);
    expect(outcomes([{ name: "a" }], [check("a", { status: "queued", conclusion: null })])).toEqual(["pending"]);
  });

  it("uses the latest run per name, so a re-run of a failure is pending, then green", () => {
    const failed = check("a", { conclusion: "failure", startedAt: "2026-11-26T10:00:00Z" });
    const rerun = check("a", { status: "in_progress", conclusion: null, startedAt: "2026-11-26T11:30:00Z", completedAt: null });
    expect(outcomes([{ name: "a" }], [rerun, failed])).toEqual(["pending"]);
    expect(outcomes([{ name: "a" }], [failed, { ...rerun, status: "completed", conclusion: "success" }])).toEqual(["pass"]);
  });

  it("breaks ties in start time by id", () => {
    const first = check("a", { conclusion: "failure" });
    const second = check("a", { conclusion: "success" });
    expect(latestByName([second, first])).toEqual([second]);
  });

  it("counts commit statuses, and a pinned app's look-alike does not", () => {
    const status = check("drift", { source: "status", reporter: "staging-ci[bot]" });
    expect(outcomes([{ name: "drift", app: "staging-ci" }], [status])).toEqual(["pass"]);
    const rows = evaluateRequiredChecks(compiledChecks([{ name: "drift", app: "staging-ci" }]), [check("drift", { reporter: "mallory" })], NOW);
    expect(rows[0]).toMatchObject({ outcome: "pending", state: "missing", results: [], ignored: [{ name: "drift", reporter: "mallory" }] });
  });

  it("matches globs and requires every matching check", () => {
    expect(outcomes([{ name: "perf-*" }], [check("perf-cpu"), check("perf-gpu", { conclusion: "failure" })])).toEqual(["fail"]);
    expect(outcomes([{ name: "/perf-(cpu|gpu)/" }], [check("perf-cpu"), check("perf-gpu")])).toEqual(["pass"]);
  });

  it("rejects a result older than max_age", () => {
    expect(outcomes([{ name: "a", maxAgeSeconds: 3600 }], [check("a", { completedAt: "2026-11-26T09:00:00Z" })])).toEqual(["fail"]);
    expect(outcomes([{ name: "a", maxAgeSeconds: 4 * 3600 }], [check("a", { completedAt: "2026-11-26T09:00:00Z" })])).toEqual(["pass"]);
  });

  it("keeps the trusted results and the ignored look-alikes on the row", () => {
    const ok = check("a");
    const [row] = evaluateRequiredChecks(compiledChecks([{ name: "a", app: "staging-ci" }]), [ok, check("a", { reporter: "mallory" })], NOW);
    expect(row).toMatchObject({ rule: "required-check", outcome: "pass", state: "passed", check: { name: "a", app: "staging-ci" }, results: [ok] });
    expect(row?.rule === "required-check" && row.ignored.map((c) => c.reporter)).toEqual(["mallory"]);
  });

  it("names the state: missing, running, failed, stale, passed", () => {
    const states = (required: Parameters<typeof compiledChecks>[0], observed: ObservedCheck[]) =>
      evaluateRequiredChecks(compiledChecks(required), observed, NOW).map((r) => r.rule === "required-check" && r.state);
    expect(states([{ name: "a" }], [])).toEqual(["missing"]);
    expect(states([{ name: "a" }], [check("a", { status: "in_progress", conclusion: null })])).toEqual(["running"]);
    expect(states([{ name: "a" }], [check("a", { conclusion: "failure" })])).toEqual(["failed"]);
    expect(states([{ name: "a", maxAgeSeconds: 3600 }], [check("a", { completedAt: "2026-11-26T09:00:00Z" })])).toEqual(["stale"]);
    expect(states([{ name: "a" }], [check("a")])).toEqual(["passed"]);
  });

  it("a failure anywhere wins over pending; all pass is a pass (property)", () => {
    const state = fc.constantFrom("pass", "fail", "pending", "missing");
    fc.assert(
      fc.property(fc.array(state, { minLength: 1, maxLength: 6 }), (states) => {
        const observed = states.flatMap((s, i) =>
          s === "missing" ? [] : [check(`c${i}`, s === "pending" ? { status: "in_progress", conclusion: null } : { conclusion: s === "pass" ? "success" : "failure" })],
        );
        const got = outcomes(states.map((_, i) => ({ name: `c${i}` })), observed);
        return got.every((o, i) => o === ({ pass: "pass", fail: "fail", pending: "pending", missing: "pending" } as const)[states[i] as "pass"]);
      }),
    );
  });
});

describe("up to date and lineage", () => {
  const pair = { target: "production", source: "development" };
  const commits = [{ sha: "a".repeat(40), title: "Hotfix A" }, { sha: "b".repeat(40), title: "Hotfix B" }];

  it("passes when not behind; keeps the count and the missing commits", () => {
    expect(upToDateRule(pair, 0, [], true).outcome).toBe("pass");
    expect(upToDateRule(pair, 2, commits, true)).toEqual({ rule: "up-to-date", outcome: "fail", ...pair, behindBy: 2, missing: commits, isSync: true });
  });

  it("flags hotfix commits that only development has, with GitHub's count (never fewer than it lists)", () => {
    expect(hotfixLineageRule("production", "development", { count: 0, examples: [] }).outcome).toBe("pass");
    expect(hotfixLineageRule("production", "development", { count: 1500, examples: commits })).toEqual({
      rule: "hotfix-lineage",
      outcome: "fail",
      production: "production",
      development: "development",
      count: 1500,
      offending: commits,
    });
    expect(hotfixLineageRule("production", "development", { count: 0, examples: commits })).toMatchObject({ outcome: "fail", count: 2 });
  });
});

describe("the gate in the evaluation", () => {
  const route = (source: string, target: string, headRepo = "acme/forecast") => ({ baseRepo: "acme/forecast", headRepo, source, target });
  const config = (raw: unknown) => {
    const r = parseConfig(raw);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    return r;
  };

  it("asks for what each flow needs", () => {
    const c = config({ validation: { sync: { required: ["a"] } } }).config;
    expect(gateNeeds(evaluateFlow(route("development", "production"), c), c)).toMatchObject({ upToDate: true, lineage: false, required: [{ name: "a" }] });
    expect(gateNeeds(evaluateFlow(route("hotfix/x", "production"), c), c)).toMatchObject({ upToDate: true, lineage: true, required: [] });
    expect(gateNeeds(evaluateFlow(route("feature/x", "development"), c), c)).toMatchObject({ upToDate: false, lineage: false, required: [] });
    expect(gateNeeds(evaluateFlow(route("feature/x", "production"), c), c)).toBeNull();
  });

  it("fails a sync with no validation configured, and passes an explicit opt-out", () => {
    const none = evaluate(route("development", "production"), config({}), { now: NOW, behind: { behindBy: 0, missing: [] } });
    expect(none).toMatchObject({ conclusion: "failure" });
    expect(none?.rules).toContainEqual({ rule: "validation", outcome: "fail", flowName: "sync", optedOut: false });
    const optOut = evaluate(route("development", "production"), config({ validation: { sync: { required: [], opt_out: true } } }), {
      now: NOW,
      behind: { behindBy: 0, missing: [] },
    });
    expect(optOut).toMatchObject({ conclusion: "success" });
    expect(optOut?.rules).toContainEqual({ rule: "validation", outcome: "pass", flowName: "sync", optedOut: true });
  });

  it("never lets a fork PR satisfy a sync, whatever its checks (property)", () => {
    const c = config({ validation: { sync: { required: ["a"] } } });
    fc.assert(
      fc.property(fc.constantFrom("success", "failure"), fc.stringMatching(/^[a-z]{1,6}\/[a-z]{1,6}$/).filter((r) => r !== "acme/forecast"), (conclusion, fork) => {
        const e = evaluate(route("development", "production", fork), c, { now: NOW, checks: [check("a", { conclusion })], behind: { behindBy: 0, missing: [] } });
        return e?.conclusion === "failure";
      }),
    );
  });
});
