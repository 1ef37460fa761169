/**
 * Ref changes (create, move, delete) and commits made by actors. Every ref change emits
 * `push` (+ `create`/`delete`) and lets open pull requests react (synchronize, close, merge).
 */
import type { Core } from "../core.js";
import { now } from "../core.js";
import { HttpError, validationFailed } from "../errors.js";
import { emitEvent } from "../events.js";
import { commitsBetween, isAncestor } from "../git.js";
import { pushCommitJson, repoHtmlUrl } from "../serialize.js";
import type { Account, RepoState } from "../state.js";
import { onBranchMoved } from "./pulls.js";

export const ZERO_SHA = "0".repeat(40);
const FULL_SHA = /^[0-9a-f]{40}$/;
const SHORT_SHA = /^[0-9a-f]{7,39}$/;

/** `refs/heads/x` for `x`; full refs are returned as they are. */
export function fullRef(ref: string): string {
  return ref.startsWith("refs/") ? ref : `refs/${ref}`;
}

/**
 * Resolves a commit-ish as GitHub's `{ref}` parameters do: full or abbreviated sha, branch
 * name, tag name (annotated tags are peeled), `heads/x`, `tags/x` or `refs/...`.
 */
export function resolveCommit(core: Core, repo: RepoState, ref: string): string | null {
  const world = core.world;
  if (FULL_SHA.test(ref) && (world.commits.has(ref) || world.tags.has(ref))) return world.peel(ref);
  for (const candidate of [ref, `refs/heads/${ref}`, `refs/tags/${ref}`, `refs/${ref}`]) {
    const target = repo.refs.get(candidate);
    if (target) return world.peel(target);
  }
  if (SHORT_SHA.test(ref)) {
    const matches = [...world.commits.keys()].filter((sha) => sha.startsWith(ref));
    if (matches.length === 1) return matches[0] as string;
  }
  return null;
}

function objectExists(core: Core, sha: string): boolean {
  return core.world.commits.has(sha) || core.world.tags.has(sha);
}

/** `POST /git/refs`: atomic, 422 when the ref exists. */
export function createRef(core: Core, repo: RepoState, ref: string, sha: string, actor: Account): void {
  if (!/^refs\/[^/]+\/.+/.test(ref)) throw new HttpError(422, "Reference name is invalid");
  if (!objectExists(core, sha)) throw new HttpError(422, "Object does not exist");
  if (repo.refs.has(ref)) throw new HttpError(422, "Reference already exists");
  applyRefChange(core, repo, ref, sha, actor);
}

/** `PATCH /git/refs/{ref}`: refuses non-fast-forward moves of branches unless `force`. */
export function updateRef(core: Core, repo: RepoState, ref: string, sha: string, force: boolean, actor: Account): void {
  const current = repo.refs.get(ref);
  if (!current) throw new HttpError(422, "Reference does not exist");
  if (!objectExists(core, sha)) throw new HttpError(422, "Object does not exist");
  const world = core.world;
  if (!force && ref.startsWith("refs/heads/") && !isAncestor(world, world.peel(current), world.peel(sha))) {
    throw new HttpError(422, "Update is not a fast forward");
  }
  if (current !== sha) applyRefChange(core, repo, ref, sha, actor);
}

export function deleteRef(core: Core, repo: RepoState, ref: string, actor: Account): void {
  if (!repo.refs.has(ref)) throw new HttpError(422, "Reference does not exist");
  applyRefChange(core, repo, ref, null, actor);
}

/** Sets (`sha`) or deletes (`null`) a ref, then emits events and updates pull requests. */
export function applyRefChange(core: Core, repo: RepoState, ref: string, sha: string | null, actor: Account): void {
  const before = repo.refs.get(ref) ?? null;
  if (sha === null) repo.refs.delete(ref);
  else repo.refs.set(ref, sha);
  repo.pushedAt = now(core);
  emitPush(core, repo, ref, before, sha, actor);
  const branch = ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : null;
  if (branch !== null) onBranchMoved(core, repo, branch, before, sha, actor);
}

function emitPush(core: Core, repo: RepoState, ref: string, before: string | null, after: string | null, actor: Account): void {
  const world = core.world;
  const isBranch = ref.startsWith("refs/heads/");
  const shortName = ref.replace(/^refs\/(heads|tags)\//, "");
  const refType = isBranch ? "branch" : "tag";
  if (before === null && after !== null) {
    emitEvent(core, "create", null, repo, actor, {
      ref: shortName,
      ref_type: refType,
      master_branch: repo.defaultBranch,
      description: repo.description,
      pusher_type: "user",
    });
  }
  const afterCommit = after === null ? null : world.peel(after);
  const newShas = afterCommit === null || !isBranch ? [] : newCommits(core, repo, ref, before, afterCommit);
  const head = afterCommit === null ? undefined : world.commits.get(afterCommit);
  const forced = before !== null && after !== null && !isAncestor(world, world.peel(before), world.peel(after));
  emitEvent(core, "push", null, repo, actor, {
    ref,
    before: before ?? ZERO_SHA,
    after: after ?? ZERO_SHA,
    created: before === null,
    deleted: after === null,
    forced,
    base_ref: null,
    compare: `${repoHtmlUrl(core, repo)}/compare/${(before ?? ZERO_SHA).slice(0, 12)}...${(after ?? ZERO_SHA).slice(0, 12)}`,
    commits: newShas.slice(-20).map((sha) => pushCommitJson(core, repo, world.commits.get(sha) as NonNullable<typeof head>)),
    head_commit: head ? pushCommitJson(core, repo, head) : null,
    pusher: { name: actor.login, email: `${actor.id}+${actor.login}@users.noreply.github.com` },
  });
  if (after === null) {
    emitEvent(core, "delete", null, repo, actor, { ref: shortName, ref_type: refType, pusher_type: "user" });
  }
}

/** Commits a push introduces: `before..after`, or for a new branch the commits on no other branch. */
function newCommits(core: Core, repo: RepoState, ref: string, before: string | null, after: string): string[] {
  const world = core.world;
  if (before !== null) return commitsBetween(world, world.peel(before), after);
  const others = [...repo.refs.entries()].filter(([name]) => name !== ref && name.startsWith("refs/heads/"));
  return commitsBetween(world, null, after).filter((sha) => !others.some(([, tip]) => isAncestor(world, sha, world.peel(tip))));
}

export interface CommitInput {
  message: string;
  /** path → new content, or null to delete the file. */
  files: Record<string, string | null>;
  author: Account;
  /** Where to branch from when `branch` does not exist yet (sha, branch or tag). Default: the default branch. */
  from?: string;
}

/** An actor commits on `branch` (creating it if needed) and pushes. Returns the new commit sha. */
export function commitAndPush(core: Core, repo: RepoState, branch: string, input: CommitInput): string {
  const ref = `refs/heads/${branch}`;
  const parent = repo.refs.get(ref) ?? resolveCommit(core, repo, input.from ?? repo.defaultBranch);
  if (!parent) throw validationFailed({ resource: "Commit", code: "invalid", field: "from", message: `unknown base for ${branch}` });
  const files: Record<string, string> = { ...core.world.commitFiles(core.world.peel(parent)) };
  for (const [path, content] of Object.entries(input.files)) {
    if (content === null) delete files[path];
    else files[path] = content;
  }
  const signature = core.world.signature(input.author, now(core));
  const commit = core.world.putCommit({
    parents: [core.world.peel(parent)],
    files,
    message: input.message,
    author: signature,
    committer: signature,
    authorLogin: input.author.login,
    committerLogin: input.author.login,
  });
  applyRefChange(core, repo, ref, commit.sha, input.author);
  return commit.sha;
}
