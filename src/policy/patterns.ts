/**
 * Branch patterns: globs (`*` stays inside one path segment, `**` crosses `/`, `?` is one
 * character) or regular expressions written `/…/`. Placeholders `{name}` expand to configured
 * branch names and prefixes. Matching is exact and case-sensitive, as git's branch names are.
 *
 * One repository's configuration must never stall the app for the others, so every pattern runs
 * on RE2 (re2js, a pure-JS port): matching takes time linear in the name, whatever the pattern.
 * A glob becomes an RE2 expression too, and a glob without wildcards is compared as plain text.
 * RE2 has no backreferences and no lookaround; a pattern using them is a config error.
 * The work per character is bounded by the size of the compiled program, which is bounded too
 * (MAX_PROGRAM_SIZE), before anything is compiled.
 */
import { RE2JS } from "re2js";

export type Placeholders = Readonly<Record<string, string>>;

export interface CompiledPattern {
  readonly source: string;
  /** The one name a glob without wildcards matches (compared as text, no engine). */
  readonly literal?: string;
  /** The linear-time RE2 program of any other pattern. */
  readonly re2?: RE2JS;
  readonly error?: string;
}

/**
 * Longest pattern accepted, in characters (before placeholders expand). A pattern describes one
 * git ref name (GitHub refuses names over 255 bytes) or one check name, so 256 characters hold
 * any such name plus its wildcards; a longer list of alternatives belongs in several entries.
 */
export const MAX_PATTERN_LENGTH = 256;

/**
 * Largest RE2 program accepted, in instructions (as estimated from the text, an upper bound).
 * Matching costs at most this much work per character of the name. Counted repetition is what
 * makes programs large (`((a|b)?){1000}` is 14 characters and 6,000 instructions), so the size
 * is estimated before compiling, and checked after. `npm run bench` measures patterns built to
 * sit at this limit: at most about 10 ms for one compile and match against a 255-character name,
 * where twice the limit costs up to about 90 ms. Real patterns are far below: `{hotfix}**` is about 10,
 * a regex spelling out a 255-character name about 260.
 */
export const MAX_PROGRAM_SIZE = 500;

/**
 * The budget of a whole configuration: the RE2 program sizes of all its patterns added up. One
 * pattern at MAX_PROGRAM_SIZE costs a few milliseconds to compile; without a total, a config file
 * with thousands of such patterns would hold the process for seconds on every evaluation. 10,000
 * is twenty patterns at the per-pattern limit, or hundreds of ordinary globs.
 */
export const MAX_CONFIG_PROGRAM_SIZE = 10_000;

/**
 * What a pattern adds to MAX_CONFIG_PROGRAM_SIZE, read from its text without compiling it:
 * placeholders count as one literal character, a plain name as 1. A pattern over
 * MAX_PROGRAM_SIZE counts as MAX_PROGRAM_SIZE: it is refused at its own key, before compiling.
 */
export function patternCost(source: string): number {
  if (source.length > MAX_PATTERN_LENGTH) return MAX_PROGRAM_SIZE;
  const isRegex = source.length >= 2 && source.startsWith("/") && source.endsWith("/");
  const text = (isRegex ? source.slice(1, -1) : source).replace(PLACEHOLDER, "x");
  const expression = isRegex ? translateEscapes(text) : /[[\]]/.test(text) ? undefined : globToRe2(text);
  return expression === undefined ? 1 : Math.min(estimateProgramSize(expression), MAX_PROGRAM_SIZE);
}

const PLACEHOLDER = /\{([a-z_]+)\}/g;

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

function expand(source: string, placeholders: Placeholders, quote: (s: string) => string): string | { error: string } {
  let unknown: string | undefined;
  const out = source.replace(PLACEHOLDER, (whole, name: string) => {
    const value = placeholders[name];
    if (value === undefined) {
      unknown ??= whole;
      return whole;
    }
    return quote(value);
  });
  if (unknown) {
    return { error: `unknown placeholder ${unknown}; use one of ${Object.keys(placeholders).map((k) => `{${k}}`).join(", ")}` };
  }
  return out;
}

/** A glob as RE2 syntax; undefined when it has no wildcard (it then names one branch). */
function globToRe2(glob: string): string | undefined {
  let out = "";
  let wild = false;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*" && glob[i + 1] === "*") {
      out += "(?s:.*)";
      wild = true;
      i++;
    } else if (c === "*") {
      out += "[^/]*";
      wild = true;
    } else if (c === "?") {
      out += "[^/]";
      wild = true;
    } else {
      out += escapeRegex(c);
    }
  }
  return wild ? out : undefined;
}

/** JavaScript's `\uXXXX` and `\u{X}` escapes in RE2's spelling, `\x{X}`; every other escape is kept. */
function translateEscapes(body: string): string {
  return body.replace(/\\(?:u\{([0-9A-Fa-f]{1,6})\}|u([0-9A-Fa-f]{4})|[^])/g, (whole, braced?: string, four?: string) => {
    const hex = braced ?? four;
    return hex === undefined ? whole : `\\x{${hex}}`;
  });
}

const COUNTED = /\{(\d+)(?:(,)(\d*))?\}/y;
const FLAGS = /\(\?[imsU-]*\)/y;
const GROUP_SYNTAX = /\?(?:P?<[^>]*>|[imsU-]*:)/y;

/**
 * An upper bound of the RE2 program size of `re`, read from its text (a property test holds it
 * to re2js's own count): literals, classes and assertions cost one instruction, a group one
 * more (three if capturing), `|` two, `?` one more, `*` and `+` two more, and `x{n,m}` n copies
 * of x and m - n more, each with one more. Invalid syntax is RE2's to report; this only has to be
 * large where the program is.
 */
export function estimateProgramSize(re: string): number {
  interface Frame {
    sum: number;
    last: number;
  }
  const stack: Frame[] = [{ sum: 0, last: 0 }];
  const top = (): Frame => stack[stack.length - 1] as Frame;
  const atom = (w: number) => {
    top().sum += w;
    top().last = w;
  };
  const repeat = (w: number) => {
    top().sum += w - top().last;
    top().last = w;
  };
  let i = 0;
  while (i < re.length) {
    const c = re[i] as string;
    if (c === "\\" && re[i + 1] === "Q") {
      // \Q…\E: literal text, one instruction a character.
      const end = re.indexOf("\\E", i + 2);
      const text = end < 0 ? re.length - i - 2 : end - i - 2;
      if (text > 0) {
        top().sum += text;
        top().last = 1;
      }
      i = end < 0 ? re.length : end + 2;
      continue;
    }
    if (c === "\\") {
      // \p{…}, \P{…}, \x{…} are one instruction; any other escape is two characters.
      i += /[pPx]/.test(re[i + 1] ?? "") && re[i + 2] === "{" ? Math.max(re.indexOf("}", i) + 1 - i, 2) : 2;
      atom(1);
      continue;
    }
    if (c === "[") {
      i = skipClass(re, i);
      atom(1);
      continue;
    }
    if (c === "(") {
      FLAGS.lastIndex = i;
      if (FLAGS.test(re)) {
        // `(?i)` sets flags: no instruction, and a repetition after it applies to what came before.
        i = FLAGS.lastIndex;
        continue;
      }
      // A capturing group costs two instructions, any group one if empty; `(?:`, `(?P<n>`, `(?i:` are syntax.
      GROUP_SYNTAX.lastIndex = i + 1;
      const syntax = GROUP_SYNTAX.exec(re);
      const capturing = syntax === null || syntax[0].endsWith(">");
      stack.push({ sum: capturing ? 3 : 1, last: 0 });
      i = syntax ? GROUP_SYNTAX.lastIndex : i + 1;
      continue;
    }
    if (c === ")") {
      const group = stack.length > 1 ? (stack.pop() as Frame) : { sum: 0 };
      atom(group.sum);
      i++;
      continue;
    }
    if (c === "|") {
      top().sum += 2;
      top().last = 0;
      i++;
      continue;
    }
    if (c === "*" || c === "+" || c === "?") {
      repeat(top().last + (c === "?" ? 1 : 2)); // a loop over what may match empty takes one more
      i++;
      continue;
    }
    if (c === "{") {
      COUNTED.lastIndex = i;
      const m = COUNTED.exec(re);
      if (m) {
        // RE2 writes x{n,m} as n copies of x and m - n optional ones; x{n,} as n copies and a star.
        const w = top().last;
        const min = Number(m[1]);
        const optional = m[2] === undefined ? 0 : m[3] ? Math.max(Number(m[3]) - min, 0) : 1; // {n,}: one looping copy
        repeat(Math.max(min * w + optional * (w + 1) + (m[2] !== undefined && !m[3] ? 1 : 0), 1));
        i = COUNTED.lastIndex;
        continue;
      }
    }
    atom(1);
    i++;
  }
  // Unclosed groups still count; plus the program's own start, match and fail instructions.
  return stack.reduce((acc, f) => acc + f.sum, 0) + 3;
}

/** The index just past the character class opening at `start` (or the end of the text). */
function skipClass(re: string, start: number): number {
  let i = start + 1;
  if (re[i] === "^") i++;
  if (re[i] === "]") i++;
  while (i < re.length && re[i] !== "]") {
    if (re[i] === "\\") i += 2;
    else if (re[i] === "[" && re[i + 1] === ":") i = Math.max(re.indexOf(":]", i + 2) + 2, i + 1);
    else i++;
  }
  return i + 1;
}

const UNSUPPORTED = /\(\?<?[=!]|\\[1-9]|\\k</;

function compileRe2(source: string, expression: string): CompiledPattern {
  const estimate = estimateProgramSize(expression);
  if (estimate > MAX_PROGRAM_SIZE) return { source, error: tooComplex(`about ${estimate}`) };
  let re2: RE2JS;
  try {
    re2 = RE2JS.compile(expression);
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).replace(/^error parsing regexp: /, "");
    const hint = UNSUPPORTED.test(expression) ? " (lookaround and backreferences are not supported: patterns are matched in linear time, by RE2)" : "";
    return { source, error: `invalid regular expression: ${message}${hint}` };
  }
  const size = re2.programSize();
  if (size > MAX_PROGRAM_SIZE) return { source, error: tooComplex(String(size)) };
  return { source, re2 };
}

const tooComplex = (size: string): string =>
  `pattern too complex: it compiles to ${size} instructions, more than ${MAX_PROGRAM_SIZE} (large counted repetitions such as {100} multiply the size)`;

export function compilePattern(source: string, placeholders: Placeholders): CompiledPattern {
  if (source.length > MAX_PATTERN_LENGTH) {
    return { source, error: `pattern too long: ${source.length} characters, more than ${MAX_PATTERN_LENGTH}` };
  }
  const isRegex = source.length >= 2 && source.startsWith("/") && source.endsWith("/");
  const expanded = expand(isRegex ? source.slice(1, -1) : source, placeholders, escapeRegex);
  if (typeof expanded !== "string") return { source, error: expanded.error };
  if (isRegex) return compileRe2(source, translateEscapes(expanded));
  const pieces: string[] = [];
  let literal = "";
  let wild = false;
  let last = 0;
  for (const m of source.matchAll(PLACEHOLDER)) {
    pieces.push(source.slice(last, m.index), m[0]);
    last = m.index + m[0].length;
  }
  pieces.push(source.slice(last));
  let expression = "";
  for (const [index, piece] of pieces.entries()) {
    if (index % 2 === 1) {
      // A placeholder: its value is literal text, whatever its characters.
      const value = placeholders[piece.slice(1, -1)] ?? "";
      expression += escapeRegex(value);
      literal += value;
      continue;
    }
    if (/[[\]]/.test(piece)) return { source, error: "character classes ([…]) are not supported in globs; use a /regex/" };
    const re2 = globToRe2(piece);
    wild ||= re2 !== undefined;
    expression += re2 ?? escapeRegex(piece);
    literal += piece;
  }
  if (!wild) return { source, literal };
  return compileRe2(source, expression);
}

export function matches(pattern: CompiledPattern, name: string): boolean {
  if (pattern.literal !== undefined) return name === pattern.literal;
  return pattern.re2 !== undefined && pattern.re2.testExact(name);
}
