import fc from "fast-check";
import type { CompiledCouplingGroup } from "../../src/config/compile.js";
import { parseConfig } from "../../src/config/parse.js";
import {
  attributeSync,
  changedPaths,
  couplingFindings,
  couplingOutcome,
  evaluateCoupling,
  NO_EXCEPTIONS,
  parseExceptionLines,
  touchedGroups,
  unmatchedSides,
  type ExceptionFacts,
  type GroupResult,
} from "../../src/policy/coupling.js";
import { compilePattern, matches as matchesNaively } from "../../src/policy/patterns.js";

type GroupInput = { name?: string; when: string[]; then: string[]; require?: "any" | "all"; direction?: "both" | "one_way"; appliesTo?: CompiledCouplingGroup["appliesTo"] };
const group = (g: GroupInput): CompiledCouplingGroup => ({
  name: g.name ?? "g",
  when: g.when.map((p) => compilePattern(p, {})),
  then: g.then.map((p) => compilePattern(p, {})),
  require: g.require ?? "any",
  direction: g.direction ?? "both",
  appliesTo: g.appliesTo ?? ["feature", "hotfix", "sync"],
});

const MODEL = group({ name: "model-features", when: ["models/**"], then: ["features/**", "configs/model_registry.yaml"] });
const one = (g: CompiledCouplingGroup, paths: string[], exceptions: ExceptionFacts = NO_EXCEPTIONS): GroupResult => evaluateCoupling([g], paths, "feature", exceptions)[0] as GroupResult;

describe("coupling groups", () => {
  it("is untouched when neither side changes, satisfied when both do", () => {
    expect(one(MODEL, ["README.md"]).state).toBe("untouched");
    const r = one(MODEL, ["models/churn/model.py", "configs/model_registry.yaml"]);
    expect(r).toMatchObject({ state: "satisfied", when: { files: ["models/churn/model.py"] }, then: { files: ["configs/model_registry.yaml"] } });
  });

  it("is broken when one side changes alone, in either direction, and names what is missing", () => {
    expect(one(MODEL, ["models/churn/model.py"])).toMatchObject({
      state: "broken",
      changed: "when",
      when: { files: ["models/churn/model.py"] },
      then: { files: [], missing: ["features/**", "configs/model_registry.yaml"] },
      patterns: { when: ["models/**"], then: ["features/**", "configs/model_registry.yaml"] },
    });
    expect(one(MODEL, ["features/churn.py"])).toMatchObject({ state: "broken", changed: "then" });
  });

  it("one_way: a change to `then` alone needs nothing", () => {
    const g = group({ when: ["schemas/**"], then: ["consumers/**"], direction: "one_way" });
    expect(one(g, ["consumers/a.py"]).state).toBe("satisfied");
    expect(one(g, ["schemas/a.json"])).toMatchObject({ state: "broken", changed: "when" });
  });

  it("require all: every pattern of the needed side must match a changed file", () => {
    const g = group({ when: ["models/**"], then: ["features/**", "configs/model_registry.yaml"], require: "all" });
    expect(one(g, ["models/a.py", "features/a.py"])).toMatchObject({ state: "broken", then: { missing: ["configs/model_registry.yaml"] } });
    expect(one(g, ["models/a.py", "features/a.py", "configs/model_registry.yaml"]).state).toBe("satisfied");
  });

  it("counts a renamed file for its old and its new path", () => {
    const paths = changedPaths([{ filename: "archive/model.py", previousFilename: "models/model.py" }, { filename: "b" }, { filename: "b" }]);
    expect(paths).toEqual(["archive/model.py", "b", "models/model.py"]);
    expect(one(MODEL, paths)).toMatchObject({ state: "broken", changed: "when", when: { files: ["models/model.py"] } });
    // A move from one side into the other touches both.
    expect(one(MODEL, changedPaths([{ filename: "features/x.py", previousFilename: "models/x.py" }])).state).toBe("satisfied");
  });

  it("leaves out groups that do not apply to the flow", () => {
    const g = group({ when: ["a/**"], then: ["b/**"], appliesTo: ["sync"] });
    expect(evaluateCoupling([g], ["a/x"], "feature")).toEqual([]);
    expect(evaluateCoupling([g], ["a/x"], "sync")).toHaveLength(1);
  });

  describe("exceptions", () => {
    const base: ExceptionFacts = { label: null, lines: [], author: "alice", authorWriter: false };
    const label = (appliedBy: string | null, writer: boolean): ExceptionFacts["label"] => ({ name: "coupling-not-needed", appliedBy, writer });

    it("accepts a label applied by a writer, with the body line's reason", () => {
      const r = one(MODEL, ["models/a.py"], { ...base, label: label("maint", true), lines: [{ group: "model-features", reason: "retrain only" }] });
      expect(r).toMatchObject({ state: "excepted", changed: "when", exception: { via: "label", by: "maint", reason: "retrain only", label: "coupling-not-needed" } });
    });

    it("does not count a label applied by someone without write access", () => {
      const r = one(MODEL, ["models/a.py"], { ...base, label: label("reader", false) });
      expect(r).toMatchObject({ state: "broken", ignored: [{ via: "label", by: "reader", why: "no-write-access" }] });
      expect(one(MODEL, ["models/a.py"], { ...base, label: label(null, false) })).toMatchObject({ ignored: [{ why: "unknown-actor" }] });
    });

    it("accepts a body line only when the PR author has write access, and only for its group", () => {
      const lines = [{ group: "model-features", reason: "docs only" }];
      expect(one(MODEL, ["models/a.py"], { ...base, lines, authorWriter: true })).toMatchObject({ state: "excepted", exception: { via: "body", by: "alice", reason: "docs only" } });
      expect(one(MODEL, ["models/a.py"], { ...base, lines })).toMatchObject({ state: "broken", ignored: [{ via: "body", by: "alice", why: "no-write-access" }] });
      expect(one(MODEL, ["models/a.py"], { ...base, lines: [{ group: "other", reason: "x" }], authorWriter: true }).state).toBe("broken");
    });

    it("never turns a satisfied group into an excepted one", () => {
      expect(one(MODEL, ["models/a.py", "features/a.py"], { ...base, label: label("maint", true) }).state).toBe("satisfied");
    });

    it("parses body lines with any dash, in any case, and ignores lines without a reason", () => {
      const body = [
        "Coupling-not-needed: model-features — only a comment changed",
        "coupling-not-needed:schema-consumers - reformatting",
        "  Coupling-not-needed: a.b_c -- why not",
        "Coupling-not-needed: registry",
        "Coupling-not-needed: registry —   ",
        "text Coupling-not-needed: x — y",
      ].join("\r\n");
      expect(parseExceptionLines(body, "Coupling-not-needed")).toEqual([
        { group: "model-features", reason: "only a comment changed" },
        { group: "schema-consumers", reason: "reformatting" },
        { group: "a.b_c", reason: "why not" },
      ]);
    });
  });

  describe("sync attribution", () => {
    it("names the shipped PRs per side and the open PRs holding the missing half", () => {
      const r = one(MODEL, ["models/a.py"]);
      const shipped = [
        { number: 3, title: "new model", paths: ["models/a.py"] },
        { number: 4, title: "docs", paths: ["README.md"] },
      ];
      const open = [
        { number: 7, title: "features for the model", paths: ["features/a.py"] },
        { number: 8, title: "another model", paths: ["models/b.py"] },
      ];
      expect(attributeSync(MODEL, r, shipped, open, 1)).toEqual({
        when: [{ number: 3, title: "new model" }],
        then: [],
        openOther: [{ number: 7, title: "features for the model" }],
        unread: 1,
      });
    });
  });

  it("lists the groups a release touched, with their sides", () => {
    expect(touchedGroups([MODEL, group({ name: "x", when: ["x/**"], then: ["y/**"] })], ["models/a", "features/b"])).toEqual([{ group: "model-features", sides: ["when", "then"] }]);
  });

  it("warns about sides that match nothing in the tree", () => {
    expect(unmatchedSides([MODEL], ["models/a.py", "configs/model_registry.yml"])).toEqual([
      { group: "model-features", side: "then", patterns: ["features/**", "configs/model_registry.yaml"] },
    ]);
    expect(unmatchedSides([MODEL], ["configs/model_registry.yaml", "models"])).toEqual([{ group: "model-features", side: "when", patterns: ["models/**"] }]);
  });

  it("leaves a tree unchecked rather than try more than the budget of paths", () => {
    const anywhere = group({ when: ["**/*.onnx"], then: ["/.*registry.*/"] });
    const tree = Array.from({ length: 600_000 }, (_, i) => `d${i % 100}/f${i}.txt`);
    expect(unmatchedSides([anywhere], tree)).toBe("too-large");
    // Globs with a literal prefix try only the paths under it.
    expect(unmatchedSides([MODEL], tree)).toHaveLength(2);
  });

  it("rows: broken fails, too many files fails closed, none touched and warnings pass", () => {
    const exception = { label: "coupling-not-needed", bodyLine: "Coupling-not-needed" };
    const broken = couplingFindings({ kind: "listed", results: [one(MODEL, ["models/a"])], exception });
    expect(broken.map(couplingOutcome)).toEqual(["fail"]);
    const none = couplingFindings({ kind: "listed", results: [one(MODEL, ["README.md"])], exception, unmatched: "truncated" });
    expect(none).toEqual([{ kind: "none-touched", groups: 1 }, { kind: "tree-unchecked", reason: "truncated" }]);
    expect(none.map(couplingOutcome)).toEqual(["pass", "pass"]);
    expect(couplingFindings({ kind: "listed", results: [], exception })).toEqual([]);
    expect(couplingFindings({ kind: "too-many-files", changedFiles: 3001, listed: 3000 }).map(couplingOutcome)).toEqual(["fail"]);
  });
});

describe("coupling properties", () => {
  const segment = fc.constantFrom("models", "features", "configs", "data", "docs", "x");
  const path = fc.tuple(segment, fc.constantFrom("a.py", "b.yaml", "model_registry.yaml", "sub/c.py")).map(([d, f]) => `${d}/${f}`);
  const paths = fc.uniqueArray(path, { maxLength: 8 });
  const side = fc.uniqueArray(fc.constantFrom("models/**", "features/**", "configs/model_registry.yaml", "data/*.py", "docs/**"), { minLength: 1, maxLength: 3 });
  const groups = fc.record({
    when: side,
    then: side,
    require: fc.constantFrom("any" as const, "all" as const),
    direction: fc.constantFrom("both" as const, "one_way" as const),
  });

  it("adding files never breaks a group that both sides of a change already satisfy", () => {
    fc.assert(
      fc.property(groups, paths, paths, (g, before, extra) => {
        const compiled = group(g);
        const r = one(compiled, before);
        if (r.state !== "satisfied" || r.when.files.length === 0 || r.then.files.length === 0) return;
        expect(one(compiled, [...new Set([...before, ...extra])]).state).toBe("satisfied");
      }),
    );
  });

  it("a both-ways group judges the same with its sides swapped", () => {
    fc.assert(
      fc.property(groups, paths, (g, changed) => {
        const ab = one(group({ ...g, direction: "both" }), changed);
        const ba = one(group({ ...g, when: g.then, then: g.when, direction: "both" }), changed);
        expect(ba.state).toBe(ab.state);
      }),
    );
  });

  it("a one_way group is never stricter than the same group both ways", () => {
    fc.assert(
      fc.property(groups, paths, (g, changed) => {
        const both = one(group({ ...g, direction: "both" }), changed);
        const oneWay = one(group({ ...g, direction: "one_way" }), changed);
        if (both.state !== "broken") expect(oneWay.state).not.toBe("broken");
      }),
    );
  });

  it("a renamed file judges like a change to both its paths", () => {
    fc.assert(
      fc.property(groups, path, path, paths, (g, from, to, others) => {
        const compiled = group(g);
        const renamed = changedPaths([{ filename: to, previousFilename: from }, ...others.map((filename) => ({ filename }))]);
        const both = changedPaths([{ filename: to }, { filename: from }, ...others.map((filename) => ({ filename }))]);
        expect(one(compiled, renamed)).toEqual(one(compiled, both));
      }),
    );
  });

  it("matches like trying every pattern on every path (the literal-prefix index changes nothing)", () => {
    const anyPath = fc.stringMatching(/^[a-z_./]{0,12}$/);
    const pattern = fc.constantFrom("models/**", "models/*", "m*/a.py", "models", "**/a.py", "/m.*s/.*/", "?odels/**", "", "features/**/b.yaml", "models/a.py");
    fc.assert(
      fc.property(fc.array(pattern.filter((p) => p !== ""), { minLength: 1, maxLength: 3 }), fc.array(fc.oneof(path, anyPath), { maxLength: 12 }), (when, changed) => {
        const g = group({ when, then: ["zz/**"], direction: "one_way" });
        const naive = changed.filter((p) => g.when.some((c) => c.source && matchesNaively(c, p)));
        expect(one(g, changed).state === "untouched").toBe(naive.length === 0);
        const r = one(g, changed);
        if (r.state !== "untouched") expect(r.when.files).toEqual([...new Set(naive)].sort());
      }),
    );
  });

  it("the order of the changed files does not matter", () => {
    fc.assert(
      fc.property(groups, paths, (g, changed) => {
        const compiled = group(g);
        expect(one(compiled, [...changed].reverse())).toEqual(one(compiled, changed));
      }),
    );
  });
});

describe("coupling config", () => {
  const groupsOf = (raw: unknown) => ({ coupling: { groups: raw } });

  it("parses groups with defaults and compiles their patterns", () => {
    const r = parseConfig(groupsOf([{ name: "model-features", when: ["models/**"], then: ["features/**"] }]));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.coupling.groups[0]).toEqual({ name: "model-features", when: ["models/**"], then: ["features/**"], require: "any", direction: "both", applies_to: ["feature", "hotfix", "sync"] });
    expect(r.config.coupling.exception).toEqual({ label: "coupling-not-needed", body_line: "Coupling-not-needed" });
    expect(r.config.compiled.coupling[0]?.when[0]?.re2).toBeDefined();
  });

  it.each([
    [[{ name: "a b", when: ["x"], then: ["y"] }], "coupling.groups[0].name", /no spaces/],
    [[{ name: "a", when: [], then: ["y"] }], "coupling.groups[0].when", /too small|>=1/i],
    [[{ name: "a", when: ["/(a)\\1/"], then: ["y"] }], "coupling.groups[0].when[0]", /backreferences/],
    [[{ name: "a", when: ["x"], then: ["{nope}/**"] }], "coupling.groups[0].then[0]", /unknown placeholder/],
    [[{ name: "a", when: ["x"], then: ["y"], direction: "sideways" }], "coupling.groups[0].direction", /both|one_way/],
    [[{ name: "a", when: ["x"], then: ["y"], applies_to: ["release"] }], "coupling.groups[0].applies_to[0]", /sync|feature/],
    [[{ name: "a", when: ["x"], then: ["y"], extra: 1 }], "coupling.groups[0].extra", /unknown key/],
    [
      [
        { name: "a", when: ["x"], then: ["y"] },
        { name: "a", when: ["z"], then: ["w"] },
      ],
      "coupling.groups[1].name",
      /already named "a"/,
    ],
  ])("refuses %j at %s", (groups, path, message) => {
    const r = parseConfig(groupsOf(groups));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it("refuses a bad exception label at its key", () => {
    const r = parseConfig({ coupling: { exception: { label: "x".repeat(51) } } });
    expect(!r.ok && r.issues.map((i) => i.path)).toEqual(["coupling.exception.label"]);
  });

  it("counts coupling patterns in the file's pattern budget", () => {
    const heavy = Array.from({ length: 30 }, (_, i) => ({ name: `g${i}`, when: ["/((a|b)?){60}/"], then: ["y"] }));
    const r = parseConfig(groupsOf(heavy));
    expect(!r.ok && r.issues[0]?.message).toMatch(/add up to more than/);
  });
});
