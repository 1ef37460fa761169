/** The flow rule's words: why a pair is allowed or denied, and what to do instead. */
import { DEFAULT_COMPILED, parseConfig } from "../../src/config/parse.js";
import { evaluateFlow, type FlowVerdict } from "../../src/policy/flow.js";
import { allowedText, denialText } from "../../src/render/flow.js";

const REPO = "acme/forecast";
const verdict = (source: string, target: string, headRepo: string | null = REPO, config = DEFAULT_COMPILED): FlowVerdict =>
  evaluateFlow({ baseRepo: REPO, headRepo, source, target }, config);
function denied(source: string, target: string, headRepo: string | null = REPO, config = DEFAULT_COMPILED): { reason: string; fix: string } {
  const v = verdict(source, target, headRepo, config);
  if (!v.governed || v.allowed) throw new Error("expected a denial");
  return denialText(v);
}

it("says which flow an allowed pair is, and where the source lives", () => {
  const v = verdict("feature/x", "development");
  if (!v.governed || !v.allowed) throw new Error("expected an allowed pair");
  expect(allowedText(v)).toBe("`feature/x` from this repository → `development` is the feature flow.");
  const fork = verdict("feature/x", "development", "mallory/forecast");
  if (!fork.governed || !fork.allowed) throw new Error("expected an allowed pair");
  expect(allowedText(fork)).toBe("`feature/x` from a fork (mallory/forecast) → `development` is the feature flow.");
});

it("tells a feature branch aimed at production to target development, and lists what production accepts", () => {
  expect(denied("feature/x", "production")).toEqual({
    reason: "No flow allows `feature/x` → `production`. Allowed into `production`: `development` (sync, same repository only), `hotfix/**` (hotfix, same repository only).",
    fix: "Retarget this PR to `development` (the feature flow). It reaches production with the next sync.",
  });
});

it("sends hotfix → development to production and production → development to the backport", () => {
  const hotfix = denied("hotfix/x", "development");
  expect(hotfix.reason).toMatch(/^A hotfix reaches `development` through the backport PR that branch-steward opens after the hotfix merges into `production`\. No flow allows/);
  expect(hotfix.fix).toBe(
    "Retarget this PR to `production`. Once it merges, branch-steward opens the backport PR into `development`. If the change is not a production fix, rename the branch so it does not start with `hotfix/`.",
  );
  const production = denied("production", "development");
  expect(production.reason).toMatch(/^`production` reaches `development` through the backport PR/);
  expect(production.fix).toBe("Close this PR. Merge each hotfix into `production`; branch-steward then opens its backport PR into `development`.");
});

it("explains letter case, forks and a target nothing flows into", () => {
  expect(denied("Development", "production").reason).toMatch(/^`Development` differs from `development` only in letter case; branch names are case-sensitive/);
  expect(denied("Development", "production").fix).toBe("Open the PR from `development`, or retarget it as a feature branch into `development`.");
  expect(denied("development", "production", "mallory/forecast")).toEqual({
    reason: "`development` comes from the fork mallory/forecast. A fork's branch is never the sync flow, even with the same name: only `development` in acme/forecast is.",
    fix: "Push the branch to acme/forecast (a maintainer can do this) and open the PR from there.",
  });
  expect(denied("development", "production", null).reason).toContain("the fork (deleted repository)");
  const c = parseConfig({ governed: ["{production}", "{development}", "release/*"] });
  if (!c.ok) throw new Error("config");
  expect(denied("feature/x", "release/1", REPO, c.config)).toEqual({
    reason: "No flow allows `feature/x` → `release/1`. Allowed into `release/1`: nothing (no flow targets this branch).",
    fix: "Retarget this PR to `development` (the feature flow). It reaches production with the next sync.",
  });
});
