/**
 * `GET /compare/{base}...{head}`: the one adapter for comparing two commits. GitHub's counts
 * (`ahead_by`, `behind_by`, `total_commits`) are exact whatever the range; the commits are read
 * page by page up to a cap, the last page always included so that the newest commits (the head
 * and its first parents) are present. What stays unread is marked `partial`.
 */
import type { CommitFact } from "../policy/release.js";
import type { Octokit, RepoRef } from "./types.js";

/** A commit of a comparison: `title` is the message's first line (fits `CommitSummary`). */
export type ComparedCommit = CommitFact & { readonly title: string };

export interface Comparison {
  /** identical | ahead (base is an ancestor of head) | behind | diverged */
  readonly status: "identical" | "ahead" | "behind" | "diverged";
  /** Commits in head, not in base, and the reverse: GitHub's own counts. */
  readonly aheadBy: number;
  readonly behindBy: number;
  /** Commits in head, not in base: GitHub's own count, whatever was read. */
  readonly totalCommits: number;
  readonly baseSha: string;
  readonly mergeBaseSha: string;
  /** Files changed as GitHub lists them on the first page: at most 300, so 300 means "300 or more". */
  readonly filesChanged: number;
  /** Commits in head, not in base, oldest first (see `readAllPages`). */
  readonly commits: readonly ComparedCommit[];
  /** Fewer commits were read than `totalCommits`: anything counted from `commits` is a lower bound. */
  readonly partial: boolean;
  /** `base...head`, to read further pages. */
  readonly basehead: string;
}

/** GitHub's largest page of compare commits. */
export const COMPARE_PAGE_SIZE = 100;
/** Requests spent on one comparison's commits at most (1,000 commits; the last page comes on top). */
export const MAX_COMPARE_PAGES = 10;

export interface CompareOptions {
  /** Requests spent on commits at most; 1 reads the status, the counts and the oldest page only. */
  readonly maxPages?: number;
}

type CompareData = Awaited<ReturnType<Octokit["rest"]["repos"]["compareCommitsWithBasehead"]>>["data"];

const commitsOf = (data: CompareData): ComparedCommit[] =>
  data.commits.map((c) => ({
    sha: c.sha,
    title: c.commit.message.split("\n")[0] ?? "",
    message: c.commit.message,
    author: c.author?.login ?? c.commit.author?.name ?? null,
    parents: (c.parents ?? []).map((p) => p.sha),
  }));

/** A first page of `GET /compare/{basehead}` as a Comparison. */
export function comparisonOf(data: CompareData, basehead: string): Comparison {
  const commits = commitsOf(data);
  return {
    status: data.status,
    aheadBy: data.ahead_by,
    behindBy: data.behind_by,
    totalCommits: data.total_commits,
    // Read defensively: only the fields a caller uses must be there (mocks carry the ones they need).
    baseSha: data.base_commit?.sha ?? "",
    mergeBaseSha: data.merge_base_commit?.sha ?? "",
    filesChanged: data.files?.length ?? 0,
    commits,
    partial: commits.length < data.total_commits,
    basehead,
  };
}

/**
 * Compares `base...head` (the base may be a tag name: GitHub peels annotated tags). One request
 * when the range has at most 100 commits; otherwise every page up to `maxPages` requests in all.
 */
export async function compare(octokit: Octokit, repo: RepoRef, base: string, head: string, options: CompareOptions = {}): Promise<Comparison> {
  const basehead = `${base}...${head}`;
  const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead, per_page: COMPARE_PAGE_SIZE });
  return readAllPages(octokit, repo, comparisonOf(data, basehead), options.maxPages ?? MAX_COMPARE_PAGES);
}

/**
 * The rest of a comparison's commits: every page up to `maxPages` requests in all, and the last
 * page in any case, so the newest commits are present. What stays unread is marked `partial`.
 */
export async function readAllPages(octokit: Octokit, repo: RepoRef, first: Comparison, maxPages = MAX_COMPARE_PAGES): Promise<Comparison> {
  if (!first.partial || first.commits.length === 0 || maxPages <= 1) return first;
  const pages = Math.ceil(first.totalCommits / COMPARE_PAGE_SIZE);
  const wanted = pages <= maxPages ? range(2, pages) : [...range(2, maxPages - 1), pages];
  const bySha = new Map(first.commits.map((c) => [c.sha, c]));
  for (const page of wanted) {
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: first.basehead, per_page: COMPARE_PAGE_SIZE, page });
    const fresh = commitsOf(data).filter((c) => !bySha.has(c.sha));
    if (fresh.length === 0) break; // a server that ignores paging gave everything it had on the first page
    for (const c of fresh) bySha.set(c.sha, c);
  }
  const commits = [...bySha.values()];
  return { ...first, commits, partial: commits.length < first.totalCommits };
}

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** One comparison per `base...head` within one piece of work (a PR's gate facts): asked twice, read once. */
export function memoizedCompare(octokit: Octokit, repo: RepoRef, options: CompareOptions = {}): (base: string, head: string) => Promise<Comparison> {
  const seen = new Map<string, Promise<Comparison>>();
  return (base, head) => {
    const key = `${base}...${head}`;
    let result = seen.get(key);
    if (!result) seen.set(key, (result = compare(octokit, repo, base, head, options)));
    return result;
  };
}
