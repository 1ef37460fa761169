import fc from "fast-check";
import { RE2JS } from "re2js";
import { compilePattern, estimateProgramSize, matches, MAX_PATTERN_LENGTH } from "../../src/policy/patterns.js";

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
    const wild = { production: "r*l?[x]", development: "(a|b)" };
    expect(matches(compilePattern("{production}/**", wild), "r*l?[x]/y")).toBe(true);
    expect(matches(compilePattern("{production}/**", wild), "rXlY[x]/y")).toBe(false);
    expect(matches(compilePattern("/{development}+/", wild), "(a|b)")).toBe(true);
    expect(matches(compilePattern("/{development}+/", wild), "a")).toBe(false);
  });

  it("anchors regular expressions", () => {
    expect(m("/rel-\\d+/", "rel-1")).toBe(true);
    expect(m("/rel-\\d+/", "xrel-1")).toBe(false);
    expect(m("/rel-\\d+/", "rel-1x")).toBe(false);
    expect(m("/a|ab/", "ab")).toBe(true);
    expect(m("/a|ab/", "abc")).toBe(false);
  });

  it("reports invalid patterns", () => {
    expect(compilePattern("/(unclosed/", P).error).toMatch(/invalid regular expression/);
    expect(compilePattern("/a)|(b/", P).error).toMatch(/invalid regular expression/);
    expect(compilePattern("{prod}", P).error).toMatch(/unknown placeholder \{prod\}/);
    expect(compilePattern("/{prod}/", P).error).toMatch(/unknown placeholder \{prod\}/);
    expect(compilePattern("feature/[ab]", P).error).toMatch(/character classes/);
  });

  it("is case-sensitive", () => {
    expect(m("production", "Production")).toBe(false);
    expect(m("prod*", "Production")).toBe(false);
  });

  it("reads JavaScript's \\u escapes", () => {
    expect(m("/\\u0041-\\u{1F600}/", "A-😀")).toBe(true);
    expect(m("/\\\\u0041/", "\\u0041")).toBe(true);
  });
});

describe("linear-time engine", () => {
  it("compiles every pattern with wildcards to an RE2 program, and a plain glob to text", () => {
    expect(compilePattern("/feature\\/([a-z0-9]+-?)+/", P).re2).toBeInstanceOf(RE2JS);
    const glob = compilePattern("{hotfix}**a*b?", P);
    expect(glob.re2).toBeInstanceOf(RE2JS);
    expect(glob.re2?.pattern()).toBe("hotfix\\/(?s:.*)a[^/]*b[^/]");
    expect(compilePattern("{hotfix}x.y", P)).toEqual({ source: "{hotfix}x.y", literal: "hotfix/x.y" });
  });

  it("answers the patterns that froze the backtracking engine", () => {
    // 7.8 s and 7 s with JavaScript RegExps; `npm run bench` times them on RE2.
    expect(m("/feature\\/([a-z0-9]+-?)+/", `feature/${"a".repeat(27)}!`)).toBe(false);
    expect(m("/feature\\/([a-z0-9]+-?)+/", `feature/${"a".repeat(27)}`)).toBe(true);
    expect(m("**a**a**a**a**x", "a".repeat(200))).toBe(false);
    expect(m("**a**a**a**a**x", `${"a".repeat(200)}x`)).toBe(true);
  });

  it.each([
    ["/(a)\\1/", /invalid escape sequence.*backreferences/],
    ["/(?<n>a)\\k<n>/", /invalid escape sequence.*backreferences/],
    ["/(?=a)a/", /unsupported Perl syntax.*lookaround/],
    ["/(?!a)b/", /unsupported Perl syntax.*lookaround/],
    ["/(?<=a)b/", /lookaround/],
    ["/(?<!a)b/", /lookaround/],
    ["/[z-a]/", /invalid character class range/],
    ["/x**/", /invalid nested repetition/],
  ])("rejects %s, which RE2 cannot run", (pattern, message) => {
    const compiled = compilePattern(pattern, P);
    expect(compiled.error).toMatch(/^invalid regular expression: /);
    expect(compiled.error).toMatch(message);
    expect(compiled.re2).toBeUndefined();
    expect(matches(compiled, "a")).toBe(false);
  });

  it("bounds the pattern's length", () => {
    expect(compilePattern(`feature/${"x".repeat(MAX_PATTERN_LENGTH - 8)}`, P).error).toBeUndefined();
    expect(compilePattern(`feature/${"x".repeat(MAX_PATTERN_LENGTH - 7)}`, P).error).toBe(
      `pattern too long: ${MAX_PATTERN_LENGTH + 1} characters, more than ${MAX_PATTERN_LENGTH}`,
    );
  });

  it("bounds the program's size, before compiling it", () => {
    const compile = RE2JS.compile;
    const compiled: string[] = [];
    RE2JS.compile = (re: string, flags?: number) => (compiled.push(re), compile.call(RE2JS, re, flags));
    try {
      // 14 characters, 6,000 instructions: refused from its text alone.
      expect(compilePattern("/((a|b)?){1000}/", P).error).toMatch(/^pattern too complex: it compiles to about \d+ instructions, more than 500/);
      expect(compiled).toEqual([]);
      expect(compilePattern("/a+/", P).error).toBeUndefined();
      expect(compiled).toEqual(["a+"]);
    } finally {
      RE2JS.compile = compile;
    }
    expect(compilePattern("/[a-z]{1,200}/", P).error).toBeUndefined();
    expect(compilePattern("/[a-z]{1,300}/", P).error).toMatch(/too complex/);
    // Placeholders count once expanded: five 120-character names and `*`s are over 500 instructions.
    const long = { production: "p".repeat(120) };
    expect(compilePattern("{production}*".repeat(3), long).error).toBeUndefined();
    expect(compilePattern("{production}*".repeat(5), long).error).toMatch(/too complex/);
    // A regex spelling out the longest branch name fits.
    expect(compilePattern(`/${"n".repeat(MAX_PATTERN_LENGTH - 2)}/`, P).error).toBeUndefined();
  });

  it("never throws, whatever the pattern or the name", () => {
    // Regex syntax, placeholders, non-ASCII, an astral character and a lone surrogate.
    const unit = fc.constantFrom(..."ab/\\()[]{}*?+|^$.-:<=!1kuQEpx_\u00e9\ud800".split(""), "\ud83d\ude00", "{hotfix}", "{nope}");
    const text = fc.oneof(fc.string({ unit, maxLength: 40 }), fc.string({ maxLength: 40 }));
    fc.assert(
      fc.property(text, text, (pattern, name) => {
        for (const source of [pattern, `/${pattern}/`]) {
          const compiled = compilePattern(source, P);
          expect(compiled.error === undefined).toBe(compiled.re2 !== undefined || compiled.literal !== undefined);
          expect(typeof matches(compiled, name)).toBe("boolean");
        }
      }),
      { numRuns: 1000 },
    );
  });
});

/** The glob rules, read directly off the text by backtracking (fine for short names). */
function referenceGlob(glob: string, name: string, placeholders: Record<string, string>): boolean {
  const tokens: string[] = [];
  for (let i = 0; i < glob.length; i++) {
    const placeholder = /^\{([a-z_]+)\}/.exec(glob.slice(i));
    if (placeholder) {
      tokens.push(...[...(placeholders[placeholder[1] as string] as string)].map((c) => `=${c}`));
      i += placeholder[0].length - 1;
    } else if (glob.startsWith("**", i)) {
      tokens.push("**");
      i++;
    } else tokens.push(glob[i] === "*" || glob[i] === "?" ? (glob[i] as string) : `=${glob[i]}`);
  }
  const go = (t: number, n: number): boolean => {
    const token = tokens[t];
    if (token === undefined) return n === name.length;
    const c = name[n];
    if (token === "**") return go(t + 1, n) || (c !== undefined && go(t, n + 1));
    if (token === "*") return go(t + 1, n) || (c !== undefined && c !== "/" && go(t, n + 1));
    if (token === "?") return c !== undefined && c !== "/" && go(t + 1, n + 1);
    return c === token.slice(1) && go(t + 1, n + 1);
  };
  return go(0, 0);
}

describe("properties", () => {
  const piece = fc.constantFrom("a", "b", "/", ".", "-", "*", "**", "?", "{hotfix}", "{development}");
  const nameChar = fc.constantFrom("a", "b", "/", ".", "-", "*", "?", "h", "x");

  it("glob matching agrees with the glob rules read off the text", () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), fc.array(nameChar, { maxLength: 14 }), (pieces, chars) => {
        const glob = pieces.join("");
        fc.pre(!(glob.length >= 2 && glob.startsWith("/") && glob.endsWith("/"))); // that is a /regex/
        const name = chars.join("");
        expect(m(glob, name)).toBe(referenceGlob(glob, name, P));
        const prefixed = `hotfix/${name}`;
        expect(m(glob, prefixed)).toBe(referenceGlob(glob, prefixed, P));
      }),
      { numRuns: 2000 },
    );
  });

  it("a /regex/ means what it meant as a JavaScript RegExp, on the syntax both engines share", () => {
    const token = fc.constantFrom("a", "b", "-", "/", ".", "[ab]", "[^/]", "\\d", "1", "(", "(?:", ")", "|", "*", "+", "?", "{2}", "{1,3}");
    fc.assert(
      fc.property(fc.array(token, { maxLength: 10 }), fc.array(fc.constantFrom("a", "b", "-", "/", "1", "x"), { maxLength: 8 }), (tokens, chars) => {
        const body = tokens.join("");
        let js: RegExp;
        try {
          new RegExp(body, "u"); // valid on its own (the old wrapping let `)(` through)
          js = new RegExp(`^(?:${body})$`, "u");
        } catch {
          return;
        }
        const compiled = compilePattern(`/${body}/`, {});
        expect(compiled.error).toBeUndefined();
        const name = chars.join("");
        expect(matches(compiled, name)).toBe(js.test(name));
      }),
      { numRuns: 2000 },
    );
  });

  it("the size estimate is never below re2js's own count, so nothing large is ever compiled", () => {
    const token = fc.constantFrom(
      ...["a", "b", "/", ".", "é", "😀", "(", ")", "(?:", "(?i)", "(?-s)", "(?U)", "(?P<n>", "(?<m>", "(?i:", "(?s:", "|"],
      ...["*", "+", "?", "*?", "+?", "??", "{2}", "{3,}", "{0,4}", "{1,9}", "{0}", "{0,}", "{10,20}", "{2}?", "{", "}"],
      ...["[ab]", "[^/]", "[]a]", "[[:alpha:]]", "\\d", "\\pL", "\\p{Greek}", "\\x{41}", "\\Qa(b\\E", "\\Q)\\E", "\\Q", "\\E"],
      ...["^", "$", "\\b", "\\z", "\\.", "\\\\", "[\\]]"],
    );
    let compiled = 0;
    fc.assert(
      fc.property(fc.array(token, { maxLength: 30 }), (tokens) => {
        const re = tokens.join("");
        let size: number;
        try {
          size = RE2JS.compile(re).programSize();
        } catch {
          return;
        }
        compiled++;
        expect(estimateProgramSize(re)).toBeGreaterThanOrEqual(size);
      }),
      { numRuns: 3000 },
    );
    expect(compiled).toBeGreaterThan(300); // the property saw real programs, not only syntax errors
  });
});
