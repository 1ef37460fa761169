/**
 * Tags on GitHub: list every tag (all pages), read a tag
 * back (dereferencing annotated tags), and create an annotated tag whose ref creation is the
 * atomic step. Tags are never moved or deleted.
 */
import { httpStatus, isAlreadyExists } from "./errors.js";
import type { Octokit, RepoRef } from "./types.js";

export interface TagRef {
  readonly name: string;
  /** The ref's object: a commit (lightweight tag) or a tag object (annotated tag). */
  readonly sha: string;
  readonly type: string;
}

/** Every tag: `GET /git/matching-refs/tags/`, all pages, no assumption about order. */
export async function listTags(octokit: Octokit, repo: RepoRef): Promise<TagRef[]> {
  const refs = await octokit.paginate(octokit.rest.git.listMatchingRefs, { ...repo, ref: "tags/", per_page: 100 });
  return refs
    .filter((r) => r.ref.startsWith("refs/tags/"))
    .map((r) => ({ name: r.ref.slice("refs/tags/".length), sha: r.object.sha, type: r.object.type }));
}

export interface TagTarget {
  /** The commit the tag points at, after dereferencing an annotated tag. */
  readonly commitSha: string;
  /** The annotated tag's message; null for a lightweight tag. */
  readonly message: string | null;
}

/** Reads `refs/tags/<name>` back; null when it does not exist. */
export async function readTag(octokit: Octokit, repo: RepoRef, name: string): Promise<TagTarget | null> {
  let ref;
  try {
    ({ data: ref } = await octokit.rest.git.getRef({ ...repo, ref: `tags/${name}` }));
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw error;
  }
  return dereference(octokit, repo, ref.object);
}

/** A tag ref's object → the commit; annotated tags are read (`GET /git/tags/{sha}`), possibly nested. */
export async function dereference(octokit: Octokit, repo: RepoRef, object: { sha: string; type: string }): Promise<TagTarget> {
  let current = object;
  let message: string | null = null;
  for (let depth = 0; current.type === "tag" && depth < 5; depth++) {
    const { data } = await octokit.rest.git.getTag({ ...repo, tag_sha: current.sha });
    message ??= data.message;
    current = data.object;
  }
  return { commitSha: current.sha, message };
}

export type TagCreation = "created" | "exists";

/**
 * Creates the annotated tag object, then `refs/tags/<name>` pointing at it. The ref creation is
 * atomic: "exists" means someone else holds the name, and the caller must read it back.
 */
export async function createAnnotatedTag(
  octokit: Octokit,
  repo: RepoRef,
  tag: { name: string; message: string; commitSha: string },
): Promise<TagCreation> {
  const { data: object } = await octokit.rest.git.createTag({
    ...repo,
    tag: tag.name,
    message: tag.message,
    object: tag.commitSha,
    type: "commit",
  });
  try {
    await octokit.rest.git.createRef({ ...repo, ref: `refs/tags/${tag.name}`, sha: object.sha });
    return "created";
  } catch (error) {
    if (isAlreadyExists(error)) return "exists";
    throw error;
  }
}
