/** The status comment within GitHub's 65,536 characters, marker first, pointing to the check for the rest. */

import type { Evaluation, RuleResult } from "../../src/policy/types.js";
import { COMMENT_MARKER, renderComment } from "../../src/render/comment.js";
import { COMMENT_BODY } from "../../src/render/limits.js";
import { observedCheck } from "../support/checks.js";

const link = { checksUrl: "https://github.com/acme/forecast/pull/7/checks" };
const evaluation = (rules: RuleResult[]): Evaluation => ({
  target: "development",
  status: "completed",
  conclusion: "failure",
  rules,
  configIssues: [],
});
/** Failing required checks, each with its own "what to do" line. */
const failing = (n: number, size = 50): RuleResult[] =>
  Array.from({ length: n }, (_, i) => {
    const name = `problem ${i} ${"x".repeat(size)}`;
    return { rule: "required-check", outcome: "fail", state: "failed", check: { name }, results: [observedCheck(name, { conclusion: "failure" })], ignored: [] };
  });

it("lists at most 20 failing rules and points to the check for the rest", () => {
  const body = renderComment(evaluation(failing(2_000)), link);
  expect(body.split("\n")[0]).toBe(COMMENT_MARKER);
  expect(body.split("\n").filter((l) => l.startsWith("- Fix the cause and re-run `problem "))).toHaveLength(20);
  expect(body).toContain("- … and 1980 more: see [`branch-steward / development`](https://github.com/acme/forecast/pull/7/checks).");
  expect(body.endsWith("This comment is updated when the verdict changes.")).toBe(true);
});

it("stays within 65,536 characters however long each rule is", () => {
  // The headline names all 30 failing checks: 600,000 characters before it is shortened.
  const body = renderComment(evaluation(failing(30, 20_000)), link);
  expect(body.length).toBeLessThanOrEqual(COMMENT_BODY.chars);
  expect(body.split("\n")[0]).toBe(COMMENT_MARKER);
  expect(body).toContain("https://github.com/acme/forecast/pull/7/checks");
});
