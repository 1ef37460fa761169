/** The check run output within GitHub's limits: 65,535 characters and bytes, a short one-line title. */
import type { Evaluation, RuleResult } from "../../src/policy/types.js";
import { parseConfig } from "../../src/config/parse.js";
import { retargetedEvaluation } from "../../src/policy/evaluation.js";
import { renderCheck } from "../../src/render/check.js";
import { CHECK_TEXT, utf8Bytes } from "../../src/render/limits.js";
import { observedCheck } from "../support/checks.js";
import { evaluate } from "../support/policy.js";

const route = { baseRepo: "acme/forecast", headRepo: "acme/forecast", source: "feature/x", target: "development" };
const rows = (summary: string) => summary.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| Rule |") && !l.startsWith("| ---"));

function configErrors(n: number, key: (i: number) => string): Evaluation {
  const raw = Object.fromEntries(Array.from({ length: n }, (_, i) => [key(i), true]));
  return evaluate(route, parseConfig(raw)) as Evaluation;
}

it("lists every rule when they fit, unchanged", () => {
  const out = renderCheck(configErrors(3, (i) => `unknown_${i}`));
  expect(rows(out.summary)).toHaveLength(3);
  expect(out.summary).not.toContain("not shown");
});

it("shows as many whole rows as fit and says how many more, for 2,000 config problems", () => {
  const out = renderCheck(configErrors(2_000, (i) => `unknown_key_number_${i}_${"x".repeat(60)}`));
  expect(out.summary.length).toBeLessThanOrEqual(CHECK_TEXT.chars);
  const shown = rows(out.summary);
  expect(shown.length).toBeGreaterThan(100);
  expect(shown.every((r) => r.endsWith(" |"))).toBe(true);
  expect(out.summary).toContain("| Rule | Result | Details | What to do |\n| --- | --- | --- | --- |");
  const more = /… and (\d+) more rules \((\d+) failing\) not shown: GitHub limits a check summary to 65,535 characters\./.exec(out.summary);
  expect(more && Number(more[1]) + shown.length).toBe(2_000);
  expect(more?.[2]).toBe(more?.[1]);
  // The configuration line after the table survives.
  expect(out.summary.endsWith("every governed PR fails until it is fixed.")).toBe(true);
});

it("counts bytes: 3-byte keys fit 65,535 bytes, not just characters", () => {
  const out = renderCheck(configErrors(2_000, (i) => `${"键".repeat(40)}${i}`));
  expect(utf8Bytes(out.summary)).toBeLessThanOrEqual(CHECK_TEXT.bytes as number);
  expect(out.summary).toMatch(/… and \d+ more rules \(\d+ failing\) not shown/);
});

it("keeps failing rows first when rows must be left out", () => {
  const passing: RuleResult[] = Array.from({ length: 400 }, (_, i) => {
    const name = `check-${i}-${"y".repeat(300)}`;
    return { rule: "required-check", outcome: "pass", state: "passed", check: { name }, results: [observedCheck(name)], ignored: [] };
  });
  const failed = observedCheck("inference-tests", { conclusion: "failure" });
  const failing: RuleResult = { rule: "required-check", outcome: "fail", state: "failed", check: { name: "inference-tests" }, results: [failed], ignored: [] };
  const evaluation: Evaluation = { target: "production", status: "completed", conclusion: "failure", rules: [...passing, failing], configIssues: [] };
  const out = renderCheck(evaluation);
  expect(out.summary).toContain(
    "| Required check `inference-tests` | ❌ fail | [inference-tests](https://ci/inference-tests): failure by staging-ci, completed 2026-11-26 11:10:00 UTC | Fix the cause and re-run `inference-tests` on this commit. |",
  );
  expect(out.summary).toMatch(/… and \d+ more rules not shown/);
  expect(out.summary.length).toBeLessThanOrEqual(CHECK_TEXT.chars);
});

it("keeps one huge detail from pushing every other row out", () => {
  const results = Array.from({ length: 5_000 }, (_, i) => observedCheck(`perf-${i}`, { conclusion: "failure" }));
  const rules: RuleResult[] = [
    { rule: "required-check", outcome: "fail", state: "failed", check: { name: "perf-*" }, results, ignored: [] },
    { rule: "up-to-date", outcome: "pass", target: "production", source: "development", behindBy: 0, missing: [], isSync: true },
  ];
  const out = renderCheck({ target: "production", status: "completed", conclusion: "failure", rules, configIssues: [] });
  expect(rows(out.summary)).toHaveLength(2);
  expect(rows(out.summary)[0]?.length).toBeLessThan(8_100);
  expect(rows(out.summary)[0]).toMatch(/…\s*\|/);
});

it("gives a one-line title of at most 255 characters, never half a character", () => {
  const branch = `feature/${"🛠️".repeat(200)}\nx`;
  const e = evaluate({ ...route, source: branch, target: "production" }, parseConfig(null)) as Evaluation;
  const { title } = renderCheck(e);
  expect(title.length).toBeLessThanOrEqual(255);
  expect(title).not.toMatch(/\n/);
  expect(title).not.toMatch(/[\uD800-\uDBFF]$/);
  expect(title.endsWith("…")).toBe(true);
});

describe("the title states the finding", () => {
  const NOW = new Date("2026-11-26T12:00:00Z");
  const sync = { ...route, source: "development", target: "production" };
  const hotfix = { ...route, source: "hotfix/x", target: "production" };
  const validated = parseConfig({ validation: { sync: { required: ["inference-tests", "drift-detection"] }, hotfix: { required: [{ name: "smoke", max_age: "1h" }] } } });
  const fresh = { behindBy: 0, missing: [] };
  const title = (e: Evaluation | null) => renderCheck(e as Evaluation).title;
  const commit = { sha: "c".repeat(40), title: "WIP model" };

  it("a hotfix cut from development: 1 commit from development: not cut from production", () => {
    const e = evaluate(hotfix, parseConfig(null), { now: NOW, behind: fresh, lineage: { count: 1, examples: [commit] } });
    expect(title(e)).toBe("1 commit from development: not cut from production");
    expect(title(evaluate(hotfix, parseConfig(null), { now: NOW, behind: fresh, lineage: { count: 1500, examples: [commit] } }))).toBe(
      "1,500 commits from development: not cut from production",
    );
  });

  it("a sync behind production: production has 1 commit that development lacks", () => {
    const e = evaluate(sync, parseConfig({ validation: { sync: { required: [], opt_out: true } } }), { now: NOW, behind: { behindBy: 1, missing: [commit] } });
    expect(title(e)).toBe("production has 1 commit that development lacks");
  });

  it("a failed check: drift-detection failed; two: both named; other failures counted", () => {
    const checks = [observedCheck("inference-tests"), observedCheck("drift-detection", { conclusion: "failure" })];
    expect(title(evaluate(sync, validated, { now: NOW, checks, behind: fresh }))).toBe("drift-detection failed");
    const both = [observedCheck("inference-tests", { conclusion: "failure" }), observedCheck("drift-detection", { conclusion: "failure" })];
    expect(title(evaluate(sync, validated, { now: NOW, checks: both, behind: fresh }))).toBe("inference-tests, drift-detection failed");
    expect(title(evaluate(sync, validated, { now: NOW, checks: both, behind: { behindBy: 2, missing: [] } }))).toBe("inference-tests, drift-detection failed (+1 more)");
  });

  it("a stale check, missing checks, a denied pair, no validation, a bad config", () => {
    const old = [observedCheck("smoke", { completedAt: "2026-11-26T09:00:00Z" })];
    expect(title(evaluate(hotfix, validated, { now: NOW, checks: old, behind: fresh, lineage: { count: 0, examples: [] } }))).toBe("smoke is older than 60 min");
    expect(title(evaluate(sync, validated, { now: NOW, checks: [], behind: fresh }))).toBe("waiting for inference-tests, drift-detection");
    expect(title(evaluate({ ...route, target: "production" }, parseConfig(null)))).toBe("feature/x → production is not an allowed flow");
    expect(title(evaluate(sync, parseConfig(null), { now: NOW, behind: fresh }))).toBe("no validation configured for the sync flow");
    expect(title(evaluate(sync, parseConfig({ nope: 1, flows: 2 })))).toBe("configuration error: 2 problems in .github/branch-steward.yml");
  });

  it("success names the flow; a retargeted check says where the PR went", () => {
    expect(title(evaluate(route, parseConfig(null)))).toBe("feature flow: feature/x → development is allowed");
    expect(title(retargetedEvaluation("production", "development"))).toBe("PR now targets development");
  });
});
