/**
 * Coupled components: named groups of paths that must change together ("when `models/**`
 * changes, `features/**` or `configs/model_registry.yaml` must change too"). Pure: the shell
 * reads the changed files, the exception facts and, for a sync, the PRs it ships; this decides.
 *
 * - A renamed file counts for its old and its new path.
 * - `require: any`: one changed file matching any pattern of the needed side satisfies it;
 *   `require: all`: every pattern of the needed side must match a changed file.
 * - `direction: both`: a change to either side needs the other; `one_way`: only `when` needs `then`.
 * - A file matching patterns of both sides counts for both.
 * - Exceptions: the configured label, applied by someone with write access, accepts every broken
 *   group; a body line `<prefix>: <group> — <reason>` accepts one group when the PR author has
 *   write access. The label's reason is the body line for that group, whoever wrote it.
 */
import type { CompiledCouplingGroup } from "../config/compile.js";
import { matches, type CompiledPattern } from "./patterns.js";

/** GitHub lists at most this many files of a PR (`GET /pulls/{n}/files`). */
export const MAX_PULL_FILES = 3000;

export type Side = "when" | "then";
export const otherSide = (side: Side): Side => (side === "when" ? "then" : "when");

/** A file of a PR or a sync as GitHub lists it: `previous_filename` when renamed. */
export interface ChangedFile {
  readonly filename: string;
  readonly previousFilename?: string | null | undefined;
}

/** Every path a change touches: both the old and the new path of a rename; unique and sorted. */
export function changedPaths(files: readonly ChangedFile[]): string[] {
  const paths = new Set<string>();
  for (const f of files) {
    paths.add(f.filename);
    if (f.previousFilename) paths.add(f.previousFilename);
  }
  return [...paths].sort();
}

/** What the changed paths do on one side of a group. */
export interface SideMatch {
  /** Changed paths matching any pattern of the side, sorted. */
  readonly files: readonly string[];
  /** The side's patterns that no changed path matches, in config order. */
  readonly missing: readonly string[];
}

/** The text every path a glob matches starts with: up to its first wildcard (empty for a /regex/). */
function literalPrefix(source: string): string {
  if (source.length >= 2 && source.startsWith("/") && source.endsWith("/")) return "";
  const wild = source.search(/[*?{]/);
  return wild < 0 ? source : source.slice(0, wild);
}

/** The index of the first path not below `prefix` in sorted order. */
function lowerBound(sorted: readonly string[], prefix: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < prefix) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The paths of `sorted` (unique, in code-unit order) that `pattern` matches: only those starting
 * with its literal prefix are tried, so `models/**` looks at the `models/` paths alone. `budget`
 * counts the paths tried; `first` stops at the first match.
 */
function matching(pattern: CompiledPattern, sorted: readonly string[], o: { first?: boolean; budget?: { left: number } } = {}): string[] {
  const prefix = literalPrefix(pattern.source);
  const out: string[] = [];
  for (let i = lowerBound(sorted, prefix); i < sorted.length && (sorted[i] as string).startsWith(prefix); i++) {
    if (o.budget && --o.budget.left < 0) break;
    if (matches(pattern, sorted[i] as string)) {
      out.push(sorted[i] as string);
      if (o.first) break;
    }
  }
  return out;
}

const sortedUnique = (paths: readonly string[]): string[] => [...new Set(paths)].sort();

function sideMatch(patterns: readonly CompiledPattern[], sorted: readonly string[]): SideMatch {
  const perPattern = patterns.map((pattern) => matching(pattern, sorted));
  const files = sortedUnique(perPattern.flat());
  const missing = patterns.filter((_, i) => (perPattern[i] as string[]).length === 0).map((p) => p.source);
  return { files, missing };
}

const touched = (m: SideMatch): boolean => m.files.length > 0;
const satisfies = (m: SideMatch, require: CompiledCouplingGroup["require"]): boolean => (require === "any" ? touched(m) : m.missing.length === 0);

/** An exception that counts: who accepted it, how and why (null when no reason was written). */
export interface AcceptedException {
  readonly via: "label" | "body";
  readonly by: string;
  readonly reason: string | null;
  readonly label?: string;
}

/** An exception that was declared but does not count, and why. */
export interface IgnoredException {
  readonly via: "label" | "body";
  /** Who applied the label or wrote the line; null when GitHub did not say. */
  readonly by: string | null;
  readonly why: "no-write-access" | "unknown-actor";
  readonly label?: string;
}

/** A `<prefix>: <group> — <reason>` line of the PR body. */
export interface BodyException {
  readonly group: string;
  readonly reason: string;
}

/** What the shell read about exceptions on the PR. */
export interface ExceptionFacts {
  /** The exception label, when the PR carries it: who applied it last, and whether they have write access. */
  readonly label: { readonly name: string; readonly appliedBy: string | null; readonly writer: boolean } | null;
  readonly lines: readonly BodyException[];
  readonly author: string | null;
  /** Whether the PR author has write access (body lines count only then). */
  readonly authorWriter: boolean;
}

export const NO_EXCEPTIONS: ExceptionFacts = { label: null, lines: [], author: null, authorWriter: false };

const DASH = "(?:—|–|--?|:)";

/**
 * The exception lines of a PR body: `<prefix>: <group> — <reason>` (an em or en dash, `-`, `--`
 * or `:` between group and reason; the prefix in any case). A line without a reason is not one.
 */
export function parseExceptionLines(body: string, prefix: string): BodyException[] {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const line = new RegExp(`^\\s*${escaped}\\s*:\\s*([A-Za-z0-9][A-Za-z0-9._-]*)\\s+${DASH}\\s*(\\S.*?)\\s*$`, "i");
  const found: BodyException[] = [];
  for (const text of body.split(/\r?\n/).slice(0, 5000)) {
    const m = text.length <= 2000 ? line.exec(text) : null;
    if (m) found.push({ group: m[1] as string, reason: (m[2] as string).slice(0, 500) });
  }
  return found;
}

/** A label or body change of a PR, from its webhook. */
export interface PullChange {
  readonly action: "labeled" | "unlabeled" | "edited";
  readonly label?: string | undefined;
  /** For `edited`: the body before (GitHub's `changes.body.from`) and after; absent when the body did not change. */
  readonly body?: { readonly from: string; readonly to: string } | undefined;
}

/**
 * Whether a label or body change can alter the coupling rows: with groups configured, the
 * exception label coming or going, or a body edit that changes its exception lines.
 */
export function couplingChangeMatters(change: PullChange, config: { readonly groups: number; readonly label: string; readonly bodyLine: string }): boolean {
  if (config.groups === 0) return false;
  if (change.action !== "edited") return change.label?.toLowerCase() === config.label.toLowerCase();
  if (!change.body) return false;
  return JSON.stringify(parseExceptionLines(change.body.from, config.bodyLine)) !== JSON.stringify(parseExceptionLines(change.body.to, config.bodyLine));
}

/** Which group a body line names: exact name first, then case-insensitively. */
function lineFor(lines: readonly BodyException[], group: string): BodyException | undefined {
  return lines.find((l) => l.group === group) ?? lines.find((l) => l.group.toLowerCase() === group.toLowerCase());
}

/** The outcome of one group over one change. */
export type GroupState =
  | { readonly state: "untouched" }
  | { readonly state: "satisfied"; readonly when: SideMatch; readonly then: SideMatch }
  | {
      readonly state: "broken";
      /** The side that changed and needs the other. */
      readonly changed: Side;
      readonly when: SideMatch;
      readonly then: SideMatch;
      readonly ignored: readonly IgnoredException[];
    }
  | { readonly state: "excepted"; readonly changed: Side; readonly when: SideMatch; readonly then: SideMatch; readonly exception: AcceptedException };

export type GroupResult = {
  readonly group: string;
  readonly require: CompiledCouplingGroup["require"];
  readonly direction: CompiledCouplingGroup["direction"];
  /** The group's patterns per side, as configured. */
  readonly patterns: { readonly when: readonly string[]; readonly then: readonly string[] };
} & GroupState;

/** One group over the changed paths (sorted, unique), without exceptions. */
function judge(group: CompiledCouplingGroup, paths: readonly string[]): GroupState {
  const when = sideMatch(group.when, paths);
  const then = sideMatch(group.then, paths);
  if (!touched(when) && !touched(then)) return { state: "untouched" };
  if (touched(when) && !satisfies(then, group.require)) return { state: "broken", changed: "when", when, then, ignored: [] };
  if (group.direction === "both" && touched(then) && !satisfies(when, group.require)) return { state: "broken", changed: "then", when, then, ignored: [] };
  return { state: "satisfied", when, then };
}

/** The exception that accepts a broken group, or the declared ones that do not count. */
function except(group: string, facts: ExceptionFacts): { accepted: AcceptedException } | { ignored: IgnoredException[] } {
  const line = lineFor(facts.lines, group);
  const ignored: IgnoredException[] = [];
  if (facts.label) {
    const { name, appliedBy, writer } = facts.label;
    if (appliedBy && writer) return { accepted: { via: "label", by: appliedBy, reason: line?.reason ?? null, label: name } };
    ignored.push({ via: "label", by: appliedBy, why: appliedBy ? "no-write-access" : "unknown-actor", label: name });
  }
  if (line) {
    if (facts.author && facts.authorWriter) return { accepted: { via: "body", by: facts.author, reason: line.reason } };
    ignored.push({ via: "body", by: facts.author, why: facts.author ? "no-write-access" : "unknown-actor" });
  }
  return { ignored };
}

/**
 * Every group that applies to `kind`, over the changed paths, with the exceptions. Groups that
 * do not apply to the flow are left out; untouched ones are kept (the caller counts them).
 */
export function evaluateCoupling(
  groups: readonly CompiledCouplingGroup[],
  paths: readonly string[],
  kind: CompiledCouplingGroup["appliesTo"][number],
  exceptions: ExceptionFacts = NO_EXCEPTIONS,
): GroupResult[] {
  const sorted = sortedUnique(paths);
  return groups
    .filter((g) => g.appliesTo.includes(kind))
    .map((g) => {
      const head = { group: g.name, require: g.require, direction: g.direction, patterns: { when: g.when.map((p) => p.source), then: g.then.map((p) => p.source) } };
      const state = judge(g, sorted);
      if (state.state !== "broken") return { ...head, ...state };
      const decided = except(g.name, exceptions);
      if ("accepted" in decided) return { ...head, state: "excepted", changed: state.changed, when: state.when, then: state.then, exception: decided.accepted };
      return { ...head, ...state, ignored: decided.ignored };
    });
}

/** Whether any of the results is broken (so the shell reads the exception facts). */
export const anyBroken = (results: readonly GroupResult[]): boolean => results.some((r) => r.state === "broken");

/** The groups whose paths a change touches, by name, in config order (release notes). */
export function touchedGroups(groups: readonly CompiledCouplingGroup[], paths: readonly string[]): { readonly group: string; readonly sides: readonly Side[] }[] {
  const sorted = sortedUnique(paths);
  return groups.flatMap((g) => {
    const sides = (["when", "then"] as const).filter((side) => g[side].some((pattern) => matching(pattern, sorted, { first: true }).length > 0));
    return sides.length ? [{ group: g.name, sides }] : [];
  });
}

/** The coupled groups a release touched (its notes list them), or how many files hid them. */
export type ReleaseCoupling = readonly { readonly group: string; readonly sides: readonly Side[] }[] | { readonly tooMany: number };

// ---------------------------------------------------------------------------------------------
// A sync: which PRs changed which side, and whether the missing half is still open

export interface PullRef {
  readonly number: number;
  readonly title: string;
}

/** A PR and the paths it changes (old and new paths of renames). */
export interface PullPaths extends PullRef {
  readonly paths: readonly string[];
}

export interface SyncAttribution {
  /** Merged PRs the sync ships, that changed each side of the group. */
  readonly when: readonly PullRef[];
  readonly then: readonly PullRef[];
  /** For a broken group: open PRs into development that change the missing side. */
  readonly openOther: readonly PullRef[];
  /** PRs whose files could not be read exactly (over GitHub's 3,000 files, or beyond the read budget). */
  readonly unread: number;
}

const ref = (p: PullPaths): PullRef => ({ number: p.number, title: p.title });
const touching = (patterns: readonly CompiledPattern[], pulls: readonly PullPaths[]): PullRef[] =>
  pulls.filter((p) => p.paths.some((path) => patterns.some((pattern) => matches(pattern, path)))).map(ref);

/** Names the PRs behind each side of a group the sync touches, and the open PRs that hold the missing half. */
export function attributeSync(
  group: CompiledCouplingGroup,
  result: GroupResult,
  shipped: readonly PullPaths[],
  open: readonly PullPaths[],
  unread: number,
): SyncAttribution {
  const needed = result.state === "broken" || result.state === "excepted" ? group[otherSide(result.changed)] : [];
  return { when: touching(group.when, shipped), then: touching(group.then, shipped), openOther: touching(needed, open), unread };
}

// ---------------------------------------------------------------------------------------------
// Config warnings: a side that matches nothing in the repository

export interface UnmatchedSide {
  readonly group: string;
  readonly side: Side;
  readonly patterns: readonly string[];
}

/**
 * Paths tried at most when checking a tree (a path tried by two patterns counts twice), about
 * 0.2 s of matching: globs with a literal directory prefix (`models/**`) try only the paths
 * under it, so most configurations stay far below; a tree that needs more (patterns starting
 * with a wildcard, over a large repository) is left unchecked rather than holding the process.
 */
export const TREE_MATCH_BUDGET = 200_000;

/**
 * The sides of groups none of whose patterns matches a path of the repository tree (likely
 * typos), or "too-large" when checking would try more than TREE_MATCH_BUDGET paths.
 */
export function unmatchedSides(groups: readonly CompiledCouplingGroup[], tree: readonly string[]): UnmatchedSide[] | "too-large" {
  const sorted = sortedUnique(tree);
  const budget = { left: TREE_MATCH_BUDGET };
  const found = groups.flatMap((g) =>
    (["when", "then"] as const)
      .filter((side) => !g[side].some((pattern) => matching(pattern, sorted, { first: true, budget }).length > 0))
      .map((side) => ({ group: g.name, side, patterns: g[side].map((p) => p.source) })),
  );
  return budget.left < 0 ? "too-large" : found;
}

// ---------------------------------------------------------------------------------------------
// The rows

/** One coupling row of the check, as data (render/coupling.ts words it). */
/** How an exception is declared (the config's `coupling.exception`), for the "what to do" text. */
export interface ExceptionNames {
  readonly label: string;
  readonly bodyLine: string;
}

export type CouplingFinding =
  | { readonly kind: "group"; readonly result: GroupResult; readonly exception: ExceptionNames; readonly sync?: SyncAttribution }
  | { readonly kind: "none-touched"; readonly groups: number }
  /** More files than GitHub lists (or the list was cut): every group is unknown, the row fails closed. */
  | { readonly kind: "too-many-files"; readonly changedFiles: number; readonly listed: number }
  | { readonly kind: "unmatched"; readonly sides: readonly UnmatchedSide[] }
  /** The tree could not be checked: GitHub truncated it, or it needs more than TREE_MATCH_BUDGET matches. */
  | { readonly kind: "tree-unchecked"; readonly reason: "truncated" | "too-large" };

/** Whether a coupling row fails the check: a broken group, or files GitHub does not list. */
export function couplingOutcome(f: CouplingFinding): "pass" | "fail" {
  if (f.kind === "too-many-files") return "fail";
  return f.kind === "group" && f.result.state === "broken" ? "fail" : "pass";
}

/** The facts the coupling rows come from (read by the shell, see github/coupling-facts.ts). */
export type CouplingFacts =
  | {
      readonly kind: "listed";
      readonly results: readonly GroupResult[];
      readonly exception: ExceptionNames;
      readonly sync?: ReadonlyMap<string, SyncAttribution>;
      readonly unmatched?: readonly UnmatchedSide[] | "truncated" | "too-large";
    }
  | { readonly kind: "too-many-files"; readonly changedFiles: number; readonly listed: number };

/** The rows: touched groups (broken first is the renderer's business), or one row saying none was touched. */
export function couplingFindings(facts: CouplingFacts): CouplingFinding[] {
  if (facts.kind === "too-many-files") return [{ kind: "too-many-files", changedFiles: facts.changedFiles, listed: facts.listed }];
  const touchedResults = facts.results.filter((r) => r.state !== "untouched");
  const rows: CouplingFinding[] = touchedResults.length
    ? touchedResults.map((result) => {
        const sync = facts.sync?.get(result.group);
        return { kind: "group", result, exception: facts.exception, ...(sync ? { sync } : {}) };
      })
    : facts.results.length
      ? [{ kind: "none-touched", groups: facts.results.length }]
      : [];
  if (facts.unmatched === "truncated" || facts.unmatched === "too-large") rows.push({ kind: "tree-unchecked", reason: facts.unmatched });
  else if (facts.unmatched?.length) rows.push({ kind: "unmatched", sides: facts.unmatched });
  return rows;
}
