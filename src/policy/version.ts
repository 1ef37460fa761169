/**
 * Versioning decisions, pure: which tags are versions, which one is the previous version of a
 * merge commit, how much to bump and why, and whether the next version is safe to create.
 *
 * GitHub's tags are the truth. Every tag is read (never only the first page), only strict
 * semver tags with the configured prefix count, and the previous version is the highest one
 * that is an ancestor of the commit being released (not merely the highest in the repository).
 */
import semver from "semver";
import type { FlowKind } from "../config/schema.js";

export type Bump = "major" | "minor" | "patch";

export interface VersionTag {
  /** The tag name, e.g. `v1.2.3`. */
  readonly tag: string;
  /** The version without prefix, e.g. `1.2.3`. */
  readonly version: string;
}

export interface VersionOptions {
  readonly prefix: string;
  readonly includePrereleases: boolean;
}

export interface ParsedTags {
  /** Version tags, highest first. */
  readonly versions: readonly VersionTag[];
  /** Tags that are not `<prefix><strict semver>`: ignored, and mentioned in the notes. */
  readonly ignored: readonly string[];
  /** Prerelease tags skipped because `include_prereleases` is off. */
  readonly skippedPrereleases: readonly string[];
}

/** The version a tag name carries, or null: `<prefix>` then a strict semver without build metadata. */
export function versionOfTag(tag: string, prefix: string): string | null {
  if (!tag.startsWith(prefix)) return null;
  const rest = tag.slice(prefix.length);
  // semver.valid accepts a leading "v" and drops build metadata; require the exact text back.
  return semver.valid(rest) === rest ? rest : null;
}

export function parseVersionTags(tags: readonly string[], options: VersionOptions): ParsedTags {
  const versions: VersionTag[] = [];
  const ignored: string[] = [];
  const skippedPrereleases: string[] = [];
  for (const tag of new Set(tags)) {
    const version = versionOfTag(tag, options.prefix);
    if (version === null) ignored.push(tag);
    else if (semver.prerelease(version) && !options.includePrereleases) skippedPrereleases.push(tag);
    else versions.push({ tag, version });
  }
  versions.sort((a, b) => semver.rcompare(a.version, b.version) || (a.tag < b.tag ? -1 : 1));
  return { versions, ignored: ignored.sort(), skippedPrereleases: skippedPrereleases.sort() };
}

/** How a tagged commit relates to the commit being released (GitHub's compare `tag...commit` status). */
export type Relation = "identical" | "ancestor" | "unrelated";

export function relationOfCompareStatus(status: string): Relation {
  if (status === "identical") return "identical";
  if (status === "ahead") return "ancestor";
  return "unrelated"; // "behind" (the tag is on a descendant) or "diverged"
}

export interface AncestorSearch {
  /** The highest version tag that is an ancestor of (or points at) the commit; null when none. */
  readonly previous: VersionTag | null;
  /** True when `previous` points at the commit itself: it is already released. */
  readonly atCommit: boolean;
  /** How many candidates were checked (each costs one compare). */
  readonly checked: number;
  /** The search stopped at `maxChecks` without an answer. */
  readonly exhausted: boolean;
}

/**
 * Checks candidates from the highest version down and stops at the first ancestor: usually one
 * compare. `relation` is the only I/O, injected so the search itself stays pure and testable.
 */
export async function findHighestAncestor(
  versions: readonly VersionTag[],
  relation: (candidate: VersionTag) => Promise<Relation>,
  maxChecks = 25,
): Promise<AncestorSearch> {
  let checked = 0;
  for (const candidate of versions) {
    if (checked >= maxChecks) return { previous: null, atCommit: false, checked, exhausted: true };
    checked++;
    const r = await relation(candidate);
    if (r !== "unrelated") return { previous: candidate, atCommit: r === "identical", checked, exhausted: false };
  }
  return { previous: null, atCommit: false, checked, exhausted: false };
}

export interface ReleaseLabels {
  readonly major: string;
  readonly minor: string;
  readonly patch: string;
  readonly revert: string;
}

export interface BumpInput {
  /** The flow the merged PR took, or null when no flow allows it (e.g. an admin merge). */
  readonly flow: { readonly name: string; readonly kind: FlowKind } | null;
  readonly source: string;
  readonly title: string;
  readonly body: string;
  /** Label names read from the API at merge time. */
  readonly labels: readonly string[];
  readonly labelNames: ReleaseLabels;
  /** The PR is a rollback (see detectRevert). */
  readonly revert: boolean;
}

/** Why the bump is what it is, as data; render/release.ts `bumpReasonText` says it (and that text is stored in the tag). */
export type BumpCause =
  /** A release label; `outranks` are the lower ones also set. */
  | { readonly kind: "label"; readonly label: string; readonly outranks: readonly string[] }
  | { readonly kind: "revert" }
  | { readonly kind: "breaking-title" }
  | { readonly kind: "breaking-body" }
  /** By the flow: a sync is a minor, a hotfix a patch ("hotfix → patch" is decided here). */
  | { readonly kind: "sync" | "hotfix" | "other-flow"; readonly flow: string; readonly source: string }
  /** Not an allowed flow (merged anyway, e.g. by an admin): treated as a fix. */
  | { readonly kind: "no-flow"; readonly source: string };

export interface BumpDecision {
  readonly bump: Bump;
  readonly cause: BumpCause;
}

const BUMP_ORDER: readonly Bump[] = ["major", "minor", "patch"];

/** `feat!: x`, `fix(api)!: y`: a conventional-commit type marked as breaking. */
export const BREAKING_TITLE = /^[A-Za-z]+(\([^()\r\n]*\))?!:/;
const BREAKING_BODY = /\bBREAKING[ -]CHANGE\b/;

/**
 * The bump, by precedence: a release label (a person's explicit decision; the highest wins when
 * several are set), then a rollback (patch), then a breaking-change marker (major), then the flow.
 */
export function decideBump(input: BumpInput): BumpDecision {
  const labels = new Set(input.labels);
  const labelled = BUMP_ORDER.filter((b) => labels.has(input.labelNames[b]));
  const top = labelled[0];
  if (top) return { bump: top, cause: { kind: "label", label: input.labelNames[top], outranks: labelled.slice(1).map((b) => input.labelNames[b]) } };
  if (input.revert) return { bump: "patch", cause: { kind: "revert" } };
  if (BREAKING_TITLE.test(input.title.trim())) return { bump: "major", cause: { kind: "breaking-title" } };
  if (BREAKING_BODY.test(input.body)) return { bump: "major", cause: { kind: "breaking-body" } };
  const { flow, source } = input;
  if (flow?.kind === "sync") return { bump: "minor", cause: { kind: "sync", flow: flow.name, source } };
  if (flow?.kind === "hotfix") return { bump: "patch", cause: { kind: "hotfix", flow: flow.name, source } };
  if (flow) return { bump: "patch", cause: { kind: "other-flow", flow: flow.name, source } };
  return { bump: "patch", cause: { kind: "no-flow", source } };
}


/** Why no next version can be computed (render/release.ts says it). */
export type VersionProblem =
  | { readonly code: "cannot-bump"; readonly from: string; readonly bump: Bump }
  /** `next` would not be above `highest`, a version tagged outside this commit's history. */
  | { readonly code: "version-conflict"; readonly previous: string | null; readonly next: string; readonly highest: string };

export type NextVersion =
  | { readonly ok: true; readonly version: string; readonly tag: string; readonly previous: VersionTag | null }
  | { readonly ok: false; readonly problem: VersionProblem };

/**
 * The next version: the previous (highest ancestor) version bumped, or the initial version when
 * none exists. Refuses to guess when the result would not be above every version tagged in the
 * repository, on any branch: a tag that sorts after ours on another line of history means the
 * history is not what versioning assumes, and a person must decide.
 */
export function nextVersion(
  state: { readonly previous: VersionTag | null; readonly versions: readonly VersionTag[] },
  bump: Bump,
  options: { readonly prefix: string; readonly initialVersion: string },
): NextVersion {
  const version = state.previous ? semver.inc(state.previous.version, bump) : options.initialVersion;
  if (!version || semver.valid(version) !== version) {
    return { ok: false, problem: { code: "cannot-bump", from: state.previous?.tag ?? options.initialVersion, bump } };
  }
  const highest = state.versions.reduce<VersionTag | null>((h, v) => (!h || semver.gt(v.version, h.version) ? v : h), null);
  if (highest && !semver.gt(version, highest.version)) {
    return { ok: false, problem: { code: "version-conflict", previous: state.previous?.tag ?? null, next: `${options.prefix}${version}`, highest: highest.tag } };
  }
  return { ok: true, version, tag: `${options.prefix}${version}`, previous: state.previous };
}
