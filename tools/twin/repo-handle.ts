/**
 * Actor methods on one repository: what humans and other apps (CI) do on GitHub. They
 * change state synchronously and queue the webhooks GitHub would send. They never fail
 * through fault injection; invalid actions throw HttpError like the REST API would.
 */
import type { Core } from "./core.js";
import { now } from "./core.js";
import { HttpError, notFound } from "./errors.js";
import { isAncestor } from "./git.js";
import { createCheckRun, createStatus, rerequestCheckRun, updateCheckRun, type CheckRunInput } from "./ops/checks.js";
import { addComment, addLabels, deleteIssue, removeLabel, updateIssue } from "./ops/issues.js";
import { computeMergeability } from "./ops/mergeability.js";
import { dequeuePull, enqueuePull, processMergeQueue, queuedEntries, type QueueStep } from "./ops/merge-queue.js";
import {
  closePull,
  mergePull,
  openPull,
  pullOf,
  reopenPull,
  requestReviewers,
  setDraft,
  submitReview,
  updatePull,
  type MergeMethod,
} from "./ops/pulls.js";
import { createRelease, type ReleaseInput } from "./ops/releases.js";
import { applyRefChange, commitAndPush, createRef, resolveCommit } from "./ops/refs.js";
import { pullBaseSha } from "./serialize.js";
import type { AppRef, BranchProtection, CheckConclusion, CheckStatus, FileMap, IssueState, Permission, RepoState, StatusState } from "./state.js";
import { newRepoState } from "./state.js";
import { enforceTagRules } from "./rulesets.js";

export interface CreateRepoInput {
  owner: string;
  name: string;
  defaultBranch?: string;
  /** Files of the initial commit. */
  files?: Record<string, string>;
  collaborators?: Record<string, Permission>;
  private?: boolean;
  /** Default "Organization" (webhooks then carry `organization`). */
  ownerType?: "Organization" | "User";
  /** Whether the app is installed on this repository (default true). */
  installed?: boolean;
}

/** A CI app that reports check runs (not the app under test). */
export interface CheckApp {
  id: number;
  slug: string;
  name?: string;
  owner?: string;
}

export interface PullView {
  number: number;
  title: string;
  body: string | null;
  user: string;
  state: "open" | "closed";
  draft: boolean;
  headRepo: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
  merged: boolean;
  mergedBy: string | null;
  mergeCommitSha: string | null;
  mergeable: boolean | null;
  mergeableState: string;
  labels: string[];
  assignees: string[];
  requestedReviewers: string[];
}

export interface CheckRunView {
  id: number;
  name: string;
  headSha: string;
  status: CheckStatus;
  conclusion: CheckConclusion | null;
  app: { id: number; slug: string };
  output: { title: string | null; summary: string | null; text: string | null };
  detailsUrl: string | null;
}

export interface CommentView {
  id: number;
  user: string;
  body: string;
  createdAt: string;
  /** Written through the app's installation token. */
  viaApp: boolean;
}

export class RepoHandle {
  constructor(
    private readonly core: Core,
    /** Raw state, for assertions the view methods do not cover. */
    readonly state: RepoState,
  ) {}

  get fullName(): string {
    return this.state.fullName;
  }

  private user(login: string) {
    return this.core.world.account(login);
  }

  private issue(number: number): IssueState {
    const issue = this.state.issues.get(number);
    if (!issue) throw notFound();
    return issue;
  }

  private sha(ref: string): string {
    const sha = resolveCommit(this.core, this.state, ref);
    if (!sha) throw new Error(`twin: ${this.fullName} has no commit-ish "${ref}"`);
    return sha;
  }

  // ── git ────────────────────────────────────────────────────────────────────

  /** Creates `name` at `from` (sha, branch or tag; default: default branch). Emits create + push. */
  createBranch(name: string, from: string = this.state.defaultBranch, actor: string = this.state.owner.login): string {
    const sha = this.sha(from);
    createRef(this.core, this.state, `refs/heads/${name}`, sha, this.user(actor));
    return sha;
  }

  deleteBranch(name: string, actor: string = this.state.owner.login): void {
    if (!this.state.refs.has(`refs/heads/${name}`)) throw notFound();
    applyRefChange(this.core, this.state, `refs/heads/${name}`, null, this.user(actor));
  }

  /** Commits `files` (null deletes) on `branch`, creating it from `from` if needed, and pushes. */
  commit(branch: string, input: { message: string; files: Record<string, string | null>; author: string; from?: string }): string {
    return commitAndPush(this.core, this.state, branch, {
      message: input.message,
      files: input.files,
      author: this.user(input.author),
      ...(input.from !== undefined ? { from: input.from } : {}),
    });
  }

  /** Moves `branch` to `to` without checks (a force push). */
  forcePush(branch: string, to: string, actor: string): void {
    applyRefChange(this.core, this.state, `refs/heads/${branch}`, this.sha(to), this.user(actor));
  }

  /** Creates tag `name` at `target`; annotated tags get a tag object. Returns the ref's object sha. */
  tag(name: string, target: string, options: { annotated?: boolean; message?: string; tagger?: string } = {}): string {
    const commit = this.sha(target);
    const tagger = this.user(options.tagger ?? this.state.owner.login);
    const object = options.annotated
      ? this.core.world.putTag({ tag: name, message: options.message ?? name, object: commit, tagger: this.core.world.signature(tagger, now(this.core)) }).sha
      : commit;
    // A person: active tag rulesets apply (only an app listed as bypass actor gets around them).
    enforceTagRules(this.state, `refs/tags/${name}`, "creation", null);
    createRef(this.core, this.state, `refs/tags/${name}`, object, tagger);
    return object;
  }

  // ── pull requests ─────────────────────────────────────────────────────────

  /** Opens a PR. `head` is a branch here, or `owner:branch` of a fork (or pass `fork: "owner/name"`). */
  openPR(input: { head: string; base: string; title: string; body?: string; user: string; fork?: string; draft?: boolean }): number {
    let headRepo = this.state;
    let headRef = input.head;
    if (input.fork !== undefined) {
      const [owner, name] = input.fork.split("/");
      const fork = this.core.world.repo(owner ?? "", name ?? "");
      if (!fork) throw new Error(`twin: fork ${input.fork} does not exist (use repo.fork())`);
      headRepo = fork;
    } else if (input.head.includes(":")) {
      const [owner, ref] = input.head.split(":") as [string, string];
      const fork = [...this.core.world.repos.values()].find((r) => r.parent === this.state && r.owner.login.toLowerCase() === owner.toLowerCase());
      if (!fork) throw new Error(`twin: no fork of ${this.fullName} owned by ${owner}`);
      headRepo = fork;
      headRef = ref;
    }
    return openPull(this.core, this.state, {
      headRepo,
      headRef,
      baseRef: input.base,
      title: input.title,
      body: input.body ?? null,
      draft: input.draft ?? false,
      user: this.user(input.user),
    }).number;
  }

  retarget(number: number, base: string, actor: string): void {
    updatePull(this.core, this.state, this.issue(number), { base }, this.user(actor));
  }

  editPR(number: number, changes: { title?: string; body?: string }, actor: string): void {
    updatePull(this.core, this.state, this.issue(number), changes, this.user(actor));
  }

  close(number: number, actor: string): void {
    closePull(this.core, this.state, this.issue(number), this.user(actor));
  }

  reopen(number: number, actor: string): void {
    reopenPull(this.core, this.state, this.issue(number), this.user(actor));
  }

  markReadyForReview(number: number, actor: string): void {
    setDraft(this.core, this.state, this.issue(number), false, this.user(actor));
  }

  /** Merges like the merge button. Returns the new base tip. */
  merge(number: number, options: { method?: MergeMethod; user: string; sha?: string }): string {
    return mergePull(
      this.core,
      this.state,
      this.issue(number),
      { method: options.method ?? "merge", ...(options.sha !== undefined ? { sha: options.sha } : {}) },
      this.user(options.user),
    );
  }

  /**
   * Merge queue: adds the PR to its base's queue (its group commit on `gh-readonly-queue/…`,
   * `merge_group.checks_requested`). Returns the group commit. Only an admin may enqueue a PR
   * whose protection requirements are not met.
   */
  enqueue(number: number, actor: string): string {
    return enqueuePull(this.core, this.state, this.issue(number), this.user(actor)).groupSha;
  }

  /** Takes the PR out of the queue (`destroyed`: dequeued); the entries behind it are rebuilt (invalidated). */
  dequeue(number: number, actor: string): void {
    dequeuePull(this.core, this.state, number, this.user(actor));
  }

  /**
   * The queue's step for `base`: merges the first entry when the base's required checks passed
   * on its group commit (the PR is closed as merged with the group commit as its merge commit,
   * `destroyed`: merged), removes it when one failed, else waits.
   */
  processMergeQueue(base: string, actor: string = this.state.owner.login): QueueStep {
    return processMergeQueue(this.core, this.state, base, this.user(actor));
  }

  /** The queue into `base` (all bases when omitted), first to merge first. */
  mergeQueue(base?: string): Array<{ number: number; ref: string; sha: string; parent: string }> {
    return queuedEntries(this.state, base).map((e) => ({ number: e.number, ref: e.ref, sha: e.groupSha, parent: e.parentSha }));
  }

  approve(number: number, user: string, body = ""): void {
    submitReview(this.core, this.state, this.issue(number), { event: "APPROVE", body }, this.user(user));
  }

  requestChanges(number: number, user: string, body = "Please change this."): void {
    submitReview(this.core, this.state, this.issue(number), { event: "REQUEST_CHANGES", body }, this.user(user));
  }

  requestReview(number: number, reviewers: string[], actor: string): void {
    requestReviewers(this.core, this.state, this.issue(number), reviewers, this.user(actor));
  }

  comment(number: number, user: string, body: string): number {
    return addComment(this.core, this.state, this.issue(number), body, this.user(user), null).id;
  }

  addLabels(number: number, labels: string[], actor: string): void {
    addLabels(this.core, this.state, this.issue(number), labels, this.user(actor));
  }

  removeLabel(number: number, label: string, actor: string): void {
    removeLabel(this.core, this.state, this.issue(number), label, this.user(actor));
  }

  /** A person edits an issue (its body: e.g. ticks a box), closes or reopens it: `issues.edited|closed|reopened`. */
  editIssue(number: number, change: { title?: string; body?: string; state?: "open" | "closed" }, actor: string): void {
    updateIssue(this.core, this.state, this.issue(number), change, this.user(actor));
  }

  /** An admin deletes an issue: `issues.deleted`; the API answers 410 Gone for it afterwards. */
  deleteIssue(number: number, actor: string): void {
    deleteIssue(this.core, this.state, this.issue(number), this.user(actor));
  }

  /** The issues (not PRs), oldest first. */
  issues(): { number: number; title: string; body: string; state: string; user: string }[] {
    return [...this.state.issues.values()]
      .filter((i) => !i.pull)
      .sort((a, b) => a.number - b.number)
      .map((i) => ({ number: i.number, title: i.title, body: i.body ?? "", state: i.state, user: i.user.login }));
  }

  // ── checks & statuses (other apps) ─────────────────────────────────────────

  private checkApp(app: CheckApp): AppRef {
    return { id: app.id, slug: app.slug, name: app.name ?? app.slug, owner: this.core.world.account(app.owner ?? app.slug, "Organization") };
  }

  /** A CI app reports a check run. Returns its id. */
  reportCheck(
    sha: string,
    input: { name: string; app: CheckApp; status?: CheckStatus; conclusion?: CheckConclusion; output?: CheckRunInput["output"]; detailsUrl?: string },
  ): number {
    const app = this.checkApp(input.app);
    const sender = this.core.world.account(`${app.slug}[bot]`, "Bot");
    return createCheckRun(
      this.core,
      this.state,
      app,
      {
        name: input.name,
        headSha: this.sha(sha),
        ...(input.status !== undefined ? { status: input.status } : {}),
        ...(input.conclusion !== undefined ? { conclusion: input.conclusion } : {}),
        ...(input.output !== undefined ? { output: input.output } : {}),
        ...(input.detailsUrl !== undefined ? { detailsUrl: input.detailsUrl } : {}),
      },
      sender,
    ).id;
  }

  /** The owning CI app updates its run (e.g. in_progress → completed). */
  updateCheck(runId: number, input: { status?: CheckStatus; conclusion?: CheckConclusion; output?: CheckRunInput["output"] }): void {
    const run = this.state.checkRuns.get(runId);
    if (!run) throw notFound();
    updateCheckRun(this.core, this.state, run, input, this.core.world.account(`${run.app.slug}[bot]`, "Bot"));
  }

  /** A user clicks "Re-run" on a check run (only the owning app is notified, as on GitHub). */
  rerequestCheck(runId: number, user: string): void {
    const run = this.state.checkRuns.get(runId);
    if (!run) throw notFound();
    rerequestCheckRun(this.core, this.state, run, this.user(user));
  }

  setStatus(sha: string, input: { context: string; state: StatusState; creator: string; description?: string; targetUrl?: string }): void {
    createStatus(
      this.core,
      this.state,
      this.sha(sha),
      { state: input.state, context: input.context, description: input.description ?? null, targetUrl: input.targetUrl ?? null },
      this.user(input.creator),
    );
  }

  /** Branch protection (affects mergeable_state: blocked/behind, and merging). */
  protect(branch: string, rules: Partial<BranchProtection>): void {
    this.state.protection.set(branch, { requiredChecks: rules.requiredChecks ?? [], strict: rules.strict ?? false });
  }

  createRelease(input: ReleaseInput & { tagName: string }, actor: string): number {
    return createRelease(this.core, this.state, input, this.user(actor)).id;
  }

  // ── inspection ────────────────────────────────────────────────────────────

  pr(number: number): PullView {
    const issue = this.issue(number);
    const pull = pullOf(issue);
    const m = computeMergeability(this.core, this.state, issue, false);
    return {
      number,
      title: issue.title,
      body: issue.body,
      user: issue.user.login,
      state: issue.state,
      draft: pull.draft,
      headRepo: pull.headRepo.fullName,
      headRef: pull.headRef,
      headSha: pull.headSha,
      baseRef: pull.baseRef,
      baseSha: pullBaseSha(this.state, issue),
      merged: pull.merged,
      mergedBy: pull.mergedBy?.login ?? null,
      mergeCommitSha: pull.mergeCommitSha,
      mergeable: m.mergeable,
      mergeableState: m.mergeableState,
      labels: [...issue.labels],
      assignees: [...issue.assignees],
      requestedReviewers: [...pull.requestedReviewers],
    };
  }

  /** All check runs on `ref`, oldest first. */
  checkRuns(ref: string): CheckRunView[] {
    const sha = this.sha(ref);
    return [...this.state.checkRuns.values()]
      .filter((r) => r.headSha === sha)
      .map((r) => ({
        id: r.id,
        name: r.name,
        headSha: r.headSha,
        status: r.status,
        conclusion: r.conclusion,
        app: { id: r.app.id, slug: r.app.slug },
        output: { ...r.output },
        detailsUrl: r.detailsUrl,
      }));
  }

  comments(number: number): CommentView[] {
    return [...this.state.comments.values()]
      .filter((c) => c.issueNumber === number)
      .map((c) => ({ id: c.id, user: c.user.login, body: c.body, createdAt: c.createdAt, viaApp: c.viaApp !== null }));
  }

  labels(number: number): string[] {
    return [...this.issue(number).labels];
  }

  /** Object sha of a ref (`heads/x`, `tags/v1`, `refs/...`), or null. */
  ref(name: string): string | null {
    return this.state.refs.get(name.startsWith("refs/") ? name : `refs/${name}`) ?? null;
  }

  branchHead(branch: string): string | null {
    return this.state.refs.get(`refs/heads/${branch}`) ?? null;
  }

  /** Tag names with the commit each points at (annotated tags peeled). */
  tags(): Array<{ name: string; sha: string; annotated: boolean }> {
    return [...this.state.refs.entries()]
      .filter(([ref]) => ref.startsWith("refs/tags/"))
      .map(([ref, sha]) => ({ name: ref.slice("refs/tags/".length), sha: this.core.world.peel(sha), annotated: this.core.world.tags.has(sha) }));
  }

  releases(): Array<{ id: number; tagName: string; name: string | null; draft: boolean; prerelease: boolean; body: string | null }> {
    return [...this.state.releases.values()].map((r) => ({ id: r.id, tagName: r.tagName, name: r.name, draft: r.draft, prerelease: r.prerelease, body: r.body }));
  }

  isAncestor(ancestor: string, descendant: string): boolean {
    return isAncestor(this.core.world, this.sha(ancestor), this.sha(descendant));
  }

  files(ref: string): FileMap {
    return this.core.world.commitFiles(this.sha(ref));
  }

  /** Commit object (parents, message, author) for a commit-ish. */
  commitOf(ref: string): { sha: string; parents: string[]; message: string; author: string; committer: string } {
    const commit = this.core.world.commits.get(this.sha(ref));
    if (!commit) throw new HttpError(404, "Not Found");
    return { sha: commit.sha, parents: [...commit.parents], message: commit.message, author: commit.author.name, committer: commit.committer.name };
  }

  /** Forks this repository to `owner` (not installed by default). Returns the fork's handle. */
  fork(owner: string, options: { installed?: boolean } = {}): RepoHandle {
    const state = newRepoState(this.core.world, {
      owner: this.core.world.account(owner),
      name: this.state.name,
      defaultBranch: this.state.defaultBranch,
      private: this.state.private,
      parent: this.state,
      installed: options.installed ?? false,
      now: now(this.core),
    });
    for (const [ref, sha] of this.state.refs) if (ref.startsWith("refs/heads/")) state.refs.set(ref, sha);
    state.collaborators.set(owner, "admin");
    return new RepoHandle(this.core, state);
  }
}

/** Creates a repository with an initial commit on the default branch (no webhooks: setup state). */
export function createRepoHandle(core: Core, input: CreateRepoInput): RepoHandle {
  const world = core.world;
  if (world.repo(input.owner, input.name)) throw new Error(`twin: repository ${input.owner}/${input.name} already exists`);
  const owner = world.account(input.owner, input.ownerType ?? "Organization");
  const timestamp = now(core);
  const state = newRepoState(world, {
    owner,
    name: input.name,
    defaultBranch: input.defaultBranch ?? "main",
    private: input.private ?? true,
    parent: null,
    installed: input.installed ?? true,
    now: timestamp,
  });
  for (const [login, permission] of Object.entries(input.collaborators ?? {})) {
    world.account(login);
    state.collaborators.set(login, permission);
  }
  const signature = world.signature(owner, timestamp);
  const commit = world.putCommit({
    parents: [],
    files: input.files ?? { "README.md": `# ${input.name}\n` },
    message: "Initial commit",
    author: signature,
    committer: signature,
    authorLogin: owner.login,
    committerLogin: owner.login,
  });
  state.refs.set(`refs/heads/${state.defaultBranch}`, commit.sha);
  return new RepoHandle(core, state);
}
