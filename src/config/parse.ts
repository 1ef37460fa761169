/**
 * Turning the raw, merged YAML object into a validated Config, with messages a person can act on.
 * Pure: no I/O.
 */
import type { z } from "zod";
import { MAX_CONFIG_PROGRAM_SIZE, patternCost } from "../policy/patterns.js";
import { compileConfig, type CompiledConfig } from "./compile.js";
import { CONFIG_PATH, configObject, configSchema, DEFAULT_CONFIG, type Config } from "./schema.js";

export interface ConfigIssue {
  /** Key path in the file, e.g. `flows[0].from`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: CompiledConfig; readonly fromFile: boolean }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[]; readonly config: CompiledConfig };

/** Keys are echoed in the check output: a longer one is shortened (MAX_PATTERN_LENGTH bounds real ones). */
const MAX_KEY_ECHO = 80;
const shorten = (key: string): string => (key.length > MAX_KEY_ECHO ? `${key.slice(0, MAX_KEY_ECHO)}…` : key);

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${shorten(String(key))}` : shorten(String(key))), "");
}

function describe(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      path: formatPath([...path, key]),
      message: `unknown key "${shorten(key)}"`,
    }));
  }
  // A record key's own issues (e.g. a `protection` key too long), at the key's path.
  if (issue.code === "invalid_key") return issue.issues.flatMap((inner) => describe(inner, path));
  if (issue.code === "invalid_union") {
    // The alternatives the value has the type of say what is wrong with it (a check given by name
    // or as `{ name, app }`); "Invalid input" only when it has the type of none.
    const relevant = issue.errors.flat().filter((inner) => !(inner.code === "invalid_type" && inner.path.length === 0));
    if (relevant.length > 0) return relevant.flatMap((inner) => describe(inner, path));
  }
  return [{ path: formatPath(path), message: issue.message }];
}

/** The defaults, compiled once for the process. */
export const DEFAULT_COMPILED: CompiledConfig = compileConfig(DEFAULT_CONFIG);

/** `raw` is null when no config file exists anywhere: the defaults apply. */
export function parseConfig(raw: unknown): ConfigResult {
  if (raw === null || raw === undefined) return { ok: true, config: DEFAULT_COMPILED, fromFile: false };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, config: DEFAULT_COMPILED, issues: [{ path: "", message: `${CONFIG_PATH} must be a YAML mapping of keys to values` }] };
  }
  // Checked on the raw file before any pattern is compiled: a file of thousands of patterns is
  // refused in the time it takes to read their text.
  const budget = patternBudgetIssue(raw as Record<string, unknown>);
  if (budget) return { ok: false, config: compileConfig(bestEffortConfig(raw)), issues: [budget] };
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, config: compileConfig(bestEffortConfig(raw)), issues: parsed.error.issues.flatMap((issue) => describe(issue)) };
  const config = compileConfig(parsed.data);
  // The schema checks patterns with stand-in branch names; the real names can still make one
  // too complex. A pattern that does not compile would match nothing: fail instead.
  const issues = compileIssues(config);
  return issues.length ? { ok: false, config: compileConfig(bestEffortConfig(raw)), issues } : { ok: true, config, fromFile: true };
}

/** Every pattern that did not compile with the file's real branch names, at its key. */
function compileIssues(config: CompiledConfig): ConfigIssue[] {
  const c = config.compiled;
  const at = (path: string, pattern: { readonly error?: string | undefined }): ConfigIssue[] => (pattern.error ? [{ path, message: pattern.error }] : []);
  return [
    ...c.governed.flatMap((p, i) => at(`governed[${i}]`, p)),
    ...c.upToDate.flatMap((p, i) => at(`up_to_date[${i}]`, p)),
    ...c.flows.flatMap((f, i) => [...at(`flows[${i}].from`, f.from), ...at(`flows[${i}].into`, f.into), ...f.except.flatMap((e, j) => at(`flows[${i}].except[${j}]`, e))]),
    ...Object.entries(c.required).flatMap(([flow, checks]) => checks.flatMap((r, i) => at(`validation.${flow}.required[${i}].name`, r.pattern))),
    ...c.protection.flatMap((p) => at(`protection.${p.key}`, p.pattern)),
    ...c.copyLabels.flatMap((p, i) => at(`backport.copy_labels[${i}]`, p)),
    ...c.coupling.flatMap((g, i) => [...g.when.flatMap((p, j) => at(`coupling.groups[${i}].when[${j}]`, p)), ...g.then.flatMap((p, j) => at(`coupling.groups[${i}].then[${j}]`, p))]),
  ];
}

/** Every pattern the file lists, whatever its shape (it has not been validated yet). */
function rawPatterns(raw: Record<string, unknown>): string[] {
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  const field = (value: unknown, key: string): unknown => (value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined);
  const entries = (value: unknown): [string, unknown][] => (value && typeof value === "object" && !Array.isArray(value) ? Object.entries(value) : []);
  const candidates: unknown[] = [
    ...list(raw.governed),
    ...list(raw.up_to_date),
    ...list(raw.flows).flatMap((f) => [field(f, "from"), field(f, "into"), ...list(field(f, "except"))]),
    ...entries(raw.validation).flatMap(([, v]) => list(field(v, "required")).map((r) => (typeof r === "string" ? r : field(r, "name")))),
    ...entries(raw.protection).map(([key]) => key),
    ...list(field(raw.backport, "copy_labels")),
    ...list(field(raw.coupling, "groups")).flatMap((g) => [...list(field(g, "when")), ...list(field(g, "then"))]),
  ];
  return candidates.filter((c): c is string => typeof c === "string");
}

function patternBudgetIssue(raw: Record<string, unknown>): ConfigIssue | undefined {
  let cost = 0;
  for (const source of rawPatterns(raw)) {
    cost += patternCost(source);
    if (cost > MAX_CONFIG_PROGRAM_SIZE) break; // over is over: the rest need not be read
  }
  if (cost <= MAX_CONFIG_PROGRAM_SIZE) return undefined;
  return {
    path: "",
    message: `the patterns of this file add up to more than ${MAX_CONFIG_PROGRAM_SIZE} RE2 instructions; use fewer or simpler patterns (large counted repetitions such as {100} cost the most)`,
  };
}

/**
 * With a broken file we still need to know which PRs to fail: use whatever of `branches`
 * and `governed` is valid, so a renamed production branch still receives the failing check.
 */
function bestEffortConfig(raw: object): Config {
  const r = raw as Record<string, unknown>;
  const branches = configObject.shape.branches.safeParse(r.branches);
  // `governed` on its own budget: a file over the whole budget may still name its targets.
  const governedCost = (Array.isArray(r.governed) ? r.governed : []).reduce<number>((sum, g) => sum + (typeof g === "string" ? patternCost(g) : 0), 0);
  const governed = governedCost <= MAX_CONFIG_PROGRAM_SIZE ? configObject.shape.governed.safeParse(r.governed) : undefined;
  return {
    ...DEFAULT_CONFIG,
    ...(branches.success ? { branches: branches.data } : {}),
    governed: [...new Set([...DEFAULT_CONFIG.governed, ...(governed?.success ? governed.data : [])])],
  };
}
