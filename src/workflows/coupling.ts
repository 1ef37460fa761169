/**
 * Coupled components, the shell: read what policy/coupling.ts needs, in as few requests as the
 * answer allows.
 *
 * - The PR's files: every page, up to GitHub's 3,000 (github/pull-files.ts); one request per 100
 *   files, kept in this process per head SHA and target (a redelivery or a label event reads none).
 * - Exception facts only when a group is broken: who applied the label (the issue events) and
 *   whether they, or the PR author for a body line, have write access.
 * - A sync: the PRs it ships (the compare's merge commits, the same way release notes find them)
 *   and each one's files (merged PRs never change: kept per PR), at most MAX_SYNC_PULLS; and,
 *   when a group is broken, the open PRs into development and their files.
 * - The config warning (a side matching no file): one tree request per head SHA and group set,
 *   kept in this process; a failure to read it only loses the warning.
 */
import type { CompiledConfig, CompiledCouplingGroup } from "../config/compile.js";
import type { FlowKind } from "../config/schema.js";
import { compare } from "../github/compare.js";
import { labeledBy } from "../github/issue-events.js";
import { hasWriteAccess } from "../github/permissions.js";
import { listPullFiles, type PullFiles } from "../github/pull-files.js";
import { openPulls } from "../github/pulls.js";
import { treePaths } from "../github/tree.js";
import type { PullRequestFacts } from "../model/pull-request.js";
import {
  anyBroken,
  attributeSync,
  changedPaths,
  evaluateCoupling,
  parseExceptionLines,
  touchedGroups,
  unmatchedSides,
  type CouplingFacts,
  type ExceptionFacts,
  type GroupResult,
  type PullPaths,
  type ReleaseCoupling,
  type SyncAttribution,
  type UnmatchedSide,
} from "../policy/coupling.js";
import { pullsFromCommits } from "../policy/release.js";
import type { WorkflowIo } from "./io.js";

/** PRs whose files a sync reads at most, shipped and open each (one request per 100 files of each). */
export const MAX_SYNC_PULLS = 30;
/** Compare pages read for the PRs a sync ships (100 commits a page). */
const SYNC_COMPARE_PAGES = 3;

/** A bounded map: the oldest entry goes first. */
/** Oldest-first eviction once the entries' total weight (1 each unless `weigh` says more) passes `limit`. */
export class Bounded<V> {
  private readonly map = new Map<string, { readonly value: V; readonly weight: number }>();
  private total = 0;
  constructor(
    private readonly limit: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}
  get(key: string): V | undefined {
    return this.map.get(key)?.value;
  }
  set(key: string, value: V): V {
    this.delete(key);
    const weight = Math.max(1, this.weigh(value));
    while (this.map.size > 0 && this.total + weight > this.limit) this.delete(this.map.keys().next().value as string);
    this.map.set(key, { value, weight });
    this.total += weight;
    return value;
  }
  get weight(): number {
    return this.total;
  }
  private delete(key: string): void {
    const old = this.map.get(key);
    if (!old) return;
    this.map.delete(key);
    this.total -= old.weight;
  }
}

/** PR file lists, bounded by the number of paths they hold (a PR lists up to 3,000): about 200,000 paths. */
const MAX_CACHED_PATHS = 200_000;
const filesCache = new Bounded<PullFiles>(MAX_CACHED_PATHS, (files) => (files.kind === "listed" ? files.files.length : 1));
const treeCache = new Bounded<readonly UnmatchedSide[] | "truncated" | "too-large">(2_000);

const repoKey = (io: WorkflowIo): string => `${io.repo.owner}/${io.repo.repo}`.toLowerCase();

/** A PR's files; kept per head SHA and target (the list is the diff from their merge base). */
async function filesOf(io: WorkflowIo, pr: Pick<PullRequestFacts, "number" | "headSha" | "route" | "changedFiles">): Promise<PullFiles> {
  const key = `${repoKey(io)}#${pr.number}@${pr.headSha}>${pr.route.target}`;
  return filesCache.get(key) ?? filesCache.set(key, await listPullFiles(io.octokit, io.repo, pr.number, pr.changedFiles));
}

/** A merged PR's files: they never change, so they are kept per PR. */
async function mergedFilesOf(io: WorkflowIo, number: number): Promise<PullFiles> {
  const key = `${repoKey(io)}#${number}:merged`;
  return filesCache.get(key) ?? filesCache.set(key, await listPullFiles(io.octokit, io.repo, number));
}

/** The coupling facts of a PR of flow `kind`, or undefined when no group applies to it. */
export async function readCouplingFacts(io: WorkflowIo, pr: PullRequestFacts, config: CompiledConfig, kind: FlowKind): Promise<CouplingFacts | undefined> {
  const groups = config.compiled.coupling.filter((g) => g.appliesTo.includes(kind));
  if (groups.length === 0) return undefined;
  const listed = await filesOf(io, pr);
  if (listed.kind === "too-many") return { kind: "too-many-files", changedFiles: listed.changedFiles, listed: listed.listed };
  const paths = changedPaths(listed.files);
  let results = evaluateCoupling(groups, paths, kind);
  if (anyBroken(results)) results = evaluateCoupling(groups, paths, kind, await readExceptions(io, pr, config));
  const sync = kind === "sync" ? await attributeShipped(io, pr, config, groups, results) : undefined;
  const exception = { label: config.coupling.exception.label, bodyLine: config.coupling.exception.body_line };
  const unmatched = await unmatchedIn(io, pr.headSha, config.compiled.coupling);
  return { kind: "listed", results, exception, ...(sync ? { sync } : {}), ...(unmatched ? { unmatched } : {}) };
}

/** Who declared an exception, and whether it counts (write access). */
async function readExceptions(io: WorkflowIo, pr: PullRequestFacts, config: CompiledConfig): Promise<ExceptionFacts> {
  const { label: name, body_line: prefix } = config.coupling.exception;
  const onPr = pr.labels.find((l) => l.toLowerCase() === name.toLowerCase());
  const appliedBy = onPr ? await labeledBy(io.octokit, io.repo, pr.number, onPr) : null;
  const lines = parseExceptionLines(pr.body, prefix);
  return {
    label: onPr ? { name: onPr, appliedBy, writer: appliedBy ? await hasWriteAccess(io.octokit, io.repo, appliedBy) : false } : null,
    lines,
    author: pr.author,
    authorWriter: lines.length > 0 && pr.author ? await hasWriteAccess(io.octokit, io.repo, pr.author) : false,
  };
}

/** Reads up to MAX_SYNC_PULLS PRs' files; the rest, and PRs over GitHub's limit, are counted as unread. */
async function pathsOf(pulls: readonly { number: number; title: string }[], read: (number: number) => Promise<PullFiles>): Promise<{ pulls: PullPaths[]; unread: number }> {
  const out: PullPaths[] = [];
  let unread = Math.max(0, pulls.length - MAX_SYNC_PULLS);
  for (const p of pulls.slice(0, MAX_SYNC_PULLS)) {
    const files = await read(p.number);
    if (files.kind === "listed") out.push({ ...p, paths: changedPaths(files.files) });
    else unread++;
  }
  return { pulls: out, unread };
}

/** For each touched group of a sync: the shipped PRs per side, and open PRs holding a missing half. */
async function attributeShipped(
  io: WorkflowIo,
  pr: PullRequestFacts,
  config: CompiledConfig,
  groups: readonly CompiledCouplingGroup[],
  results: readonly GroupResult[],
): Promise<ReadonlyMap<string, SyncAttribution> | undefined> {
  const touched = results.filter((r) => r.state !== "untouched");
  if (touched.length === 0) return undefined;
  const since = await compare(io.octokit, io.repo, config.branches.production, pr.headSha, { maxPages: SYNC_COMPARE_PAGES });
  const named = pullsFromCommits(since.commits, pr.number).map((p) => ({ number: p.number, title: p.title ?? "" }));
  const shipped = await pathsOf(named, (n) => mergedFilesOf(io, n));
  const needsOpen = touched.some((r) => r.state === "broken" || r.state === "excepted");
  const others = needsOpen ? (await openPulls(io.octokit, io.repo, config.branches.development)).filter((p) => p.number !== pr.number) : [];
  const byNumber = new Map(others.map((p) => [p.number, p]));
  const open = await pathsOf(others, (n) => filesOf(io, byNumber.get(n) as PullRequestFacts));
  const byName = new Map(groups.map((g) => [g.name, g]));
  return new Map(
    touched.map((r) => [r.group, attributeSync(byName.get(r.group) as CompiledCouplingGroup, r, shipped.pulls, open.pulls, shipped.unread)]),
  );
}

/** The sides matching no file of the head's tree; undefined when it could not be read (the warning is lost, nothing else). */
async function unmatchedIn(io: WorkflowIo, sha: string, groups: readonly CompiledCouplingGroup[]): Promise<readonly UnmatchedSide[] | "truncated" | "too-large" | undefined> {
  const signature = JSON.stringify(groups.map((g) => [g.name, g.when.map((p) => p.source), g.then.map((p) => p.source)]));
  const key = `${repoKey(io)}@${sha}:${signature}`;
  const known = treeCache.get(key);
  if (known) return known;
  try {
    const tree = await treePaths(io.octokit, io.repo, sha);
    return treeCache.set(key, tree.kind === "truncated" ? "truncated" : unmatchedSides(groups, tree.paths));
  } catch (error) {
    io.log.warn({ err: error, sha }, "could not read the repository tree to check coupling patterns; no warning this time");
    return undefined;
  }
}

/** The coupled groups a merged PR touched (release notes), or how many files hid them. */
export async function readReleaseCoupling(io: WorkflowIo, pull: PullRequestFacts, config: CompiledConfig): Promise<ReleaseCoupling | undefined> {
  if (config.compiled.coupling.length === 0) return undefined;
  const files = await mergedFilesOf(io, pull.number);
  if (files.kind === "too-many") return { tooMany: files.changedFiles };
  return touchedGroups(config.compiled.coupling, changedPaths(files.files));
}
