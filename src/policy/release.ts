/**
 * Release decisions and data, pure: rollback detection, the validation evidence, approvers, what
 * a release includes, the predecessors a merge must wait for, the tag's machine-readable metadata
 * and the facts the release notes are rendered from.
 */
import semver from "semver";
import type { CompiledCheck } from "../config/compile.js";
import type { ReleaseCoupling } from "./coupling.js";
import { checkName } from "./evaluation.js";
import { latestByName } from "./gate.js";
import { matches } from "./patterns.js";
import type { ObservedCheck } from "./types.js";

// ---------------------------------------------------------------------------------------------
// Rollback as roll-forward

export interface RevertInfo {
  /** The tag of the release it reverts, when the PR names it (`v1.2.3` in the title or body). */
  readonly tag: string | null;
  /** The PR it reverts (`This reverts #N`, `Reverts owner/repo#N`), to look its release up. */
  readonly pullNumber: number | null;
  /** Why it counts as a rollback: GitHub's revert title, or the label (render/release.ts revertWhyText). */
  readonly cause: RevertCause;
}

export type RevertCause = { readonly kind: "title" } | { readonly kind: "label"; readonly label: string };

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** A rollback PR: GitHub's `Revert "…"` title or the revert label. Null when it is not one. */
export function detectRevert(
  pr: { readonly title: string; readonly body: string; readonly labels: readonly string[] },
  options: { readonly revertLabel: string; readonly prefix: string; readonly repoFullName: string },
): RevertInfo | null {
  const byTitle = /^Revert "/.test(pr.title);
  const byLabel = pr.labels.includes(options.revertLabel);
  if (!byTitle && !byLabel) return null;
  const text = `${pr.title}\n${pr.body}`;
  const versionPattern = new RegExp(
    `(?<![0-9A-Za-z.])${escapeRegex(options.prefix)}(\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?)(?![0-9A-Za-z])`,
    "g",
  );
  let tag: string | null = null;
  for (const m of text.matchAll(versionPattern)) {
    const version = m[1] ?? "";
    if (semver.valid(version) === version) {
      tag = `${options.prefix}${version}`;
      break;
    }
  }
  let pullNumber: number | null = null;
  const refs = /\b(?:This reverts|Reverts)\s+(?:([\w.-]+\/[\w.-]+))?#(\d+)/gi;
  for (const m of text.matchAll(refs)) {
    if (m[1] && m[1].toLowerCase() !== options.repoFullName.toLowerCase()) continue;
    pullNumber = Number(m[2]);
    break;
  }
  return { tag, pullNumber, cause: byTitle ? { kind: "title" } : { kind: "label", label: options.revertLabel } };
}

// ---------------------------------------------------------------------------------------------
// Evidence

export interface EvidenceRow {
  /** The configured requirement, e.g. `inference-tests`. */
  readonly name: string;
  readonly app?: string | undefined;
  /** Matching results on the PR head (latest per name, from the pinned app when set). */
  readonly head: readonly ObservedCheck[];
  /** Matching results on the merge commit; empty when none reported there. */
  readonly merge: readonly ObservedCheck[];
}

const reporterMatches = (check: ObservedCheck, app: string): boolean =>
  check.source === "check_run" ? check.reporter === app : check.reporter === `${app}[bot]` || check.reporter === app;

function matching(req: CompiledCheck, observed: readonly ObservedCheck[]): ObservedCheck[] {
  // The pinned app's results first, then the latest of those: a look-alike never hides the real one.
  const named = observed.filter((c) => (c.name === req.name || matches(req.pattern, c.name)) && (!req.app || reporterMatches(c, req.app)));
  return latestByName(named).sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** One row per required check of the flow, with its results on the PR head and the merge commit. */
export function collectEvidence(required: readonly CompiledCheck[], head: readonly ObservedCheck[], merge: readonly ObservedCheck[]): EvidenceRow[] {
  return required.map((req) => ({ name: req.name, app: req.app, head: matching(req, head), merge: matching(req, merge) }));
}

/** Required checks still queued or running on the merge commit: the notes say so and are updated later. */
export function runningOnMerge(evidence: readonly EvidenceRow[]): string[] {
  return evidence.flatMap((row) => row.merge.filter((c) => c.status !== "completed").map((c) => c.name));
}

/** Does a check name matter for release evidence under some flow's requirements (`config.compiled.evidence`)? */
export function isEvidenceCheck(name: string, requirements: readonly CompiledCheck[]): boolean {
  return requirements.some((req) => req.name === name || matches(req.pattern, name));
}

/** Our check run on the PR head, as far as the bypass decision needs it. */
export interface CheckRunVerdict {
  readonly status: string;
  readonly conclusion: string | null;
}

/** A merge without our check's `success` on its head was an admin bypass: the notes say so. */
export function decideBypass(ours: CheckRunVerdict | undefined, production: string): ReleaseNotesData["bypass"] {
  if (ours?.status === "completed" && ours.conclusion === "success") return undefined;
  return { check: checkName(production), conclusion: ours?.conclusion ?? null };
}

// ---------------------------------------------------------------------------------------------
// Reviews, included changes, predecessors

export interface ReviewFact {
  readonly id: number;
  readonly user: string | null;
  readonly state: string;
}

/** Approvers: each reviewer's latest review that counts (comments and pending reviews do not) is APPROVED. */
export function approversOf(reviews: readonly ReviewFact[]): string[] {
  const latest = new Map<string, ReviewFact>();
  for (const r of [...reviews].sort((a, b) => a.id - b.id)) {
    if (!r.user || r.state === "COMMENTED" || r.state === "PENDING") continue;
    latest.set(r.user, r);
  }
  return [...latest.values()].filter((r) => r.state === "APPROVED").map((r) => r.user as string).sort();
}

export interface CommitFact {
  readonly sha: string;
  readonly message: string;
  readonly author: string | null;
  readonly parents: readonly string[];
}

export interface IncludedPull {
  readonly number: number;
  readonly title: string | null;
}

/** PRs named by merge commits (`Merge pull request #N …`) and squash titles (`… (#N)`), oldest first. */
export function pullsFromCommits(commits: readonly CommitFact[], exclude: number): IncludedPull[] {
  const found = new Map<number, IncludedPull>();
  for (const c of commits) {
    const [first = "", ...rest] = c.message.split("\n");
    const merge = first.match(/^Merge pull request #(\d+)\b/);
    const squash = first.match(/^(.*)\s\(#(\d+)\)$/);
    if (merge) {
      const title = rest.join("\n").trim().split("\n")[0] ?? "";
      add(found, Number(merge[1]), title || null, exclude);
    } else if (squash) {
      add(found, Number(squash[2]), squash[1]?.trim() || null, exclude);
    }
  }
  return [...found.values()];
}

function add(found: Map<number, IncludedPull>, n: number, title: string | null, exclude: number): void {
  if (n !== exclude && !found.has(n)) found.set(n, { number: n, title });
}

/**
 * The production commits between the previous version and this merge along the first-parent
 * chain, oldest first, without the merge itself. A merge of another PR among them must be
 * versioned first, so versions follow history whatever order webhooks arrive in.
 * `commits` are the compare's commits (those in the merge, not in the previous version).
 */
export function firstParentPredecessors(mergeSha: string, commits: readonly CommitFact[]): string[] {
  const bySha = new Map(commits.map((c) => [c.sha, c]));
  const chain: string[] = [];
  let current = bySha.get(mergeSha)?.parents[0];
  while (current && bySha.has(current) && !chain.includes(current)) {
    chain.push(current);
    current = bySha.get(current)?.parents[0];
  }
  return chain.reverse();
}

// ---------------------------------------------------------------------------------------------
// Tag metadata

export const METADATA_HEADER = "branch-steward release metadata:";

export interface TagMetadata {
  readonly version: string;
  readonly tag: string;
  readonly previous: string | null;
  readonly pull: number;
  readonly merge_sha: string;
  readonly bump: string;
  readonly bump_reason: string;
  readonly flow: string | null;
  readonly reverts: string | null;
  readonly bypassed_check: boolean;
  readonly evidence: readonly {
    readonly name: string;
    readonly on: "head" | "merge";
    readonly status: string;
    readonly conclusion: string | null;
    readonly url: string | null;
    readonly completed_at: string | null;
  }[];
}

export function evidenceMetadata(rows: readonly EvidenceRow[]): TagMetadata["evidence"] {
  return rows.flatMap((row) =>
    (["head", "merge"] as const).flatMap((on) =>
      row[on].map((c) => ({ name: c.name, on, status: c.status, conclusion: c.conclusion, url: c.url, completed_at: c.completedAt })),
    ),
  );
}

/** The metadata in an annotated tag's message, or null when the tag was not made by branch-steward. */
export function parseTagMetadata(message: string | null): TagMetadata | null {
  if (!message) return null;
  const at = message.indexOf(METADATA_HEADER);
  if (at < 0) return null;
  try {
    const data = JSON.parse(message.slice(at + METADATA_HEADER.length)) as Partial<TagMetadata>;
    if (typeof data.tag !== "string" || typeof data.pull !== "number" || typeof data.merge_sha !== "string") return null;
    return data as TagMetadata;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Release notes data

export const REVERTED_BY_MARKER = "<!-- branch-steward:reverted-by ";

/** Tags that reverted this release, as recorded in its current body (kept when the notes are re-rendered). */
export function revertedByIn(body: string | null): string[] {
  const out: string[] = [];
  for (const m of (body ?? "").matchAll(/<!-- branch-steward:reverted-by (\S+) -->/g)) if (m[1] && !out.includes(m[1])) out.push(m[1]);
  return out;
}

export interface ReleaseNotesData {
  readonly repoHtmlUrl: string;
  readonly tag: string;
  readonly previous: string | null;
  readonly bumpReason: string;
  readonly pull: {
    readonly number: number;
    readonly title: string;
    readonly url: string;
    readonly author: string | null;
    readonly mergedBy: string | null;
    readonly mergedAt: string | null;
    readonly approvers: readonly string[];
  };
  readonly flow: string | null;
  readonly mergeSha: string;
  readonly headSha: string;
  readonly includedPulls: readonly IncludedPull[];
  readonly commits: readonly CommitFact[];
  readonly totalCommits: number;
  readonly evidence: readonly EvidenceRow[];
  /** Null when the flow has no required checks configured. */
  readonly validationFlow: string | null;
  readonly runningOnMerge: readonly string[];
  /** Our check's conclusion on the PR head when it was not `success` (an admin bypass); undefined otherwise. */
  readonly bypass?: { readonly check: string; readonly conclusion: string | null } | undefined;
  readonly reverts?: { readonly tag: string | null; readonly why: string } | undefined;
  readonly revertedBy: readonly string[];
  readonly ignoredTags: readonly string[];
  /** The coupled groups the released PR touched (policy/coupling.ts); absent without groups. */
  readonly coupling?: ReleaseCoupling | undefined;
}
