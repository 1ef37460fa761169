/** Releases. Publishing a release whose tag does not exist creates a lightweight tag, as GitHub does. */
import type { Core } from "../core.js";
import { now } from "../core.js";
import { HttpError, validationFailed } from "../errors.js";
import { emitEvent } from "../events.js";
import { TEXT_LIMITS, checkLength } from "../limits.js";
import { releaseJson } from "../serialize.js";
import type { Account, Release, RepoState } from "../state.js";
import { applyRefChange, resolveCommit } from "./refs.js";

export interface ReleaseInput {
  tagName?: string;
  targetCommitish?: string;
  name?: string | null;
  body?: string | null;
  draft?: boolean;
  prerelease?: boolean;
}

export function createRelease(core: Core, repo: RepoState, input: ReleaseInput, actor: Account): Release {
  if (!input.tagName) throw validationFailed({ resource: "Release", code: "missing_field", field: "tag_name" });
  checkLength("Release", "body", input.body, TEXT_LIMITS.releaseBody);
  const tagName = input.tagName;
  if ([...repo.releases.values()].some((r) => r.tagName === tagName)) {
    throw validationFailed({ resource: "Release", code: "already_exists", field: "tag_name" });
  }
  const release: Release = {
    id: core.world.newId(),
    tagName,
    targetCommitish: input.targetCommitish ?? repo.defaultBranch,
    name: input.name ?? null,
    body: input.body ?? null,
    draft: input.draft ?? false,
    prerelease: input.prerelease ?? false,
    author: actor,
    createdAt: now(core),
    publishedAt: null,
  };
  if (!release.draft) ensureTag(core, repo, release, actor);
  repo.releases.set(release.id, release);
  emitRelease(core, repo, release, "created", actor);
  if (!release.draft) publish(core, repo, release, actor);
  return release;
}

export function updateRelease(core: Core, repo: RepoState, release: Release, input: ReleaseInput, actor: Account): void {
  checkLength("Release", "body", input.body, TEXT_LIMITS.releaseBody);
  const tagName = input.tagName;
  if (tagName !== undefined && tagName !== release.tagName && [...repo.releases.values()].some((r) => r.tagName === tagName)) {
    throw validationFailed({ resource: "Release", code: "already_exists", field: "tag_name" });
  }
  const publishing = release.draft && input.draft === false;
  if (tagName !== undefined) release.tagName = tagName;
  if (input.targetCommitish !== undefined) release.targetCommitish = input.targetCommitish;
  if (input.name !== undefined) release.name = input.name;
  if (input.body !== undefined) release.body = input.body;
  if (input.prerelease !== undefined) release.prerelease = input.prerelease;
  if (input.draft !== undefined) release.draft = input.draft;
  if (publishing) {
    ensureTag(core, repo, release, actor);
    publish(core, repo, release, actor);
  } else {
    emitRelease(core, repo, release, "edited", actor);
  }
}

function ensureTag(core: Core, repo: RepoState, release: Release, actor: Account): void {
  const ref = `refs/tags/${release.tagName}`;
  if (repo.refs.has(ref)) return;
  const sha = resolveCommit(core, repo, release.targetCommitish);
  if (!sha) throw validationFailed({ resource: "Release", code: "invalid", field: "target_commitish" });
  applyRefChange(core, repo, ref, sha, actor);
}

function publish(core: Core, repo: RepoState, release: Release, actor: Account): void {
  release.publishedAt = now(core);
  emitRelease(core, repo, release, "published", actor);
}

function emitRelease(core: Core, repo: RepoState, release: Release, action: string, actor: Account): void {
  emitEvent(core, "release", action, repo, actor, { release: releaseJson(core, repo, release) });
}

export function releaseByTag(repo: RepoState, tag: string): Release {
  const release = [...repo.releases.values()].find((r) => r.tagName === tag && !r.draft);
  if (!release) throw new HttpError(404, "Not Found");
  return release;
}
