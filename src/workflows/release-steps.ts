/**
 * The named steps of a release (see ./release.ts). Each takes one object parameter; `run` carries
 * the repository's io, the config and the courtesy ledger of the event or sweep.
 */
import type { CompiledConfig } from "../config/compile.js";
import { linkReleaseInBackport } from "../github/backport.js";
import { ourRun } from "../github/checks.js";
import { findMarkedComment, writeComment, type CommentWrite } from "../github/comments.js";
import type { Courtesy } from "../github/courtesy.js";
import { listLabels, listReviews, readCommitChecks } from "../github/evidence.js";
import { releaseByTag, updateReleaseBody, writeRelease, type ReleaseWrite } from "../github/releases.js";
import { compare, type Comparison } from "../github/compare.js";
import { listTags } from "../github/tags.js";
import type { PullRequestFacts } from "../model/pull-request.js";
import { backportBranch } from "../policy/backport.js";
import { checkName } from "../policy/evaluation.js";
import { evaluateFlow } from "../policy/flow.js";
import type { ObservedCheck } from "../policy/types.js";
import {
  approversOf,
  collectEvidence,
  decideBypass,
  detectRevert,
  evidenceMetadata,
  pullsFromCommits,
  revertedByIn,
  runningOnMerge,
  type EvidenceRow,
  type ReleaseNotesData,
  type RevertInfo,
  type TagMetadata,
} from "../policy/release.js";
import { decideBump, findHighestAncestor, parseVersionTags, relationOfCompareStatus, type BumpDecision, type ParsedTags, type VersionTag } from "../policy/version.js";
import {
  RELEASE_COMMENT_MARKER,
  releaseName,
  releaseUrl,
  revertWhyText,
  renderReleaseComment,
  renderReleaseNotes,
  versionInReleaseComment,
  withRevertedBy,
} from "../render/release.js";
import { withReleaseLine } from "../render/backport.js";
import type { ReleaseCoupling } from "../policy/coupling.js";
import { readReleaseCoupling } from "./coupling.js";
import type { WorkflowIo } from "./io.js";

/** One repository's release work: io, config and the courtesy ledger. */
export interface ReleaseRun {
  readonly io: WorkflowIo;
  readonly config: CompiledConfig;
  readonly courtesy: Courtesy;
}

/** Release data about a merged PR, read once whatever the number of tag attempts. */
export interface ReleaseFacts {
  readonly labels: readonly string[];
  readonly approvers: readonly string[];
  readonly flow: { readonly name: string; readonly kind: CompiledConfig["flows"][number]["kind"] } | null;
  readonly evidence: readonly EvidenceRow[];
  readonly validationFlow: string | null;
  readonly bypass: ReleaseNotesData["bypass"];
  readonly revert: (RevertInfo & { readonly resolvedTag: string | null }) | null;
  readonly bump: BumpDecision;
  readonly coupling?: ReleaseCoupling | undefined;
}

/** What a version says about itself (in its tag message). */
export interface Published {
  readonly tag: string;
  readonly previous: string | null;
  readonly bumpReason: string;
  readonly reverts: string | null;
}

export type BackportLink = "linked" | "unchanged" | "none" | "failed" | "disabled";

export interface PublishedRelease {
  readonly tag: string;
  readonly previous: string | null;
  readonly release: ReleaseWrite;
  readonly comment: CommentWrite | "failed" | "skipped";
  readonly existing: boolean;
  readonly backportLink: BackportLink;
}

export const fromMetadata = (meta: TagMetadata): Published => ({ tag: meta.tag, previous: meta.previous, bumpReason: meta.bump_reason, reverts: meta.reverts });

export async function readTags({ run }: { run: ReleaseRun }): Promise<ParsedTags> {
  const { io, config } = run;
  const tags = await listTags(io.octokit, io.repo);
  const parsed = parseVersionTags(
    tags.map((t) => t.name),
    { prefix: config.release.tag_prefix, includePrereleases: config.release.include_prereleases },
  );
  if (parsed.ignored.length) io.log.info({ ignoredTags: parsed.ignored.slice(0, 20), count: parsed.ignored.length }, "ignored tags that are not versions");
  return parsed;
}

/** The highest version tag in the history of `sha` (one compare per candidate, newest first). */
export function placeVersion(s: { run: ReleaseRun; versions: readonly VersionTag[]; sha: string; compares?: Map<string, Comparison>; max?: number }) {
  const { io } = s.run;
  return findHighestAncestor(
    s.versions,
    async (v) => {
      const cmp = await compare(io.octokit, io.repo, v.tag, s.sha, { maxPages: 1 }); // one request per candidate
      s.compares?.set(v.tag, cmp);
      return relationOfCompareStatus(cmp.status);
    },
    s.max,
  );
}

/** Labels, approvers, flow, evidence, revert and bump of a merged PR. */
export async function readReleaseFacts({ run, pull }: { run: ReleaseRun; pull: PullRequestFacts }): Promise<ReleaseFacts> {
  const { io, config } = run;
  const labels = await listLabels(io.octokit, io.repo, pull.number);
  const approvers = approversOf(await listReviews(io.octokit, io.repo, pull.number));
  const verdict = evaluateFlow(pull.route, config);
  const flow = verdict.governed && verdict.allowed ? verdict.flow : null;
  const { evidence, validationFlow, bypass } = await readEvidence({ run, pull, flowName: flow?.name ?? null });
  const revert = detectRevert(
    { title: pull.title, body: pull.body, labels },
    { revertLabel: config.release.labels.revert, prefix: config.release.tag_prefix, repoFullName: `${io.repo.owner}/${io.repo.repo}` },
  );
  let resolvedTag = revert?.tag ?? null;
  if (revert && !resolvedTag && revert.pullNumber) resolvedTag = await versionOfPull({ run, number: revert.pullNumber });
  const bump = decideBump({ flow, source: pull.route.source, title: pull.title, body: pull.body, labels, labelNames: config.release.labels, revert: revert !== null });
  const coupling = await readReleaseCoupling(io, pull, config);
  return { labels, approvers, flow, evidence, validationFlow, bypass, revert: revert && { ...revert, resolvedTag }, bump, coupling };
}

/** The required checks' results on the PR head and the merge commit, and whether our production check was bypassed. */
async function readEvidence({ run, pull, flowName }: { run: ReleaseRun; pull: PullRequestFacts; flowName: string | null }) {
  const { io, config } = run;
  const required = flowName ? (config.compiled.required[flowName] ?? []) : [];
  const head = await readCommitChecks(io.octokit, io.repo, pull.headSha);
  const merge = pull.mergeCommitSha && required.length ? await readCommitChecks(io.octokit, io.repo, pull.mergeCommitSha) : { runs: [], statuses: [] };
  const others = (c: { runs: readonly (ObservedCheck & { appId: number | null })[]; statuses: readonly ObservedCheck[] }): ObservedCheck[] => [
    ...c.runs.filter((r) => r.appId !== io.me.id),
    ...c.statuses,
  ];
  const evidence = collectEvidence(required, others(head), others(merge));
  const bypass = decideBypass(ourRun(head.runs, checkName(config.branches.production), io.me.id), config.branches.production);
  return { evidence, validationFlow: required.length ? flowName : null, bypass };
}

/** The version released for PR #n, from our release comment on it. */
async function versionOfPull({ run, number }: { run: ReleaseRun; number: number }): Promise<string | null> {
  const { io } = run;
  const comment = await findMarkedComment(io.octokit, { ...io.repo, issueNumber: number, marker: RELEASE_COMMENT_MARKER, botLogin: io.me.botLogin });
  return comment ? versionInReleaseComment(comment.body) : null;
}

export function tagMetadata(s: { pull: PullRequestFacts; mergeSha: string; version: string; published: Published; facts: ReleaseFacts }): TagMetadata {
  const { facts, published: p } = s;
  return {
    version: s.version,
    tag: p.tag,
    previous: p.previous,
    pull: s.pull.number,
    merge_sha: s.mergeSha,
    bump: facts.bump.bump,
    bump_reason: p.bumpReason,
    flow: facts.flow?.name ?? null,
    reverts: p.reverts,
    bypassed_check: facts.bypass !== undefined,
    evidence: evidenceMetadata(facts.evidence),
  };
}

interface PublishStep {
  readonly run: ReleaseRun;
  readonly pull: PullRequestFacts;
  readonly facts: ReleaseFacts;
  readonly published: Published;
  readonly mergeSha: string;
  readonly tags: ParsedTags;
  readonly existing: boolean;
  /** The previous version's comparison, when already read. */
  readonly included?: Comparison | undefined;
  /** `notes-only`: the release notes, nothing else (evidence refresh). */
  readonly mode: "full" | "notes-only";
}

/** The release (notes written only on change), then the revert note, the PR comment and the backport link. */
export async function publish(s: PublishStep): Promise<PublishedRelease> {
  const { run, pull, published: p, mergeSha } = s;
  const { io } = run;
  const since = s.included ?? (p.previous ? await compare(io.octokit, io.repo, p.previous, mergeSha) : null);
  const notes = (revertedBy: string[]): ReleaseNotesData => ({
    repoHtmlUrl: io.repoHtmlUrl,
    tag: p.tag,
    previous: p.previous,
    bumpReason: p.bumpReason,
    pull: { number: pull.number, title: pull.title, url: pull.htmlUrl, author: pull.author, mergedBy: pull.mergedBy, mergedAt: pull.mergedAt, approvers: s.facts.approvers },
    flow: s.facts.flow?.name ?? null,
    mergeSha,
    headSha: pull.headSha,
    includedPulls: since ? pullsFromCommits(since.commits, pull.number) : [],
    commits: since ? [...since.commits].reverse() : [],
    totalCommits: since?.totalCommits ?? 0,
    evidence: s.facts.evidence,
    validationFlow: s.facts.validationFlow,
    runningOnMerge: runningOnMerge(s.facts.evidence),
    bypass: s.facts.bypass,
    reverts: s.facts.revert ? { tag: p.reverts, why: revertWhyText(s.facts.revert.cause) } : undefined,
    revertedBy,
    ignoredTags: s.tags.ignored,
    coupling: s.facts.coupling,
  });
  const release = await writeRelease(io.octokit, io.repo, { tag: p.tag, name: releaseName(p.tag, pull.title), body: (current) => renderReleaseNotes(notes(revertedByIn(current))) });
  const done = { tag: p.tag, previous: p.previous, release: release.write, existing: s.existing };
  if (s.mode === "notes-only") return { ...done, comment: "skipped", backportLink: "none" };
  if (p.reverts) await noteRevert({ run, reverted: p.reverts, by: p.tag });
  const body = renderReleaseComment({ tag: p.tag, releaseUrl: releaseUrl(io.repoHtmlUrl, p.tag), previous: p.previous, bumpReason: p.bumpReason, reverts: p.reverts });
  // Courtesy writes: the tag and the release stand whatever happens to them.
  const comment = await run.courtesy.attempt("comment", { pr: pull.number }, () => commentOnPull({ run, number: pull.number, body }));
  const backportLink = await linkBackport({ run, number: pull.number, tag: p.tag });
  io.log.info({ pr: pull.number, tag: p.tag, release: release.write, comment, existing: s.existing, backport: backportLink }, "released production merge");
  return { ...done, comment, backportLink };
}

/** The reverted release points to its roll-forward. */
async function noteRevert({ run, reverted, by }: { run: ReleaseRun; reverted: string; by: string }): Promise<void> {
  const { io } = run;
  const release = await releaseByTag(io.octokit, io.repo, reverted);
  if (!release) {
    io.log.warn({ reverted, by }, "the reverted version has no release to annotate");
    return;
  }
  const write = await updateReleaseBody(io.octokit, io.repo, release, withRevertedBy(release.body ?? "", by, io.repoHtmlUrl));
  io.log.info({ reverted, by, write: write.write }, "pointed the reverted release to its roll-forward");
}

/** The backport PR of this merge (if already open) links its release. */
async function linkBackport({ run, number, tag }: { run: ReleaseRun; number: number; tag: string }): Promise<BackportLink> {
  const { io, config } = run;
  if (!config.backport.enabled) return "disabled";
  const branch = backportBranch(config, number);
  return run.courtesy.attempt("body", { pr: number, branch }, () => linkReleaseInBackport(io.octokit, io.repo, branch, (body) => withReleaseLine(body, tag, releaseUrl(io.repoHtmlUrl, tag))));
}

/** Our one release comment on the PR (dedupes a racing replica's copy). */
export async function commentOnPull({ run, number, body }: { run: ReleaseRun; number: number; body: string }): Promise<CommentWrite> {
  const { io } = run;
  const where = { ...io.repo, issueNumber: number, marker: RELEASE_COMMENT_MARKER, botLogin: io.me.botLogin };
  return writeComment(io.octokit, where, await findMarkedComment(io.octokit, where), body);
}
