/**
 * Tags on GitHub: list every tag (all pages), relate a tag to a commit with compare, read a tag
 * back (dereferencing annotated tags), and create an annotated tag whose ref creation is the
 * atomic step. Tags are never moved or deleted.
 */
import type { CommitFact } from "../policy/release.js";
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

export interface Comparison {
  /** identical | ahead (base is an ancestor of head) | behind | diverged */
  readonly status: string;
  readonly baseSha: string;
  readonly totalCommits: number;
  /** Commits in head, not in base (the first page: up to 100). */
  readonly commits: readonly CommitFact[];
}

type CompareData = Awaited<ReturnType<Octokit["rest"]["repos"]["compareCommitsWithBasehead"]>>["data"];

const commitFacts = (data: CompareData): CommitFact[] =>
  data.commits.map((c) => ({
    sha: c.sha,
    message: c.commit.message,
    author: c.author?.login ?? c.commit.author?.name ?? null,
    parents: (c.parents ?? []).map((p) => p.sha),
  }));

/**
 * `GET /compare/{base}...{head}`; the base may be a tag name (GitHub peels annotated tags).
 * Commits come oldest first, 100 a page: for a longer range the last page is read too, so the
 * newest commits (the head and its first parents) are always present. At most two requests.
 */
export async function compareCommits(octokit: Octokit, repo: RepoRef, base: string, head: string): Promise<Comparison> {
  const basehead = `${base}...${head}`;
  const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead, per_page: 100 });
  let commits = commitFacts(data);
  if (data.total_commits > commits.length && commits.length > 0) {
    const page = Math.ceil(data.total_commits / 100);
    const { data: last } = await octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead, per_page: 100, page });
    const seen = new Set(commits.map((c) => c.sha));
    commits = [...commits, ...commitFacts(last).filter((c) => !seen.has(c.sha))];
  }
  return { status: data.status, baseSha: data.base_commit.sha, totalCommits: data.total_commits, commits };
}

export interface TagTarget {
  /** The commit the tag points at, after dereferencing an annotated tag. */
  readonly commitSha: string;
  /** The annotated tag's message; null for a lightweight tag. */
  readonly message: string | null;
}

const status = (error: unknown): number | undefined =>
  typeof error === "object" && error !== null && "status" in error ? Number((error as { status: unknown }).status) : undefined;

/** Reads `refs/tags/<name>` back; null when it does not exist. */
export async function readTag(octokit: Octokit, repo: RepoRef, name: string): Promise<TagTarget | null> {
  let ref;
  try {
    ({ data: ref } = await octokit.rest.git.getRef({ ...repo, ref: `tags/${name}` }));
  } catch (error) {
    if (status(error) === 404) return null;
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
    if (status(error) === 422 && /already exists/i.test(errorText(error))) return "exists";
    throw error;
  }
}

export function errorText(error: unknown): string {
  if (typeof error !== "object" || error === null) return String(error);
  const response = (error as { response?: { data?: unknown } }).response;
  const data = response?.data ? JSON.stringify(response.data) : "";
  return `${error instanceof Error ? error.message : ""} ${data}`;
}

/** A 403 that is a (secondary) rate limit, not a missing permission: retry later, do not blame permissions. */
export function isRateLimited(error: unknown): boolean {
  if (status(error) !== 403 && status(error) !== 429) return false;
  const headers = (error as { response?: { headers?: Record<string, unknown> } }).response?.headers ?? {};
  return headers["retry-after"] !== undefined || String(headers["x-ratelimit-remaining"]) === "0" || /rate limit/i.test(errorText(error));
}

export { status as httpStatus };
