/**
 * Versions and releases: every merge into the production branch gets the next semver tag on its
 * merge commit and a GitHub Release whose notes carry the evidence. Read state, decide (policy/version,
 * policy/release), write only what changed.
 *
 * Race safety: within a process, releases of one repository run one at a time (lockKey release).
 * Across replicas, creating the tag ref is the atomic step; a 422 is read back (ours ⇒ done,
 * another merge's ⇒ recompute and retry). Untagged production merges earlier in history are
 * released first, so versions follow history whatever order the webhooks arrive in.
 */
import type { CompiledConfig } from "../config/compile.js";
import type { ConfigResult } from "../config/parse.js";
import { Courtesy } from "../github/courtesy.js";
import type { ReleaseWrite } from "../github/releases.js";
import { compare, readAllPages, type Comparison } from "../github/compare.js";
import { errorText, httpStatus, isRateLimited } from "../github/errors.js";
import { createAnnotatedTag, readTag } from "../github/tags.js";
import { lockKey } from "../infra/lock-keys.js";
import type { PullRequestFacts } from "../model/pull-request.js";
import { pullMergedAs, readPull } from "../github/pulls.js";
import { firstParentPredecessors, parseTagMetadata } from "../policy/release.js";
import { findHighestAncestor, nextVersion, relationOfCompareStatus, type ParsedTags, type VersionTag } from "../policy/version.js";
import { bumpReasonText, releaseProblemText, renderReleaseProblem, renderTagMessage } from "../render/release.js";
import type { ReleaseProblem } from "../policy/types.js";
import type { WorkflowIo } from "./io.js";
import {
  commentOnPull,
  fromMetadata,
  placeVersion,
  publish,
  readReleaseFacts,
  readTags,
  tagMetadata,
  type PublishedRelease,
  type Published,
  type ReleaseFacts,
  type ReleaseRun,
} from "./release-steps.js";

/** Bounded retries when another merge takes the version we computed. */
export const MAX_TAG_ATTEMPTS = 5;
/** Untagged production merges looked at before this one (each costs one request). */
const MAX_PREDECESSORS = 5;
/** Backoff between attempts; tests may shorten it. */
export const backoff = { baseMs: 150 };

export type ReleaseResult =
  | { readonly kind: "skipped"; readonly reason: "not-merged" | "not-production" | "disabled" }
  | ({ readonly kind: "released" } & PublishedRelease)
  | { readonly kind: "refused"; readonly problem: ReleaseProblem };

export type EvidenceResult = { readonly kind: "absent" } | { readonly kind: "refreshed"; readonly notes: ReleaseWrite };

/** A merge that gets no version; render/release.ts says why and what a person should do about it. */
class Refusal extends Error {
  constructor(readonly problem: ReleaseProblem) {
    super(problem.code);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface ReleaseOptions {
  /** Release untagged earlier production merges first (default true). */
  readonly catchUp?: boolean;
  /** Where refused courtesy writes are recorded (the caller may fail the delivery afterwards). */
  readonly courtesy?: Courtesy;
}

/** Versions a merged production PR under the repository's release lock. Refusals are commented, not thrown. */
export async function releaseMerge(io: WorkflowIo, pull: PullRequestFacts, config: ConfigResult, o: ReleaseOptions = {}): Promise<ReleaseResult> {
  if (!pull.merged) return { kind: "skipped", reason: "not-merged" };
  if (pull.route.target !== config.config.branches.production) return { kind: "skipped", reason: "not-production" };
  const run: ReleaseRun = { io, config: config.config, courtesy: o.courtesy ?? new Courtesy(io.log) };
  if (!config.ok) {
    return refuse({ run, pull, problem: { code: "config-invalid", issues: config.issues } });
  }
  if (!config.config.release.enabled) return { kind: "skipped", reason: "disabled" };
  const work = () => releaseLocked({ run, pull, catchUp: o.catchUp ?? true });
  return io.lock ? io.lock.run(lockKey({ kind: "release", repo: io.repo }), work) : work();
}

/** The release of one merge, the release lock held (or not needed). */
export async function releaseLocked(s: { run: ReleaseRun; pull: PullRequestFacts; catchUp: boolean }): Promise<ReleaseResult> {
  try {
    return { kind: "released", ...(await tagAndPublish(s)) };
  } catch (error) {
    if (error instanceof Refusal) return refuse({ ...s, problem: error.problem });
    if (httpStatus(error) === 403 && !isRateLimited(error)) return refuse({ ...s, problem: { code: "forbidden", message: errorText(error).trim().slice(0, 300) } });
    throw error;
  }
}

async function tagAndPublish(s: { run: ReleaseRun; pull: PullRequestFacts; catchUp: boolean }): Promise<PublishedRelease> {
  const { run, pull } = s;
  const mergeSha = pull.mergeCommitSha;
  if (!mergeSha) throw new Refusal({ code: "no-merge-sha" });
  const facts = await readReleaseFacts({ run, pull });
  let predecessorsDone = !s.catchUp;
  for (let attempt = 1; attempt <= MAX_TAG_ATTEMPTS; attempt++) {
    const tags = await readTags({ run });
    const compares = new Map<string, Comparison>();
    const search = await placeVersion({ run, versions: tags.versions, sha: mergeSha, compares });
    if (search.exhausted) {
      throw new Refusal({ code: "no-ancestor-tag", checked: search.checked, mergeSha });
    }
    if (search.atCommit && search.previous) return publishExisting({ run, pull, facts, tag: search.previous, tags, mergeSha });

    // The previous version's comparison, every page: the PRs it includes and its newest commits.
    const firstPage = search.previous ? compares.get(search.previous.tag) : undefined;
    const previousCompare = firstPage ? await readAllPages(run.io.octokit, run.io.repo, firstPage) : undefined;
    if (!predecessorsDone && previousCompare) {
      predecessorsDone = true;
      if (await releasePredecessors({ run, mergeSha, previousCompare })) {
        attempt--; // the tags changed because of our own work: read them again, no retry spent
        continue;
      }
    }
    const created = await createVersionTag({ run, pull, facts, tags, previous: search.previous, mergeSha, attempt });
    if (created === "taken") continue;
    const included = created.published.previous === (search.previous?.tag ?? null) ? previousCompare : undefined;
    return publish({ run, pull, facts, published: created.published, mergeSha, tags, existing: false, included, mode: "full" });
  }
  throw new Refusal({ code: "tag-race-exhausted", attempts: MAX_TAG_ATTEMPTS });
}

/** Creates the next version's annotated tag; a 422 is read back: ours (another replica) ⇒ its metadata, another merge's ⇒ `taken`. */
async function createVersionTag(s: {
  run: ReleaseRun;
  pull: PullRequestFacts;
  facts: ReleaseFacts;
  tags: ParsedTags;
  previous: VersionTag | null;
  mergeSha: string;
  attempt: number;
}): Promise<{ published: Published } | "taken"> {
  const { run, pull, facts, mergeSha } = s;
  const { io, config } = run;
  const next = nextVersion({ previous: s.previous, versions: s.tags.versions }, facts.bump.bump, { prefix: config.release.tag_prefix, initialVersion: config.release.initial_version });
  if (!next.ok) throw new Refusal({ ...next.problem, mergeSha });
  const published: Published = { tag: next.tag, previous: s.previous?.tag ?? null, bumpReason: bumpReasonText(facts.bump), reverts: facts.revert?.resolvedTag ?? null };
  const meta = tagMetadata({ pull, mergeSha, version: next.version, published, facts });
  const creation = await createAnnotatedTag(io.octokit, io.repo, { name: next.tag, message: renderTagMessage(meta, pull.title), commitSha: mergeSha });
  if (creation === "exists") {
    const holder = await readTag(io.octokit, io.repo, next.tag);
    if (holder?.commitSha !== mergeSha) {
      io.log.warn({ pr: pull.number, tag: next.tag, holder: holder?.commitSha, attempt: s.attempt }, "version taken by another merge; recomputing");
      await sleep(backoff.baseMs * 2 ** (s.attempt - 1) * (0.5 + Math.random()));
      return "taken";
    }
    // Ours: another delivery of this merge (another replica) created it first.
    const theirs = parseTagMetadata(holder.message);
    return { published: theirs ? fromMetadata(theirs) : published };
  }
  io.log.info({ pr: pull.number, tag: next.tag, previous: published.previous, bump: facts.bump.bump }, "created version tag");
  return { published };
}

/** Earlier production merges not yet tagged are released first (true when any was found). */
async function releasePredecessors(s: { run: ReleaseRun; mergeSha: string; previousCompare: Comparison }): Promise<boolean> {
  const { run } = s;
  const { io, config } = run;
  // Oldest first: versions follow merge order, so an older untagged merge must never be skipped.
  const chain = firstParentPredecessors(s.mergeSha, s.previousCompare.commits).slice(0, MAX_PREDECESSORS);
  let found = false;
  for (const sha of chain) {
    const merged = await pullMergedAs(io.octokit, io.repo, sha, config.branches.production);
    if (merged === undefined) continue;
    const pull = await readPull(io.octokit, io.repo, merged);
    if (!pull) continue;
    found = true;
    io.log.info({ pr: pull.number, before: s.mergeSha }, "releasing an earlier production merge first");
    await releaseLocked({ run, pull, catchUp: false });
  }
  return found;
}

/** The merge commit already carries a version tag: make sure its release and comment exist. */
async function publishExisting(s: { run: ReleaseRun; pull: PullRequestFacts; facts: ReleaseFacts; tag: VersionTag; tags: ParsedTags; mergeSha: string }): Promise<PublishedRelease> {
  const { run, tag, mergeSha } = s;
  const { io } = run;
  const meta = parseTagMetadata((await readTag(io.octokit, io.repo, tag.tag))?.message ?? null);
  let published: Published;
  if (meta) {
    published = fromMetadata(meta);
  } else {
    // Tagged by hand: the previous version is the highest one below it in this history.
    const lower = s.tags.versions.filter((v) => v !== tag);
    const below = await findHighestAncestor(lower, async (v) => relationOfCompareStatus((await compare(io.octokit, io.repo, v.tag, mergeSha, { maxPages: 1 })).status));
    published = { tag: tag.tag, previous: below.previous?.tag ?? null, bumpReason: "The tag was created outside branch-steward.", reverts: s.facts.revert?.resolvedTag ?? null };
  }
  return publish({ ...s, published, existing: true, mode: "full" });
}

/** Says loudly why a merge has no version: a log line and the release comment on the PR. */
async function refuse(s: { run: ReleaseRun; pull: PullRequestFacts; problem: ReleaseProblem }): Promise<ReleaseResult> {
  const { run, pull, problem } = s;
  run.io.log.error({ pr: pull.number, mergeSha: pull.mergeCommitSha, code: problem.code, problem: releaseProblemText(problem).problem }, "production merge not versioned");
  await run.courtesy.attempt("comment", { pr: pull.number }, () => commentOnPull({ run, number: pull.number, body: renderReleaseProblem(problem) }));
  return { kind: "refused", problem };
}

/**
 * A required check completed on `sha`: when a version tag made by branch-steward points at it,
 * re-render that release's notes and update them only if they changed (under the release lock).
 */
export function refreshEvidence(io: WorkflowIo, sha: string, config: CompiledConfig): Promise<EvidenceResult> {
  const run: ReleaseRun = { io, config, courtesy: new Courtesy(io.log) };
  const work = () => refresh({ run, sha });
  return io.lock ? io.lock.run(lockKey({ kind: "release", repo: io.repo }), work) : work();
}

async function refresh({ run, sha }: { run: ReleaseRun; sha: string }): Promise<EvidenceResult> {
  const { io } = run;
  const tags = await readTags({ run });
  const search = await placeVersion({ run, versions: tags.versions, sha, max: 5 });
  if (!search.atCommit || !search.previous) return { kind: "absent" };
  const meta = parseTagMetadata((await readTag(io.octokit, io.repo, search.previous.tag))?.message ?? null);
  if (!meta || meta.merge_sha !== sha) return { kind: "absent" };
  const pull = await readPull(io.octokit, io.repo, meta.pull);
  if (!pull) return { kind: "absent" };
  const facts = await readReleaseFacts({ run, pull });
  const published = await publish({ run, pull, facts, published: fromMetadata(meta), mergeSha: sha, tags, existing: true, mode: "notes-only" });
  return { kind: "refreshed", notes: published.release };
}
