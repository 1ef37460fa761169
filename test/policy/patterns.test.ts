import { compilePattern, matches } from "../../src/policy/patterns.js";

const P = { production: "production", development: "dev.elop", hotfix: "hotfix/", backport: "backport/" };
const m = (pattern: string, branch: string): boolean => matches(compilePattern(pattern, P), branch);

describe("branch patterns", () => {
  it("keeps * inside one segment and lets ** cross slashes", () => {
    expect(m("feature/*", "feature/x")).toBe(true);
    expect(m("feature/*", "feature/x/y")).toBe(false);
    expect(m("feature/**", "feature/x/y")).toBe(true);
    expect(m("**", "anything/at/all")).toBe(true);
    expect(m("v?", "v1")).toBe(true);
    expect(m("v?", "v12")).toBe(false);
  });

  it("expands placeholders as literal text", () => {
    expect(m("{development}", "dev.elop")).toBe(true);
    expect(m("{development}", "devXelop")).toBe(false);
    expect(m("{hotfix}**", "hotfix/a/b")).toBe(true);
    expect(m("/{development}-\\d+/", "dev.elop-12")).toBe(true);
    expect(m("/{development}-\\d+/", "devXelop-12")).toBe(false);
  });

  it("anchors regular expressions", () => {
    expect(m("/rel-\\d+/", "rel-1")).toBe(true);
    expect(m("/rel-\\d+/", "xrel-1")).toBe(false);
    expect(m("/rel-\\d+/", "rel-1x")).toBe(false);
  });

  it("reports invalid patterns", () => {
    expect(compilePattern("/(unclosed/", P).error).toMatch(/invalid regular expression/);
    expect(compilePattern("{prod}", P).error).toMatch(/unknown placeholder \{prod\}/);
    expect(compilePattern("feature/[ab]", P).error).toMatch(/character classes/);
  });

  it("is case-sensitive", () => {
    expect(m("production", "Production")).toBe(false);
  });
});
