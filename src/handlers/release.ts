/**
 * Versions and releases: every merge into the production branch gets the next semver tag on its
 * merge commit and a GitHub Release whose notes carry the evidence. The shell around
 * src/policy/version.ts and src/policy/release.ts: read state, decide, write only what changed.
 *
 * Race safety: within a process, releases of one repository run one at a time (KeyedLock).
 * Across replicas, creating the tag ref is the atomic step; a 422 is read back (ours ⇒ done,
 * another merge's ⇒ recompute and retry). Untagged production merges earlier in history are
 * released first, so versions follow history whatever order the webhooks arrive in.
 */
import type { ObservedCheck } from "../policy/types.js";
import type { Context } from "probot";
import { z } from "zod";
import { loadConfig } from "../config/load.js";
import type { CompiledConfig } from "../config/compile.js";
import type { Config } from "../config/schema.js";
import { ourRun } from "../github/checks.js";
import { findMarkedComment, writeComment } from "../github/comments.js";
import { listLabels, listReviews, readCommitChecks } from "../github/evidence.js";
import type { IdentityProvider, AppIdentity } from "../github/identity.js";
import type { KeyedLock } from "../github/keyed-lock.js";
import { releaseByTag, updateReleaseBody, writeRelease } from "../github/releases.js";
import { linkReleaseInBackport } from "../github/backport.js";
import { backportBranch } from "../policy/backport.js";
import {
  compareCommits,
  compareFirstPage,
  createAnnotatedTag,
  errorText,
  httpStatus,
  isRateLimited,
  listTags,
  readAllPages,
  readTag,
  type Comparison,
} from "../github/tags.js";
import { Courtesy, CourtesyWritesFailed } from "../github/courtesy.js";
import type { Octokit, RepoRef } from "../github/types.js";
import { checkName } from "../policy/evaluation.js";
import { evaluateFlow } from "../policy/flow.js";
import {
  approversOf,
  collectEvidence,
  decideBypass,
  detectRevert,
  evidenceMetadata,
  firstParentPredecessors,
  isEvidenceCheck,
  parseTagMetadata,
  pullsFromCommits,
  revertedByIn,
  runningOnMerge,
  type EvidenceRow,
  type ReleaseNotesData,
  type RevertInfo,
  type TagMetadata,
} from "../policy/release.js";
import {
  decideBump,
  findHighestAncestor,
  nextVersion,
  parseVersionTags,
  relationOfCompareStatus,
  type BumpDecision,
  type ParsedTags,
  type VersionTag,
} from "../policy/version.js";
import {
  RELEASE_COMMENT_MARKER,
  releaseName,
  releaseUrl,
  bumpReasonText,
  releaseProblemText,
  revertWhyText,
  renderReleaseComment,
  renderReleaseNotes,
  renderReleaseProblemComment,
  renderTagMessage,
  versionInReleaseComment,
  withRevertedBy,
} from "../render/release.js";

/** Bounded retries when another merge takes the version we computed. */
export const MAX_TAG_ATTEMPTS = 5;
/** Untagged production merges looked at before this one (each costs one request). */
const MAX_PREDECESSORS = 5;
/** Backoff between attempts; tests may shorten it. */
export const backoff = { baseMs: 150 };

const login = z.object({ login: z.string() }).passthrough().nullable().optional();
const mergedPullShape = z
  .object({
    number: z.number().int().positive(),
    title: z.string(),
    body: z.string().nullable().optional(),
    html_url: z.string(),
    user: login,
    merged_at: z.string().nullable().optional(),
    merged_by: login,
    merge_commit_sha: z.string().nullable().optional(),
    head: z.object({ ref: z.string().min(1), sha: z.string().min(7), repo: z.object({ full_name: z.string() }).passthrough().nullable() }).passthrough(),
    base: z.object({ ref: z.string().min(1), repo: z.object({ full_name: z.string() }).passthrough() }).passthrough(),
  })
  .passthrough();
export type MergedPull = z.infer<typeof mergedPullShape>;

type Log = Context["log"];

/** What one merge needs read, once, whatever the number of tag attempts. */
interface PullFacts {
  readonly labels: readonly string[];
  readonly approvers: readonly string[];
  readonly flow: { readonly name: string; readonly kind: Config["flows"][number]["kind"] } | null;
  readonly evidence: readonly EvidenceRow[];
  readonly validationFlow: string | null;
  readonly bypass: ReleaseNotesData["bypass"];
  readonly revert: (RevertInfo & { readonly resolvedTag: string | null }) | null;
  readonly bump: BumpDecision;
}

interface Published {
  readonly tag: string;
  readonly previous: string | null;
  readonly bumpReason: string;
  readonly reverts: string | null;
}

export type ReleaseOutcome =
  | { readonly result: "released"; readonly tag: string; readonly release: string; readonly comment: string; readonly existing: boolean; readonly backport?: string }
  | { readonly result: "refused"; readonly problem: string };

class ReleaseProblem extends Error {
  constructor(
    readonly problem: string,
    readonly fix: string,
  ) {
    super(problem);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One repository's release work, with the config and the app's identity at hand. */
export class Releaser {
  constructor(
    private readonly octokit: Octokit,
    private readonly repo: RepoRef,
    private readonly config: CompiledConfig,
    private readonly me: AppIdentity,
    private readonly log: Log,
    private readonly repoHtmlUrl: string,
    /** Courtesy writes (the PR comment, the backport PR's release line) refused by GitHub. */
    readonly courtesy: Courtesy = new Courtesy(log),
  ) {}

  private get options() {
    return { prefix: this.config.release.tag_prefix, includePrereleases: this.config.release.include_prereleases };
  }

  private async readTags(): Promise<ParsedTags> {
    const tags = await listTags(this.octokit, this.repo);
    const parsed = parseVersionTags(
      tags.map((t) => t.name),
      this.options,
    );
    if (parsed.ignored.length) this.log.info({ ignoredTags: parsed.ignored.slice(0, 20), count: parsed.ignored.length }, "ignored tags that are not versions");
    return parsed;
  }

  /** Versions a merged PR: tag (or find its tag), release, comment. Refusals are commented, not thrown. */
  async releaseMerge(pull: MergedPull, catchUp = true): Promise<ReleaseOutcome> {
    try {
      return await this.tagAndPublish(pull, catchUp);
    } catch (error) {
      if (error instanceof ReleaseProblem) return this.refuse(pull, error.problem, error.fix);
      if (httpStatus(error) === 403 && !isRateLimited(error)) {
        const problem = `GitHub refused a request with 403 Forbidden: ${errorText(error).trim().slice(0, 300)}`;
        return this.refuse(pull, problem, "Grant the app **Contents: write** (tags and releases) and **Issues: write**, accept the new permissions on the installation, then redeliver the `pull_request` closed webhook from the app's advanced settings.");
      }
      throw error;
    }
  }

  private async tagAndPublish(pull: MergedPull, catchUp: boolean): Promise<ReleaseOutcome> {
    const mergeSha = pull.merge_commit_sha;
    if (!mergeSha) throw new ReleaseProblem("The merged PR has no merge commit SHA.", "Tag the merge commit by hand, or redeliver the webhook once GitHub reports it.");
    const facts = await this.pullFacts(pull);
    let predecessorsDone = !catchUp;
    for (let attempt = 1; attempt <= MAX_TAG_ATTEMPTS; attempt++) {
      const tags = await this.readTags();
      const compares = new Map<string, Comparison>();
      const search = await findHighestAncestor(tags.versions, async (v) => {
        const cmp = await compareFirstPage(this.octokit, this.repo, v.tag, mergeSha); // one request per candidate
        compares.set(v.tag, cmp);
        return relationOfCompareStatus(cmp.status);
      });
      if (search.exhausted) {
        throw new ReleaseProblem(
          `None of the ${search.checked} highest version tags is in the history of \`${mergeSha.slice(0, 7)}\`.`,
          "Check that production's history contains its version tags; tag this merge by hand if it must be released.",
        );
      }
      if (search.atCommit && search.previous) return this.publishExisting(pull, facts, search.previous, tags);

      // The previous version's comparison, every page: the PRs it includes and its newest commits.
      const firstPage = search.previous ? compares.get(search.previous.tag) : undefined;
      const previousCompare = firstPage ? await readAllPages(this.octokit, this.repo, firstPage) : undefined;
      if (!predecessorsDone && previousCompare) {
        predecessorsDone = true;
        if (await this.releasePredecessors(mergeSha, previousCompare)) {
          attempt--; // the tags changed because of our own work: read them again, no retry spent
          continue;
        }
      }

      const next = nextVersion({ previous: search.previous, versions: tags.versions }, facts.bump.bump, {
        prefix: this.config.release.tag_prefix,
        initialVersion: this.config.release.initial_version,
      });
      if (!next.ok) {
        const text = releaseProblemText({ ...next.problem, mergeSha });
        throw new ReleaseProblem(text.problem, text.fix);
      }
      const published: Published = {
        tag: next.tag,
        previous: search.previous?.tag ?? null,
        bumpReason: bumpReasonText(facts.bump),
        reverts: facts.revert?.resolvedTag ?? null,
      };
      const meta = this.metadata(pull, mergeSha, next.version, published, facts);
      const creation = await createAnnotatedTag(this.octokit, this.repo, { name: next.tag, message: renderTagMessage(meta, pull.title), commitSha: mergeSha });
      if (creation === "exists") {
        const holder = await readTag(this.octokit, this.repo, next.tag);
        if (holder?.commitSha !== mergeSha) {
          this.log.warn({ pr: pull.number, tag: next.tag, holder: holder?.commitSha, attempt }, "version taken by another merge; recomputing");
          await sleep(backoff.baseMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
          continue;
        }
        // Ours: another delivery of this merge (another replica) created it first.
        const theirs = parseTagMetadata(holder.message);
        const agreed = theirs ? fromMetadata(theirs) : published;
        return this.publish(pull, facts, agreed, mergeSha, tags, false, agreed.previous === published.previous ? previousCompare : undefined);
      }
      this.log.info({ pr: pull.number, tag: next.tag, previous: published.previous, bump: facts.bump.bump }, "created version tag");
      return this.publish(pull, facts, published, mergeSha, tags, false, previousCompare);
    }
    throw new ReleaseProblem(
      `Another merge took the computed version ${MAX_TAG_ATTEMPTS} times in a row.`,
      "Redeliver the `pull_request` closed webhook from the app's advanced settings once merges calm down.",
    );
  }

  /** Earlier production merges not yet tagged are released first (true when any was found). */
  private async releasePredecessors(mergeSha: string, previousCompare: Comparison): Promise<boolean> {
    // Oldest first: versions follow merge order, so an older untagged merge must never be skipped.
    const chain = firstParentPredecessors(mergeSha, previousCompare.commits).slice(0, MAX_PREDECESSORS);
    let found = false;
    for (const sha of chain) {
      const { data: pulls } = await this.octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...this.repo, commit_sha: sha });
      const merged = pulls.find((p) => p.merge_commit_sha === sha && p.merged_at && p.base.ref === this.config.branches.production);
      if (!merged) continue;
      const { data: full } = await this.octokit.rest.pulls.get({ ...this.repo, pull_number: merged.number });
      const pull = mergedPullShape.safeParse(full);
      if (!pull.success) continue;
      found = true;
      this.log.info({ pr: pull.data.number, before: mergeSha }, "releasing an earlier production merge first");
      await this.releaseMerge(pull.data, false);
    }
    return found;
  }

  private async pullFacts(pull: MergedPull): Promise<PullFacts> {
    const labels = await listLabels(this.octokit, this.repo, pull.number);
    const approvers = approversOf(await listReviews(this.octokit, this.repo, pull.number));
    const verdict = evaluateFlow(
      { baseRepo: pull.base.repo.full_name, headRepo: pull.head.repo?.full_name ?? null, source: pull.head.ref, target: pull.base.ref },
      this.config,
    );
    const flow = verdict.governed && verdict.allowed ? verdict.flow : null;
    const { evidence, validationFlow, bypass } = await this.evidence(pull, flow?.name ?? null);
    const revert = detectRevert(
      { title: pull.title, body: pull.body ?? "", labels },
      { revertLabel: this.config.release.labels.revert, prefix: this.config.release.tag_prefix, repoFullName: `${this.repo.owner}/${this.repo.repo}` },
    );
    let resolvedTag = revert?.tag ?? null;
    if (revert && !resolvedTag && revert.pullNumber) resolvedTag = await this.versionOfPull(revert.pullNumber);
    const bump = decideBump({
      flow,
      source: pull.head.ref,
      title: pull.title,
      body: pull.body ?? "",
      labels,
      labelNames: this.config.release.labels,
      revert: revert !== null,
    });
    return { labels, approvers, flow, evidence, validationFlow, bypass, revert: revert && { ...revert, resolvedTag }, bump };
  }

  private async evidence(pull: MergedPull, flowName: string | null) {
    const required = flowName ? (this.config.compiled.required[flowName] ?? []) : [];
    const head = await readCommitChecks(this.octokit, this.repo, pull.head.sha);
    const merge = pull.merge_commit_sha && required.length ? await readCommitChecks(this.octokit, this.repo, pull.merge_commit_sha) : { runs: [], statuses: [] };
    const others = (c: { runs: readonly (ObservedCheck & { appId: number | null })[]; statuses: readonly ObservedCheck[] }): ObservedCheck[] => [
      ...c.runs.filter((r) => r.appId !== this.me.id),
      ...c.statuses,
    ];
    const evidence = collectEvidence(required, others(head), others(merge));
    const ours = ourRun(head.runs, checkName(this.config.branches.production), this.me.id);
    const bypass = decideBypass(ours, this.config.branches.production);
    return { evidence, validationFlow: required.length ? flowName : null, bypass };
  }

  /** The version released for PR #n, from our release comment on it. */
  private async versionOfPull(number: number): Promise<string | null> {
    const comment = await findMarkedComment(this.octokit, { ...this.repo, issueNumber: number, marker: RELEASE_COMMENT_MARKER, botLogin: this.me.botLogin });
    return comment ? versionInReleaseComment(comment.body) : null;
  }

  private metadata(pull: MergedPull, mergeSha: string, version: string, p: Published, facts: PullFacts): TagMetadata {
    return {
      version,
      tag: p.tag,
      previous: p.previous,
      pull: pull.number,
      merge_sha: mergeSha,
      bump: facts.bump.bump,
      bump_reason: p.bumpReason,
      flow: facts.flow?.name ?? null,
      reverts: p.reverts,
      bypassed_check: facts.bypass !== undefined,
      evidence: evidenceMetadata(facts.evidence),
    };
  }

  /** The merge commit already carries a version tag: make sure its release and comment exist. */
  private async publishExisting(pull: MergedPull, facts: PullFacts, tag: VersionTag, tags: ParsedTags): Promise<ReleaseOutcome> {
    const mergeSha = pull.merge_commit_sha as string;
    const target = await readTag(this.octokit, this.repo, tag.tag);
    const meta = parseTagMetadata(target?.message ?? null);
    let published: Published;
    if (meta) {
      published = fromMetadata(meta);
    } else {
      // Tagged by hand: the previous version is the highest one below it in this history.
      const lower = tags.versions.filter((v) => v !== tag);
      const below = await findHighestAncestor(lower, async (v) => relationOfCompareStatus((await compareFirstPage(this.octokit, this.repo, v.tag, mergeSha)).status));
      published = { tag: tag.tag, previous: below.previous?.tag ?? null, bumpReason: "The tag was created outside branch-steward.", reverts: facts.revert?.resolvedTag ?? null };
    }
    return this.publish(pull, facts, published, mergeSha, tags, true);
  }

  private async publish(
    pull: MergedPull,
    facts: PullFacts,
    p: Published,
    mergeSha: string,
    tags: ParsedTags,
    existing: boolean,
    included?: Comparison,
    options: { notesOnly?: boolean } = {},
  ): Promise<ReleaseOutcome> {
    const since = included ?? (p.previous ? await compareCommits(this.octokit, this.repo, p.previous, mergeSha) : null);
    const notes = (revertedBy: string[]): ReleaseNotesData => ({
      repoHtmlUrl: this.repoHtmlUrl,
      tag: p.tag,
      previous: p.previous,
      bumpReason: p.bumpReason,
      pull: {
        number: pull.number,
        title: pull.title,
        url: pull.html_url,
        author: pull.user?.login ?? null,
        mergedBy: pull.merged_by?.login ?? null,
        mergedAt: pull.merged_at ?? null,
        approvers: facts.approvers,
      },
      flow: facts.flow?.name ?? null,
      mergeSha,
      headSha: pull.head.sha,
      includedPulls: since ? pullsFromCommits(since.commits, pull.number) : [],
      commits: since ? [...since.commits].reverse() : [],
      totalCommits: since?.totalCommits ?? 0,
      evidence: facts.evidence,
      validationFlow: facts.validationFlow,
      runningOnMerge: runningOnMerge(facts.evidence),
      bypass: facts.bypass,
      reverts: facts.revert ? { tag: p.reverts, why: revertWhyText(facts.revert.cause) } : undefined,
      revertedBy,
      ignoredTags: tags.ignored,
    });
    const release = await writeRelease(this.octokit, this.repo, {
      tag: p.tag,
      name: releaseName(p.tag, pull.title),
      body: (current) => renderReleaseNotes(notes(revertedByIn(current))),
    });
    if (options.notesOnly) return { result: "released", tag: p.tag, release: release.write, comment: "skipped", existing };

    if (p.reverts) {
      const reverted = await releaseByTag(this.octokit, this.repo, p.reverts);
      if (reverted) {
        const write = await updateReleaseBody(this.octokit, this.repo, reverted, withRevertedBy(reverted.body ?? "", p.tag, this.repoHtmlUrl));
        this.log.info({ reverted: p.reverts, by: p.tag, write: write.write }, "pointed the reverted release to its roll-forward");
      } else {
        this.log.warn({ reverted: p.reverts, by: p.tag }, "the reverted version has no release to annotate");
      }
    }
    const body = renderReleaseComment({ tag: p.tag, releaseUrl: releaseUrl(this.repoHtmlUrl, p.tag), previous: p.previous, bumpReason: p.bumpReason, reverts: p.reverts });
    // Courtesy writes: the tag and the release stand whatever happens to them.
    const comment = await this.courtesy.attempt("comment", { pr: pull.number }, () => this.comment(pull.number, body));
    // The backport PR of this merge (if already open) links its release.
    const branch = backportBranch(this.config, pull.number);
    const backport = this.config.backport.enabled
      ? await this.courtesy.attempt("body", { pr: pull.number, branch }, () => linkReleaseInBackport(this.octokit, this.repo, branch, p.tag, releaseUrl(this.repoHtmlUrl, p.tag)))
      : "disabled";
    this.log.info({ pr: pull.number, tag: p.tag, release: release.write, comment, existing, backport }, "released production merge");
    return { result: "released", tag: p.tag, release: release.write, comment, existing, backport };
  }

  private async comment(number: number, body: string): Promise<string> {
    const where = { ...this.repo, issueNumber: number, marker: RELEASE_COMMENT_MARKER, botLogin: this.me.botLogin };
    const current = await findMarkedComment(this.octokit, where);
    return writeComment(this.octokit, where, current, body); // dedupes a racing replica's copy
  }

  /** Says loudly why a merge has no version: a log line and the release comment on the PR. */
  async refuse(pull: MergedPull, problem: string, fix: string): Promise<ReleaseOutcome> {
    this.log.error({ pr: pull.number, mergeSha: pull.merge_commit_sha, problem }, "production merge not versioned");
    await this.courtesy.attempt("comment", { pr: pull.number }, () => this.comment(pull.number, renderReleaseProblemComment(problem, fix)));
    return { result: "refused", problem };
  }

  /**
   * A required check completed on `sha`: when a version tag made by branch-steward points at it,
   * re-render that release's notes and update them only if they changed.
   */
  async refreshEvidence(sha: string): Promise<"absent" | "updated" | "unchanged" | "created"> {
    const tags = await this.readTags();
    const search = await findHighestAncestor(
      tags.versions,
      async (v) => relationOfCompareStatus((await compareFirstPage(this.octokit, this.repo, v.tag, sha)).status),
      5,
    );
    if (!search.atCommit || !search.previous) return "absent";
    const meta = parseTagMetadata((await readTag(this.octokit, this.repo, search.previous.tag))?.message ?? null);
    if (!meta || meta.merge_sha !== sha) return "absent";
    const { data } = await this.octokit.rest.pulls.get({ ...this.repo, pull_number: meta.pull });
    const pull = mergedPullShape.safeParse(data);
    if (!pull.success) return "absent";
    const facts = await this.pullFacts(pull.data);
    const outcome = await this.publish(pull.data, facts, fromMetadata(meta), sha, tags, true, undefined, { notesOnly: true });
    return outcome.result === "released" ? (outcome.release as "updated" | "unchanged" | "created") : "absent";
  }
}

function fromMetadata(meta: TagMetadata): Published {
  return { tag: meta.tag, previous: meta.previous, bumpReason: meta.bump_reason, reverts: meta.reverts };
}

// ---------------------------------------------------------------------------------------------
// Webhook handlers

function releaserFor(context: Context, config: CompiledConfig, me: AppIdentity, log: Log): Releaser {
  const repository = (context.payload as { repository?: { html_url?: string } }).repository;
  const repo = context.repo();
  return new Releaser(context.octokit, repo, config, me, log, repository?.html_url ?? `https://github.com/${repo.owner}/${repo.repo}`);
}

/** One key per repository for all its releases (they must follow one another); other features use other keys. */
const lockKey = (repo: RepoRef): string => `release:${repo.owner}/${repo.repo}`.toLowerCase();

export async function onPullRequestClosed(context: Context<"pull_request.closed">, identity: IdentityProvider, lock: Pick<KeyedLock, "run">): Promise<void> {
  const raw = context.payload.pull_request;
  if (!raw?.merged) return;
  const repo = context.repo();
  const log = context.log.child({ delivery: context.id, event: "pull_request.closed", repo: `${repo.owner}/${repo.repo}` });
  const parsed = mergedPullShape.safeParse(raw);
  if (!parsed.success) {
    log.warn({ problem: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") }, "ignored: malformed pull_request payload");
    return;
  }
  const pull = parsed.data;
  const config = await loadConfig(context);
  if (pull.base.ref !== config.config.branches.production) return;
  const me = await identity();
  const releaser = releaserFor(context, config.config, me, log);
  if (!config.ok) {
    const { problem, fix } = releaseProblemText({ code: "config-invalid", issues: config.issues });
    await releaser.refuse(pull, problem, fix);
  } else if (config.config.release.enabled) {
    try {
      const outcome = await lock.run(lockKey(repo), () => releaser.releaseMerge(pull));
      log.info({ pr: pull.number, ...outcome }, "release handled");
    } catch (error) {
      log.error({ pr: pull.number, err: error }, "failed to release the production merge; the delivery fails so it can be redelivered");
      throw error;
    }
  }
  // The work is done; failed courtesy writes fail the delivery, so that a redelivery (which
  // finds the tag and the release and writes nothing else) retries them.
  if (releaser.courtesy.failed) {
    const error = new CourtesyWritesFailed(releaser.courtesy.failures);
    log.warn({ pr: pull.number, err: error }, "release handled, but courtesy writes failed; the delivery fails so that a redelivery retries them");
    throw error;
  }
}

/**
 * A required check completed on a commit of production: when a version tag made by branch-steward
 * points at it, refresh that release's evidence (written only if the notes change).
 */
export async function onReleaseEvidence(context: Context<"check_run.completed">, identity: IdentityProvider, lock: Pick<KeyedLock, "run">): Promise<void> {
  const run = context.payload.check_run;
  if (!run?.head_sha) return;
  const me = await identity();
  if (run.app?.id === me.id) return;
  const config = await loadConfig(context);
  if (!config.ok || !config.config.release.enabled) return;
  if (!isEvidenceCheck(run.name, config.config.compiled.evidence)) return;
  const branch = run.check_suite?.head_branch;
  if (branch && branch !== config.config.branches.production) return;
  const repo = context.repo();
  const log = context.log.child({ delivery: context.id, event: "check_run.completed", repo: `${repo.owner}/${repo.repo}` });
  const result = await lock.run(lockKey(repo), () => releaserFor(context, config.config, me, log).refreshEvidence(run.head_sha));
  if (result !== "absent") log.info({ sha: run.head_sha, check: run.name, notes: result }, "refreshed release evidence");
}

/**
 * For the reconciliation sweep (`SweepOptions.extra`): production merges of the last `windowMs`
 * whose merge commit is not in the history of the highest version tag get their release now.
 * Costs one tag listing and one compare per production merge in the window.
 *
 * Merges are released oldest first, because versions follow merge order: when one fails (an
 * error, not a refusal), the later ones wait for the next sweep, and the failure is counted.
 * Failed courtesy writes are counted too; the release itself stands.
 */
export async function reconcileReleases(ctx: {
  readonly context: Context;
  readonly octokit: Octokit;
  readonly repo: RepoRef;
  readonly me: AppIdentity;
  readonly log: Log;
  readonly now: Date;
  readonly options: { readonly windowMs: number };
  readonly lock?: Pick<KeyedLock, "run"> | undefined;
}): Promise<{ found: number; fixed: number; failed: number }> {
  // Under the same lock as the merge handler: a sweep and a webhook never release at once.
  if (ctx.lock) return ctx.lock.run(lockKey(ctx.repo), () => reconcileReleases({ ...ctx, lock: undefined }));
  const config = await loadConfig(ctx.context);
  if (!config.ok || !config.config.release.enabled) return { found: 0, fixed: 0, failed: 0 };
  const { octokit, repo } = ctx;
  const { data: closed } = await octokit.rest.pulls.list({ ...repo, state: "closed", base: config.config.branches.production, sort: "updated", direction: "desc", per_page: 50 });
  const since = ctx.now.getTime() - ctx.options.windowMs;
  const merged = closed
    .filter((p) => p.merged_at && p.merge_commit_sha && Date.parse(p.merged_at) >= since)
    .sort((a, b) => Date.parse(b.merged_at as string) - Date.parse(a.merged_at as string));
  if (merged.length === 0) return { found: 0, fixed: 0, failed: 0 };
  const htmlUrl = merged[0]?.base.repo.html_url ?? `https://github.com/${repo.owner}/${repo.repo}`;
  const releaser = new Releaser(octokit, repo, config.config, ctx.me, ctx.log, htmlUrl);
  const versions = parseVersionTags(
    (await listTags(octokit, repo)).map((t) => t.name),
    { prefix: config.config.release.tag_prefix, includePrereleases: config.config.release.include_prereleases },
  ).versions;
  const highest = versions[0];
  const missing: typeof merged = [];
  for (const p of merged) {
    // Every merge in the window is checked: merges within one second have equal merged_at, so
    // "stop at the first released one" could stop before an unreleased merge.
    const status = highest ? (await compareFirstPage(octokit, repo, highest.tag, p.merge_commit_sha as string)).status : "ahead";
    if (status === "ahead" || status === "diverged") missing.push(p);
  }
  let fixed = 0;
  let failed = 0;
  for (const p of missing.reverse()) {
    const parsed = mergedPullShape.safeParse(p);
    if (!parsed.success) continue;
    try {
      const outcome = await releaser.releaseMerge(parsed.data);
      ctx.log.info({ pr: p.number, ...outcome }, "sweep: release");
      if (outcome.result === "released" && !outcome.existing) fixed++;
    } catch (error) {
      failed++;
      ctx.log.error({ pr: p.number, err: error }, "sweep: release failed; later merges wait for the next sweep, which retries it");
      break;
    }
  }
  return { found: missing.length, fixed, failed: failed + releaser.courtesy.failed };
}
