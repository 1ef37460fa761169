/** The compiled config: every pattern compiled once at parse time, matching exactly as compiling it on the spot did. */
import fc from "fast-check";
import { compileConfig, placeholdersOf } from "../../src/config/compile.js";
import { DEFAULT_COMPILED, parseConfig } from "../../src/config/parse.js";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { compilePattern, matches } from "../../src/policy/patterns.js";

const segment = fc.stringMatching(/^[A-Za-z0-9._-]{1,8}$/);
const branch = fc.oneof(
  fc.constantFrom("production", "development", "hotfix/x", "backport/development/pr-1", "release/2026", "Production", "main"),
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("/")),
);
const pattern = fc.oneof(
  fc.constantFrom("{production}", "{development}", "{hotfix}**", "{backport}*", "release/*", "release/**", "/^rel(ease)?\\/\\d+$/", "main", "*"),
  fc.array(fc.oneof(segment, fc.constant("*"), fc.constant("**")), { minLength: 1, maxLength: 3 }).map((parts) => parts.join("/")),
);

it("compiled.governed matches exactly what compilePattern(g, placeholders) matches (property)", () => {
  fc.assert(
    fc.property(fc.array(pattern, { minLength: 1, maxLength: 5 }), fc.array(branch, { minLength: 1, maxLength: 10 }), (governed, branches) => {
      const config = compileConfig({ ...DEFAULT_CONFIG, governed });
      const p = placeholdersOf(config);
      return governed.every((g, i) => {
        const compiled = config.compiled.governed[i];
        return compiled !== undefined && branches.every((b) => matches(compiled, b) === matches(compilePattern(g, p), b));
      });
    }),
  );
});

it("compiles flows, up_to_date, required checks, evidence, protection and copy_labels once", () => {
  const ok = parseConfig({
    branches: { development: "develop" },
    validation: { sync: { required: ["inference-*", { name: "drift", app: "staging-ci", max_age: "1h" }] }, hotfix: { required: ["smoke"] } },
    protection: { "{development}": { required_approvals: 1 } },
    backport: { copy_labels: ["severity:*"] },
  });
  if (!ok.ok) throw new Error(JSON.stringify(ok.issues));
  const c = ok.config.compiled;
  expect(c.placeholders).toMatchObject({ production: "production", development: "develop" });
  expect(c.flows.map((f) => [f.flow.name, matches(f.into, "develop")])).toContainEqual(["feature", true]);
  expect(c.required.sync?.map((r) => [r.name, r.app, r.maxAgeSeconds, matches(r.pattern, "inference-gpu")])).toEqual([
    ["inference-*", undefined, undefined, true],
    ["drift", "staging-ci", 3600, false],
  ]);
  expect(c.evidence.map((r) => r.name)).toEqual(["inference-*", "drift", "smoke"]);
  expect(c.protection.map((p) => [p.key, p.requiredApprovals, matches(p.pattern, "develop")])).toEqual([["{development}", 1, true]]);
  expect(c.copyLabels.map((l) => matches(l, "severity:high"))).toEqual([true]);
  expect(c.upToDate.map((u) => matches(u, "production"))).toEqual(DEFAULT_COMPILED.compiled.upToDate.map((u) => matches(u, "production")));
});
