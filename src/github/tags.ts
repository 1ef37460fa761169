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
  /** `base...head`, to read further pages. */
  readonly basehead: string;
  /** Commits in head, not in base: GitHub's own count, whatever was read. */
  readonly totalCommits: number;
  /**
   * Commits in head, not in base, oldest first: the first page only (`compareFirstPage`), or every
   * page up to a cap (`compareCommits`), the last page always included so that the newest commits
   * (the head and its first parents) are present.
   */
  readonly commits: readonly CommitFact[];
  /** Fewer commits were read than `totalCommits`: anything counted from `commits` is a lower bound. */
  readonly partial: boolean;
}

/** GitHub's largest page of compare commits. */
export const COMPARE_PAGE_SIZE = 100;
/** Requests spent on one comparison's commits at most (1,000 commits; the last page comes on top). */
export const MAX_COMPARE_PAGES = 10;

type CompareData = Awaited<ReturnType<Octokit["rest"]["repos"]["compareCommitsWithBasehead"]>>["data"];

const commitFacts = (data: CompareData): CommitFact[] =>
  data.commits.map((c) => ({
    sha: c.sha,
    message: c.commit.message,
    author: c.author?.login ?? c.commit.author?.name ?? null,
    parents: (c.parents ?? []).map((p) => p.sha),
  }));

/** `GET /compare/{base}...{head}`, one request: the status, the total and the oldest commits. The base may be a tag name (GitHub peels annotated tags). */
export async function compareFirstPage(octokit: Octokit, repo: RepoRef, base: string, head: string): Promise<Comparison> {
  const basehead = `${base}...${head}`;
  const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead, per_page: COMPARE_PAGE_SIZE });
  return comparisonOf(data, basehead);
}

/** A first page of `GET /compare/{basehead}` as a Comparison (to read its other pages with `readAllPages`). */
export function comparisonOf(data: CompareData, basehead: string): Comparison {
  const commits = commitFacts(data);
  return { status: data.status, baseSha: data.base_commit.sha, basehead, totalCommits: data.total_commits, commits, partial: commits.length < data.total_commits };
}

/**
 * The rest of a comparison's commits: every page up to `maxPages` requests in all, and the last
 * page in any case, so the newest commits are present. What stays unread is marked `partial`.
 */
export async function readAllPages(octokit: Octokit, repo: RepoRef, first: Comparison, maxPages = MAX_COMPARE_PAGES): Promise<Comparison> {
  if (!first.partial || first.commits.length === 0) return first;
  const pages = Math.ceil(first.totalCommits / COMPARE_PAGE_SIZE);
  const wanted = pages <= maxPages ? range(2, pages) : [...range(2, maxPages - 1), pages];
  const bySha = new Map(first.commits.map((c) => [c.sha, c]));
  for (const page of wanted) {
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: first.basehead, per_page: COMPARE_PAGE_SIZE, page });
    const fresh = commitFacts(data).filter((c) => !bySha.has(c.sha));
    if (fresh.length === 0) break; // a server that ignores paging gave everything it had on the first page
    for (const c of fresh) bySha.set(c.sha, c);
  }
  const commits = [...bySha.values()];
  return { ...first, commits, partial: commits.length < first.totalCommits };
}

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** A comparison with its commits read page by page (see `readAllPages`). */
export async function compareCommits(octokit: Octokit, repo: RepoRef, base: string, head: string, maxPages = MAX_COMPARE_PAGES): Promise<Comparison> {
  return readAllPages(octokit, repo, await compareFirstPage(octokit, repo, base, head), maxPages);
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
