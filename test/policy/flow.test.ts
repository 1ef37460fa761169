import type { PullRequestRoute } from "../../src/model/pull-request.js";
import fc from "fast-check";
import { DEFAULT_COMPILED, parseConfig } from "../../src/config/parse.js";
import type { CompiledConfig } from "../../src/config/compile.js";
import { evaluateFlow, type FlowVerdict } from "../../src/policy/flow.js";
import { denialText } from "../../src/render/flow.js";

const REPO = "acme/forecast";
const route = (source: string, target: string, headRepo: string | null = REPO): PullRequestRoute => ({
  baseRepo: REPO,
  headRepo,
  source,
  target,
});
const verdict = (source: string, target: string, headRepo?: string | null, config: CompiledConfig = DEFAULT_COMPILED): FlowVerdict =>
  evaluateFlow(route(source, target, headRepo), config);
function configOf(raw: unknown): CompiledConfig {
  const result = parseConfig(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

describe("flow rule, default config", () => {
  it.each([
    ["development", "production", "sync"],
    ["hotfix/fix-drift-threshold", "production", "hotfix"],
    ["hotfix/nested/deeper", "production", "hotfix"],
    ["feature/x", "development", "feature"],
    ["fix-typo", "development", "feature"],
    ["backport/development/pr-12", "development", "backport"],
  ])("%s → %s is the %s flow", (source, target, flow) => {
    const v = verdict(source, target);
    expect(v).toMatchObject({ governed: true, allowed: true, flow: { name: flow } });
  });

  it.each([
    ["feature/x", "production"],
    ["backport/development/pr-1", "production"],
    ["staging", "production"],
    ["hotfix/x", "development"],
    ["production", "development"],
    ["development", "development"],
  ])("%s → %s is denied", (source, target) => {
    expect(verdict(source, target)).toMatchObject({ governed: true, allowed: false });
  });

  it("tells a feature branch aimed at production to target development", () => {
    const v = verdict("feature/x", "production");
    if (!v.governed || v.allowed) throw new Error("expected a denial");
    expect(v.denial).toEqual({ kind: "no-flow", suggestion: { target: "development", flow: "feature", kind: "feature" } });
    expect(v.allowedSources).toEqual([
      { from: "development", flow: "sync", allowForks: false },
      { from: "hotfix/**", flow: "hotfix", allowForks: false },
    ]);
  });

  it("sends hotfix → development to production and explains the backport", () => {
    const v = verdict("hotfix/x", "development");
    if (!v.governed || v.allowed) throw new Error("expected a denial");
    expect(v.denial).toEqual({ kind: "via-backport", from: "hotfix", production: "production", hotfixPrefix: "hotfix/" });
  });

  it("explains that production reaches development through backports", () => {
    const v = verdict("production", "development");
    if (!v.governed || v.allowed) throw new Error("expected a denial");
    expect(v.denial).toMatchObject({ kind: "via-backport", from: "production" });
  });

  it("does not govern other targets", () => {
    expect(verdict("feature/x", "main")).toEqual({ governed: false, target: "main" });
    expect(verdict("feature/x", "release/2026")).toEqual({ governed: false, target: "release/2026" });
  });

  it("matches branch names case-sensitively and says so", () => {
    expect(verdict("feature/x", "Production")).toEqual({ governed: false, target: "Production" });
    const v = verdict("Development", "production");
    if (!v.governed || v.allowed) throw new Error("expected a denial");
    expect(v.denial).toEqual({ kind: "case-twin", twin: "development", development: "development" });
    expect(verdict("HOTFIX/x", "production")).toMatchObject({ allowed: false });
  });

  it("handles names with slashes and unicode", () => {
    expect(verdict("feature/données/été-2026", "development")).toMatchObject({ allowed: true, flow: { name: "feature" } });
    expect(verdict("hotfix/修正", "production")).toMatchObject({ allowed: true, flow: { name: "hotfix" } });
    expect(verdict("hotfix", "production")).toMatchObject({ allowed: false });
    expect(verdict("hotfix/", "production")).toMatchObject({ allowed: true }); // git refuses this name; matching it is harmless
  });

  describe("forks", () => {
    it("a fork's development branch is never the sync", () => {
      const v = verdict("development", "production", "mallory/forecast");
      expect(v).toMatchObject({ governed: true, allowed: false, fromFork: true });
      if (!v.governed || v.allowed) throw new Error("expected a denial");
      expect(v).toMatchObject({ headRepo: "mallory/forecast", baseRepo: REPO, denial: { kind: "fork", flow: { name: "sync", kind: "sync", from: "development" } } });
    });
    it("a fork's hotfix branch is never the hotfix flow", () => {
      expect(verdict("hotfix/x", "production", "mallory/forecast")).toMatchObject({ allowed: false });
    });
    it("a deleted fork counts as a fork", () => {
      expect(verdict("development", "production", null)).toMatchObject({ allowed: false, fromFork: true });
    });
    it("a fork's feature branch may go into development", () => {
      expect(verdict("feature/x", "development", "contributor/forecast")).toMatchObject({ allowed: true, fromFork: true });
    });
    it("a fork's backport-looking branch is not a backport", () => {
      expect(verdict("backport/development/pr-1", "development", "mallory/forecast")).toMatchObject({ allowed: false });
    });
    it("treats the repository name case-insensitively, as GitHub does", () => {
      expect(verdict("development", "production", "ACME/Forecast")).toMatchObject({ allowed: true, fromFork: false });
    });
  });

  it("retargeting changes the verdict with the target only", () => {
    expect(verdict("feature/x", "production")).toMatchObject({ allowed: false });
    expect(verdict("feature/x", "development")).toMatchObject({ allowed: true });
  });
});

describe("flow rule, custom config", () => {
  it("follows renamed branches and prefixes through placeholders", () => {
    const config = configOf({ branches: { production: "main", development: "develop", hotfix_prefix: "fix/" } });
    expect(verdict("develop", "main", REPO, config)).toMatchObject({ allowed: true, flow: { name: "sync" } });
    expect(verdict("fix/x", "main", REPO, config)).toMatchObject({ allowed: true, flow: { name: "hotfix" } });
    expect(verdict("hotfix/x", "main", REPO, config)).toMatchObject({ allowed: false });
    expect(verdict("feature/x", "develop", REPO, config)).toMatchObject({ allowed: true });
    expect(verdict("feature/x", "production", REPO, config)).toEqual({ governed: false, target: "production" });
  });

  it("lets users add flows and governed branches", () => {
    const config = configOf({
      governed: ["{production}", "{development}", "release/*"],
      flows: [
        { name: "sync", kind: "sync", from: "{development}", into: "{production}" },
        { name: "release", kind: "feature", from: "/release-prep\\/\\d+/", into: "release/*" },
      ],
    });
    expect(verdict("release-prep/12", "release/2026", REPO, config)).toMatchObject({ allowed: true, flow: { name: "release" } });
    expect(verdict("release-prep/x", "release/2026", REPO, config)).toMatchObject({ allowed: false });
    expect(verdict("feature/x", "development", REPO, config)).toMatchObject({ allowed: false });
  });
});

describe("properties", () => {
  const branch = fc.stringMatching(/^[A-Za-z0-9._\-/é修]{1,30}$/);
  const forkRepo = fc.stringMatching(/^[a-z]{1,8}\/[a-z]{1,8}$/).filter((r) => r !== REPO);

  it("no PR from a fork is ever allowed into production", () => {
    fc.assert(
      fc.property(branch, fc.option(forkRepo, { nil: null }), (source, fork) => {
        const v = verdict(source, "production", fork);
        return v.governed && !v.allowed;
      }),
    );
  });

  it("no fork PR is ever a sync or a hotfix, into any target", () => {
    fc.assert(
      fc.property(branch, branch, forkRepo, (source, target, fork) => {
        const v = verdict(source, target, fork);
        return !(v.governed && v.allowed && (v.flow.kind === "sync" || v.flow.kind === "hotfix"));
      }),
    );
  });

  it("production only accepts development and hotfix branches", () => {
    fc.assert(
      fc.property(branch, (source) => {
        const v = verdict(source, "production");
        const expected = source === "development" || source.startsWith("hotfix/");
        return v.governed && v.allowed === expected;
      }),
    );
  });

  it("every denial comes with a reason and a fix", () => {
    fc.assert(
      fc.property(branch, fc.constantFrom("production", "development"), fc.option(forkRepo, { nil: REPO }), (s, t, r) => {
        const v = verdict(s, t, r);
        if (!v.governed || v.allowed) return true;
        const { reason, fix } = denialText(v);
        return reason.length > 0 && fix.length > 0;
      }),
    );
  });
});
