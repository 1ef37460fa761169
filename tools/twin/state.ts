/**
 * In-memory state of the twin: accounts, git objects, repositories and everything that
 * hangs off a repository. Plain data plus small accessors; behaviour (events, validation)
 * lives in `ops/`.
 */
import { createHash } from "node:crypto";
import type { CommitGraph, FileMap } from "./git.js";

export type { FileMap } from "./git.js";

export type AccountType = "User" | "Bot" | "Organization";
export type Permission = "admin" | "maintain" | "write" | "triage" | "read";

export interface Account {
  login: string;
  id: number;
  type: AccountType;
}

/** The GitHub App a check run or suite belongs to. */
export interface AppRef {
  id: number;
  slug: string;
  name: string;
  owner: Account;
}

export interface GitSignature {
  name: string;
  email: string;
  date: string;
}

export interface CommitObject {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: GitSignature;
  committer: GitSignature;
  /** GitHub account the author email maps to (null when none). */
  authorLogin: string | null;
  committerLogin: string | null;
}

export interface TagObject {
  sha: string;
  tag: string;
  message: string;
  /** Tagged commit sha. */
  object: string;
  tagger: GitSignature;
}

export interface Label {
  id: number;
  name: string;
  color: string;
  description: string | null;
  default: boolean;
}

export interface PullState {
  headRepo: RepoState;
  headRef: string;
  headSha: string;
  baseRef: string;
  /** Base tip recorded when the PR was opened, retargeted, synchronized, closed or merged. */
  baseSha: string;
  draft: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergedBy: Account | null;
  mergeCommitSha: string | null;
  /** Commits the merge put on the base branch (merge commit, squash commit or rebased commits). */
  landedShas: string[];
  requestedReviewers: string[];
  /** GET reads left that report `mergeable: null` (GitHub computes mergeability lazily). */
  mergeableNullReads: number;
}

export interface IssueState {
  id: number;
  number: number;
  title: string;
  body: string | null;
  user: Account;
  state: "open" | "closed";
  labels: string[];
  assignees: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  closedBy: Account | null;
  pull: PullState | null;
}

export interface IssueComment {
  id: number;
  issueNumber: number;
  user: Account;
  body: string;
  createdAt: string;
  updatedAt: string;
  viaApp: AppRef | null;
}

export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "PENDING" | "DISMISSED";

export interface Review {
  id: number;
  pullNumber: number;
  user: Account;
  state: ReviewState;
  body: string;
  commitId: string;
  submittedAt: string | null;
}

export type CheckStatus = "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending";
export type CheckConclusion =
  | "action_required"
  | "cancelled"
  | "failure"
  | "neutral"
  | "success"
  | "skipped"
  | "stale"
  | "timed_out";

export interface CheckOutput {
  title: string | null;
  summary: string | null;
  text: string | null;
}

export interface CheckRun {
  id: number;
  name: string;
  headSha: string;
  status: CheckStatus;
  conclusion: CheckConclusion | null;
  output: CheckOutput;
  detailsUrl: string | null;
  externalId: string | null;
  startedAt: string | null;
  completedAt: string | null;
  app: AppRef;
  suiteId: number;
}

export interface CheckSuite {
  id: number;
  headSha: string;
  headBranch: string | null;
  app: AppRef;
  status: "queued" | "in_progress" | "completed";
  conclusion: CheckConclusion | null;
  createdAt: string;
  updatedAt: string;
}

export type StatusState = "error" | "failure" | "pending" | "success";

export interface CommitStatus {
  id: number;
  sha: string;
  context: string;
  state: StatusState;
  description: string | null;
  targetUrl: string | null;
  creator: Account;
  createdAt: string;
  updatedAt: string;
}

export interface Release {
  id: number;
  tagName: string;
  targetCommitish: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  author: Account;
  createdAt: string;
  publishedAt: string | null;
}

export interface BranchProtection {
  /** Check-run names or status contexts that must succeed on the PR head. */
  requiredChecks: string[];
  /** Require the head to contain the base tip ("Require branches to be up to date"). */
  strict: boolean;
  /*
   * The rest is set only through `PUT /branches/{branch}/protection` (the REST model); every
   * field is optional so `RepoHandle.protect()` keeps working. Absent means GitHub's default.
   */
  /** False when the PUT sent `required_status_checks: null` (default true). */
  statusChecksEnabled?: boolean;
  /** Required check → id of the app that must report it (absent: any source). */
  checkApps?: Record<string, number>;
  /** Pull request reviews; absent: reviews not required. */
  reviews?: ProtectionReviews;
  enforceAdmins?: boolean;
  requiredLinearHistory?: boolean;
  allowForcePushes?: boolean;
  allowDeletions?: boolean;
  blockCreations?: boolean;
  requiredConversationResolution?: boolean;
  lockBranch?: boolean;
  allowForkSyncing?: boolean;
  /** Push restrictions (logins / team slugs / app slugs); absent: none. */
  restrictions?: ProtectionActors;
}

export interface ProtectionActors {
  users: string[];
  teams: string[];
  apps: string[];
}

export interface ProtectionReviews {
  requiredApprovingReviewCount: number;
  dismissStaleReviews: boolean;
  requireCodeOwnerReviews: boolean;
  requireLastPushApproval: boolean;
  dismissalRestrictions?: ProtectionActors;
  bypassAllowances?: ProtectionActors;
}

export interface RepoState {
  id: number;
  owner: Account;
  name: string;
  fullName: string;
  defaultBranch: string;
  private: boolean;
  description: string | null;
  /** The repository this one was forked from. */
  parent: RepoState | null;
  /** Whether the app under test is installed here (webhooks, write access). */
  installed: boolean;
  /** Branch protection: branch name → rules (affects mergeable_state and merging). */
  protection: Map<string, BranchProtection>;
  createdAt: string;
  pushedAt: string;
  updatedAt: string;
  /** Full ref name (`refs/heads/x`, `refs/tags/v1`) → object sha (commit or tag object). */
  refs: Map<string, string>;
  collaborators: Map<string, Permission>;
  /** Lower-cased name → label. */
  labels: Map<string, Label>;
  /** Issues and pull requests share one number sequence, as on GitHub. */
  issues: Map<number, IssueState>;
  /** Numbers of deleted issues: GitHub answers 410 Gone for them. */
  deletedIssues: Set<number>;
  nextNumber: number;
  comments: Map<number, IssueComment>;
  reviews: Review[];
  checkRuns: Map<number, CheckRun>;
  checkSuites: Map<number, CheckSuite>;
  statuses: CommitStatus[];
  releases: Map<number, Release>;
}

export function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/** Canonical JSON: object keys sorted, so equal values hash equally. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** GitHub-style global node id, e.g. base64("04:User42"). */
export function nodeId(type: string, id: number | string): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString("base64");
}

export type NewCommit = Omit<CommitObject, "sha" | "tree"> & { files: FileMap };

/** Global stores shared by all repositories (fork networks see each other's commits). */
export class World implements CommitGraph {
  private lastId = 1000;
  readonly accounts = new Map<string, Account>();
  readonly commits = new Map<string, CommitObject>();
  readonly trees = new Map<string, FileMap>();
  readonly blobs = new Map<string, string>();
  readonly tags = new Map<string, TagObject>();
  /** Lower-cased `owner/name` → repository. */
  readonly repos = new Map<string, RepoState>();

  newId(): number {
    this.lastId += 1;
    return this.lastId;
  }

  /** The account for `login`, created on first use. */
  account(login: string, type: AccountType = "User"): Account {
    const key = login.toLowerCase();
    let account = this.accounts.get(key);
    if (!account) {
      account = { login, id: this.newId(), type };
      this.accounts.set(key, account);
    }
    return account;
  }

  signature(account: Account, date: string): GitSignature {
    return { name: account.login, email: `${account.id}+${account.login}@users.noreply.github.com`, date };
  }

  /** Git's blob id: sha1("blob <length>\0<content>"). */
  putBlob(content: string): string {
    const sha = sha1(`blob ${Buffer.byteLength(content)}\0${content}`);
    this.blobs.set(sha, content);
    return sha;
  }

  /** Stores a flat tree; its id is sha1 of the canonical path → blob-id map (not git's tree format). */
  putTree(files: FileMap): string {
    const entries: Record<string, string> = {};
    for (const [path, content] of Object.entries(files)) entries[path] = this.putBlob(content);
    const sha = sha1(`tree ${canonical(entries)}`);
    this.trees.set(sha, { ...files });
    return sha;
  }

  putCommit(input: NewCommit): CommitObject {
    const tree = this.putTree(input.files);
    const { files: _files, ...rest } = input;
    const sha = sha1(`commit ${canonical({ ...rest, authorLogin: null, committerLogin: null, tree })}`);
    const commit: CommitObject = { ...rest, sha, tree };
    if (!this.commits.has(sha)) this.commits.set(sha, commit);
    return this.commits.get(sha) as CommitObject;
  }

  putTag(input: Omit<TagObject, "sha">): TagObject {
    const sha = sha1(`tag ${canonical(input)}`);
    const tag: TagObject = { ...input, sha };
    this.tags.set(sha, tag);
    return tag;
  }

  parentsOf(sha: string): readonly string[] | undefined {
    return this.commits.get(sha)?.parents;
  }

  commitFiles(sha: string): FileMap {
    const commit = this.commits.get(sha);
    if (!commit) throw new Error(`twin: unknown commit ${sha}`);
    return this.trees.get(commit.tree) ?? {};
  }

  /** Follows annotated tag objects to the commit they point at. */
  peel(sha: string): string {
    let current = sha;
    for (let tag = this.tags.get(current); tag; tag = this.tags.get(current)) current = tag.object;
    return current;
  }

  repo(owner: string, name: string): RepoState | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }
}

export function newRepoState(
  world: World,
  init: {
    owner: Account;
    name: string;
    defaultBranch: string;
    private: boolean;
    parent: RepoState | null;
    installed: boolean;
    now: string;
  },
): RepoState {
  const repo: RepoState = {
    id: world.newId(),
    owner: init.owner,
    name: init.name,
    fullName: `${init.owner.login}/${init.name}`,
    defaultBranch: init.defaultBranch,
    private: init.private,
    description: null,
    parent: init.parent,
    installed: init.installed,
    protection: new Map(),
    createdAt: init.now,
    pushedAt: init.now,
    updatedAt: init.now,
    refs: new Map(),
    collaborators: new Map(),
    labels: new Map(),
    issues: new Map(),
    deletedIssues: new Set(),
    nextNumber: 1,
    comments: new Map(),
    reviews: [],
    checkRuns: new Map(),
    checkSuites: new Map(),
    statuses: [],
    releases: new Map(),
  };
  world.repos.set(repo.fullName.toLowerCase(), repo);
  return repo;
}

/** The permission `login` has on `repo` (owner → admin), or null. */
export function permissionOf(repo: RepoState, login: string): Permission | null {
  if (login.toLowerCase() === repo.owner.login.toLowerCase()) return "admin";
  for (const [user, permission] of repo.collaborators) if (user.toLowerCase() === login.toLowerCase()) return permission;
  return null;
}
