/** The check run output within GitHub's limits: 65,535 characters and bytes, a short one-line title. */
import type { Evaluation, RuleResult } from "../../src/policy/types.js";
import { parseConfig } from "../../src/config/parse.js";
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
