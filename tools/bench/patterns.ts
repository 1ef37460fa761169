/**
 * Pattern matching under hostile input, for `npm run bench`: adversarial patterns (the ones that
 * froze the old backtracking engine, classic ReDoS shapes, programs near MAX_PROGRAM_SIZE) ×
 * adversarial names (up to the 255-byte limit). Reports, per pattern, the worst compile and the
 * worst compile + first match (what one evaluation pays: RE2 builds its DFA states as it goes), the
 * worst match on an already-compiled pattern, and how fast oversized patterns are refused.
 */
import { parseConfig } from "../../src/config/parse.js";
import { compilePattern, estimateProgramSize, matches, MAX_CONFIG_PROGRAM_SIZE, MAX_PROGRAM_SIZE, patternCost } from "../../src/policy/patterns.js";

const PLACEHOLDERS = { production: "production", development: "development", hotfix: "hotfix/", backport: "backport/" };

/** `make(n)` with the largest n the size limit accepts: the costliest program of that shape. */
function atTheLimit(make: (n: number) => string): string {
  let n = 1;
  while (estimateProgramSize(make(n + 1)) <= MAX_PROGRAM_SIZE) n++;
  return `/${make(n)}/`;
}

const ADVERSARIAL_PATTERNS = [
  "/feature\\/([a-z0-9]+-?)+/", // 7.8 s for a 36-character name on the old engine
  "**a**a**a**a**x", // 7 s for a 200-character name on the old engine
  "/(a+)+b/",
  "/(a|a)*b/",
  "/(a|aa)+$/",
  "/(.*a){12}x/",
  `${"**a".repeat(60)}x`,
  `/${"(a|b)*".repeat(40)}c/`,
  // Programs at the size limit, in the shapes that keep the most states alive at once.
  atTheLimit((n) => `(?:[ab]?){${n}}`),
  atTheLimit((n) => `(?:.?){${n}}`),
  atTheLimit((n) => `((a|b)?){${n}}`),
  atTheLimit((n) => `(?:.*a){${n}}`),
  atTheLimit((n) => `(?:\\pL?){${n}}`),
  atTheLimit((n) => `[ab]*a[ab]{${n}}`), // exponentially many DFA states
  atTheLimit((n) => `(?:(?:a|b|ab|ba)+){1,${n}}`),
];

const REFUSED_PATTERNS = ["/((a|b)?){1000}/", `/${"(?:(?:a|b|ab|ba)+){1,1000}".repeat(9)}/`, `/${"(a)\\1".repeat(40)}/`, "x".repeat(100_000)];

function adversarialNames(): string[] {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 < 0.5 ? "a" : "b");
  return [
    `feature/${"a".repeat(27)}!`,
    `feature/${"a".repeat(246)}!`,
    "a".repeat(200),
    "a".repeat(255),
    `${"a".repeat(254)}!`,
    Array.from({ length: 255 }, random).join(""),
    "ab".repeat(127),
    `${"a-".repeat(127)}!`,
  ];
}

const ms = (t0: number) => performance.now() - t0;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

interface Measure {
  readonly ms: number;
  readonly pattern: string;
  readonly name: string;
}

/** Compile and match each pair afresh, as an evaluation does; then the same match again, warm. */
function measure(names: readonly string[]): { rows: string[]; worstFresh: Measure; worstWarm: Measure } {
  const rows: string[] = [];
  let worstFresh: Measure = { ms: 0, pattern: "", name: "" };
  let worstWarm: Measure = { ms: 0, pattern: "", name: "" };
  for (const source of ADVERSARIAL_PATTERNS) {
    let compileMs = 0;
    let fresh = 0;
    let warm = 0;
    let size = 0;
    for (const name of names) {
      // The median of 5 runs: the machine's noise (GC, other processes) is not the pattern's cost.
      const runs = Array.from({ length: 5 }, () => {
        const t0 = performance.now();
        const compiled = compilePattern(source, PLACEHOLDERS);
        const t1 = performance.now();
        if (compiled.error) throw new Error(`bench pattern ${source} is refused: ${compiled.error}`);
        matches(compiled, name);
        const t2 = performance.now();
        for (let i = 0; i < 10; i++) matches(compiled, name);
        size = compiled.re2?.programSize() ?? 0;
        return { compile: t1 - t0, fresh: t2 - t0, warm: ms(t2) / 10 };
      });
      const run = { compile: median(runs.map((r) => r.compile)), fresh: median(runs.map((r) => r.fresh)), warm: median(runs.map((r) => r.warm)) };
      compileMs = Math.max(compileMs, run.compile);
      fresh = Math.max(fresh, run.fresh);
      warm = Math.max(warm, run.warm);
      if (run.fresh > worstFresh.ms) worstFresh = { ms: run.fresh, pattern: source, name };
      if (run.warm > worstWarm.ms) worstWarm = { ms: run.warm, pattern: source, name };
    }
    const shown = source.length > 48 ? `${source.slice(0, 45)}…` : source;
    rows.push(`| \`${shown}\` | ${size} | ${compileMs.toFixed(2)} | ${fresh.toFixed(2)} | ${warm.toFixed(3)} |`);
  }
  return { rows, worstFresh, worstWarm };
}

export function benchPatterns(): void {
  const names = adversarialNames();
  measure(names); // warm the engine's code up: the figures are of a running app, not of its first second
  const { rows, worstFresh, worstWarm } = measure(names);
  let worstRefusal = 0;
  for (const source of REFUSED_PATTERNS) {
    const runs = Array.from({ length: 5 }, () => {
      const t0 = performance.now();
      const { error } = compilePattern(source, PLACEHOLDERS);
      if (!error) throw new Error(`bench pattern ${source.slice(0, 40)} was accepted`);
      return ms(t0);
    });
    worstRefusal = Math.max(worstRefusal, median(runs));
  }
  // A whole hostile file: as many patterns at the size limit as fit in 64 kB of YAML, and the
  // largest file the budget accepts. Parsing is what every event pays before any evaluation.
  const heavy = ADVERSARIAL_PATTERNS[ADVERSARIAL_PATTERNS.length - 1] as string;
  const hostile = { governed: Array.from({ length: Math.floor(65_536 / (heavy.length + 4)) }, () => heavy) };
  const withinBudget = { governed: Array.from({ length: Math.floor(MAX_CONFIG_PROGRAM_SIZE / patternCost(heavy)) }, () => heavy) };
  const timeParse = (raw: object, expectOk: boolean): number =>
    median(
      Array.from({ length: 3 }, () => {
        const t0 = performance.now();
        if (parseConfig(raw).ok !== expectOk) throw new Error(`bench config of ${JSON.stringify(raw).length} bytes: unexpected verdict`);
        return ms(t0);
      }),
    );
  const hostileMs = timeParse(hostile, false);
  const budgetMs = timeParse(withinBudget, true);
  const describe = (m: Measure) => `${m.ms.toFixed(2)} ms (\`${m.pattern.slice(0, 48)}\` on a ${m.name.length}-character name)`;

  console.log(`\npatterns — ${ADVERSARIAL_PATTERNS.length} adversarial patterns × ${names.length} adversarial names (≤ 255 characters), RE2 (re2js), program limit ${MAX_PROGRAM_SIZE}\n`);
  console.log("| pattern | program size | worst compile ms | worst compile + first match ms | worst warm match ms |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const row of rows) console.log(row);
  console.log(`\nworst compile + match (what one evaluation pays): ${describe(worstFresh)}`);
  console.log(`worst match on a compiled pattern: ${describe(worstWarm)}`);
  console.log(`oversized or unsupported patterns refused in at most ${worstRefusal.toFixed(2)} ms each`);
  console.log(
    `a 64 kB file of ${hostile.governed.length} patterns at the size limit: refused (over the file's ${MAX_CONFIG_PROGRAM_SIZE}-instruction budget) in ${hostileMs.toFixed(1)} ms; ` +
      `the largest file the budget accepts (${withinBudget.governed.length} such patterns) parses in ${budgetMs.toFixed(1)} ms`,
  );
}
