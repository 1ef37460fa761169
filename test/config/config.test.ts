import { readFileSync } from "node:fs";
import { DEFAULT_COMPILED, parseConfig } from "../../src/config/parse.js";
import { configJsonSchema, DEFAULT_CONFIG } from "../../src/config/schema.js";
import { MAX_CONFIG_PROGRAM_SIZE, MAX_PROGRAM_SIZE, patternCost } from "../../src/policy/patterns.js";

describe("configuration", () => {
  it("has defaults that encode the flow", () => {
    expect(DEFAULT_CONFIG.branches).toEqual({
      production: "production",
      development: "development",
      hotfix_prefix: "hotfix/",
      backport_prefix: "backport/",
    });
    expect(DEFAULT_CONFIG.flows.map((f) => `${f.name}:${f.from}->${f.into}`)).toEqual([
      "sync:{development}->{production}",
      "hotfix:{hotfix}**->{production}",
      "backport:{backport}**->{development}",
      "feature:**->{development}",
    ]);
    expect(DEFAULT_CONFIG.comment.enabled).toBe(true);
  });

  it("treats a missing file as the defaults", () => {
    expect(parseConfig(null)).toEqual({ ok: true, config: DEFAULT_COMPILED, fromFile: false });
  });

  it("treats an empty file as the defaults from a file", () => {
    expect(parseConfig({})).toEqual({ ok: true, config: DEFAULT_COMPILED, fromFile: true });
  });

  it("merges partial settings with defaults", () => {
    const result = parseConfig({ branches: { production: "main" }, comment: { enabled: false } });
    expect(result.ok && result.config.branches).toEqual({ ...DEFAULT_CONFIG.branches, production: "main" });
    expect(result.ok && result.config.comment.enabled).toBe(false);
  });

  it.each([
    [{ branchez: {} }, "branchez", /unknown key "branchez"/],
    [{ branches: { prod: "main" } }, "branches.prod", /unknown key "prod"/],
    [{ branches: { production: 3 } }, "branches.production", /expected string/],
    [{ branches: { production: "my branch" } }, "branches.production", /white space/],
    [{ governed: [] }, "governed", /too small|>=1/i],
    [{ flows: [{ name: "x", kind: "sync", from: "/(/", into: "production" }] }, "flows[0].from", /invalid regular expression/],
    [{ flows: [{ name: "x", kind: "feature", from: "{nope}", into: "production" }] }, "flows[0].from", /unknown placeholder/],
    [{ flows: [{ name: "x", kind: "release", from: "a", into: "b" }] }, "flows[0].kind", /sync|hotfix/],
    [{ flows: [{ name: "x", kind: "sync", from: "a", into: "b", allow_forks: true }] }, "flows[0].allow_forks", /cannot allow forks/],
    [{ flows: [{ name: "x", kind: "feature", form: "a", from: "a", into: "b" }] }, "flows[0].form", /unknown key/],
    [{ comment: { enabled: "yes" } }, "comment.enabled", /expected boolean/],
    [{ validation: { Hotfix: { required: ["inference-tests"] } } }, "validation.Hotfix", /no flow is named "Hotfix"/],
    // Hostile or oversized input: a config error at the key, never a crash or a freeze.
    [{ flows: [{ name: "x", kind: "feature", from: "/(a)\\1/", into: "b" }] }, "flows[0].from", /invalid escape sequence.*backreferences are not supported/],
    [{ flows: [{ name: "x", kind: "feature", from: "/(?=a)a/", into: "b" }] }, "flows[0].from", /lookaround/],
    [{ flows: [{ name: "x", kind: "feature", from: "a", into: "/((a|b)?){1000}/" }] }, "flows[0].into", /too complex/],
    [{ flows: [{ name: "x", kind: "feature", from: "a", into: "b", except: ["*".repeat(257)] }] }, "flows[0].except[0]", /^a pattern is at most 256 characters long$/],
    [{ governed: ["x".repeat(257)] }, "governed[0]", /at most 256 characters/],
    [{ up_to_date: ["/(?<!a)b/"] }, "up_to_date[0]", /lookaround/],
    [{ backport: { copy_labels: ["/\\k<x>/"] } }, "backport.copy_labels[0]", /backreferences/],
    [{ branches: { production: "p".repeat(256) } }, "branches.production", /^a branch name is at most 255 bytes long$/],
    [{ branches: { hotfix_prefix: "é".repeat(128) } }, "branches.hotfix_prefix", /at most 255 bytes long \(in UTF-8\)/],
    [{ protection: { ["p".repeat(300)]: { required_approvals: 1 } } }, `protection.${"p".repeat(80)}…`, /at most 256 characters/],
    [{ validation: { sync: { required: ["/(?=x)/"] } } }, "validation.sync.required[0]", /lookaround/],
    [{ validation: { sync: { required: [{ name: "c".repeat(257) }] } } }, "validation.sync.required[0].name", /at most 256 characters/],
  ])("rejects %j at %s", (raw, path, message) => {
    const result = parseConfig(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const issue = result.issues.find((i) => i.path === path);
    expect(issue).toBeDefined();
    expect(issue?.message).toMatch(message);
  });

  it("reports each problem once, at its key", () => {
    const result = parseConfig({ flows: [{ name: "x", kind: "feature", from: "/".repeat(300), into: "b" }], branches: { development: "d".repeat(300) } });
    expect(!result.ok && result.issues).toEqual([
      { path: "branches.development", message: "a branch name is at most 255 bytes long" },
      { path: "flows[0].from", message: "a pattern is at most 256 characters long" },
    ]);
  });

  it("accepts names and patterns at the bounds", () => {
    const name = "n".repeat(255);
    const result = parseConfig({ branches: { production: name }, governed: [`{production}`, `/${"p".repeat(254)}/`] });
    expect(result.ok && result.config.branches.production).toBe(name);
  });

  it("bounds the patterns of a whole file, so one file cannot hold the process however many it lists", () => {
    // Each pattern is within the per-pattern limit; together they are far over the file's budget.
    const heavy = "/(?:[a-z]+-){40}x/";
    expect(patternCost(heavy)).toBeGreaterThan(100);
    expect(patternCost(heavy)).toBeLessThanOrEqual(MAX_PROGRAM_SIZE);
    const count = Math.ceil(MAX_CONFIG_PROGRAM_SIZE / patternCost(heavy)) + 1;
    const result = parseConfig({ governed: Array.from({ length: count }, () => heavy) });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([expect.objectContaining({ path: "", message: expect.stringMatching(/add up to more than 10000 RE2 instructions/) })]);
    // Hundreds of ordinary globs stay well within it.
    const ordinary = parseConfig({ governed: Array.from({ length: 300 }, (_, i) => `release/${i}/**`) });
    expect(ordinary.ok).toBe(true);
  });

  it("keeps the file's own governed targets and branch names when it is over the budget, so their PRs still fail", () => {
    const heavy = "/(?:[a-z]+-){40}x/";
    const result = parseConfig({
      branches: { production: "main" },
      governed: ["{production}", "release/*"],
      up_to_date: Array.from({ length: 100 }, () => heavy),
    });
    expect(result.ok).toBe(false);
    expect(result.config.branches.production).toBe("main");
    expect(result.config.governed).toEqual(expect.arrayContaining(["{production}", "release/*"]));
  });

  it("keeps renamed branches when governed is invalid", () => {
    const result = parseConfig({ branches: { production: "main" }, governed: [42] });
    expect(result.ok).toBe(false);
    expect(result.config.branches.production).toBe("main");
  });

  it("fails a pattern that compiles with stand-in names but not with the file's real branch names, at its key", () => {
    const result = parseConfig({ branches: { development: "d".repeat(120) }, governed: ["{production}", "/(?:{development}){30}/"] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([expect.objectContaining({ path: "governed[1]", message: expect.stringMatching(/too complex/) })]);
  });

  it("rejects a file that is not a mapping", () => {
    const result = parseConfig(["a"]);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues[0]?.message).toMatch(/YAML mapping/);
  });

  it("still knows the renamed branches of a broken file, to fail the right PRs", () => {
    const result = parseConfig({ branches: { production: "main" }, flows: "nope" });
    expect(result.ok).toBe(false);
    expect(result.config.branches.production).toBe("main");
  });

  it("matches the committed JSON Schema (run `npm run schema` after changing the zod schema)", () => {
    const committed: unknown = JSON.parse(readFileSync(new URL("../../schema/branch-steward.schema.json", import.meta.url), "utf8"));
    expect(configJsonSchema()).toEqual(committed);
  });
});
