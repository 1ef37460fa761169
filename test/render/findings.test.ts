/** Rule rows in words: the texts the check showed before the policy returned data, unchanged. */
import { hotfixLineageRule, noValidationRule, upToDateRule } from "../../src/policy/gate.js";
import { evaluateRequiredChecks } from "../../src/policy/gate.js";
import { renderFinding, ruleName } from "../../src/render/findings.js";
import { observedCheck as check } from "../support/checks.js";
import { compiledChecks } from "../support/policy.js";

const NOW = new Date("2026-11-26T12:00:00Z");
const pair = { target: "production", source: "development" };
const page = (n: number) => Array.from({ length: n }, (_, i) => ({ sha: `${i}`.padStart(40, "d"), title: `Dev commit ${i}` }));
const required = (req: Parameters<typeof compiledChecks>[0], observed: Parameters<typeof evaluateRequiredChecks>[1]) =>
  evaluateRequiredChecks(compiledChecks(req), observed, NOW).map(renderFinding);

describe("required check rows", () => {
  it("shows state, link, reporter and completion time, and never a relative age", () => {
    expect(required([{ name: "a" }], [check("a")])).toEqual([
      { rule: "Required check `a`", outcome: "pass", detail: "[a](https://ci/a): success by staging-ci, completed 2026-11-26 11:10:00 UTC" },
    ]);
  });

  it("waits for a missing check and names the look-alike it ignored", () => {
    const [row] = required([{ name: "drift", app: "staging-ci" }], [check("drift", { reporter: "mallory" })]);
    expect(row).toEqual({
      rule: "Required check `drift` (from staging-ci)",
      outcome: "pending",
      detail: "Waiting for `drift` to report on this commit. Ignored `drift` from mallory: the config requires it from `staging-ci`.",
    });
  });

  it("says what to re-run when it failed, and how old is too old when stale", () => {
    const [failed] = required([{ name: "perf-*" }], [check("perf-cpu"), check("perf-gpu", { conclusion: "failure" })]);
    expect(failed?.fix).toBe("Fix the cause and re-run `perf-gpu` on this commit.");
    const [stale] = required([{ name: "a", maxAgeSeconds: 3600 }], [check("a", { completedAt: "2026-11-26T09:00:00Z" })]);
    expect(stale).toMatchObject({ outcome: "fail", fix: "Re-run the validation on this commit." });
    expect(stale?.detail).toMatch(/ — older than the allowed 60 min\.$/);
  });

  it("never links a javascript: URL", () => {
    const [row] = required([{ name: "a" }], [check("a", { url: "javascript:alert(1)" })]);
    expect(row?.detail).toBe("`a`: success by staging-ci, completed 2026-11-26 11:10:00 UTC");
  });
});

describe("up to date and lineage rows", () => {
  it("names the missing commits of a sync, and how to update otherwise", () => {
    expect(renderFinding(upToDateRule(pair, 0, [], true))).toEqual({
      rule: "Up to date with target",
      outcome: "pass",
      detail: "The head of `production` is an ancestor of this PR's head.",
    });
    const sync = renderFinding(upToDateRule(pair, 2, [{ sha: "a".repeat(40), title: "Hotfix A" }, { sha: "b".repeat(40), title: "Hotfix B" }], true));
    expect(sync.detail).toBe("This PR is 2 commits behind `production`. Missing from the source: `aaaaaaa` Hotfix A; `bbbbbbb` Hotfix B.");
    expect(sync.fix).toBe("Merge the open backport PRs into the source branch (or merge `production` into it), then push.");
    expect(renderFinding(upToDateRule(pair, 1, [], false)).fix).toContain("Update branch");
  });

  it("counts what GitHub counts, never the page it listed: 1,500 offending commits with a page of 100", () => {
    const row = renderFinding(hotfixLineageRule("production", "development", { count: 1500, examples: page(100) }));
    expect(row.detail).toMatch(/^1,500 commits of this PR are in `development` but not in `production`: /);
    expect(row.detail).toMatch(/ Dev commit 9; and 1,490 more\.$/);
    expect(row.detail).not.toContain("Dev commit 10");
    expect(row.fix).toBe("Cut the hotfix branch from `production` (`git switch -c hotfix/<name> origin/production`), cherry-pick only the fix, and open a new PR.");
    const behind = renderFinding(upToDateRule(pair, 1500, page(100), true));
    expect(behind.detail).toMatch(/^This PR is 1,500 commits behind `production`\. Missing from the source: .*; and 1,490 more\.$/);
  });

  it("says one commit in the singular", () => {
    const row = renderFinding(hotfixLineageRule("production", "development", { count: 1, examples: [{ sha: "c".repeat(40), title: "WIP model" }] }));
    expect(row).toMatchObject({ rule: "Hotfix cut from production", outcome: "fail", detail: "1 commit of this PR is in `development` but not in `production`: `ccccccc` WIP model." });
  });
});

describe("validation, config and retarget rows", () => {
  it("fails a sync without validation and says how to configure or opt out", () => {
    const row = renderFinding(noValidationRule("sync", false));
    expect(row.detail).toBe("No validation checks are configured for the sync flow, so nothing proves this commit was validated.");
    expect(row.fix).toContain("opt out with `validation: { sync: { required: [], opt_out: true } }`");
    expect(renderFinding(noValidationRule("sync", true))).toEqual({ rule: "Validation", outcome: "pass", detail: "No validation required by config." });
  });

  it("quotes the key path of a config problem and escapes its message", () => {
    expect(renderFinding({ rule: "config", outcome: "fail", issue: { path: "flows[0].from", message: "unknown <b>" } })).toEqual({
      rule: "Configuration",
      outcome: "fail",
      detail: "`flows[0].from`: unknown \\<b\\>",
      fix: "Fix .github/branch-steward.yml on the default branch (or the organisation's .github repository it falls back to).",
    });
  });

  it("points a retargeted PR's old check to the new one", () => {
    const row = renderFinding({ rule: "retargeted", outcome: "pass", from: "production", to: "development" });
    expect(row).toEqual({
      rule: "Source → target flow",
      outcome: "pass",
      detail: "This PR was retargeted from `production` to `development`; see the `branch-steward / development` check.",
    });
    expect(ruleName({ rule: "retargeted", outcome: "pass", from: "a", to: "b" })).toBe("Source → target flow");
  });
});
