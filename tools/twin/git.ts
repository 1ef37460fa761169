/**
 * Pure git helpers over a commit graph and flat file maps (path → content).
 * No I/O, no state: everything here is a function of its inputs.
 */

/** Flat snapshot of a tree: path → file content. */
export type FileMap = Readonly<Record<string, string>>;

/** Read access to commit parents. */
export interface CommitGraph {
  parentsOf(sha: string): readonly string[] | undefined;
}

/** All commits reachable from `sha`, including `sha` itself. */
export function ancestors(graph: CommitGraph, sha: string): Set<string> {
  const seen = new Set<string>();
  const stack = [sha];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    if (seen.has(current)) continue;
    seen.add(current);
    for (const parent of graph.parentsOf(current) ?? []) stack.push(parent);
  }
  return seen;
}

/** True when `ancestor` is reachable from `descendant` (a commit is its own ancestor). */
export function isAncestor(graph: CommitGraph, ancestor: string, descendant: string): boolean {
  return ancestors(graph, descendant).has(ancestor);
}

/**
 * Nearest common ancestor, found breadth-first from `b`. For criss-cross histories git
 * may pick a different (or virtual) base; the twin picks the first one found.
 */
export function mergeBase(graph: CommitGraph, a: string, b: string): string | null {
  const fromA = ancestors(graph, a);
  const queue = [b];
  const seen = new Set<string>();
  for (let i = 0; i < queue.length; i++) {
    const current = queue[i] as string;
    if (seen.has(current)) continue;
    seen.add(current);
    if (fromA.has(current)) return current;
    queue.push(...(graph.parentsOf(current) ?? []));
  }
  return null;
}

/**
 * Commits reachable from `head` but not from `base` (git's `base..head`), parents before
 * children (first-parent chain first), i.e. oldest first.
 */
export function commitsBetween(graph: CommitGraph, base: string | null, head: string): string[] {
  const excluded = base === null ? new Set<string>() : ancestors(graph, base);
  const out: string[] = [];
  const seen = new Set<string>();
  const stack: Array<{ sha: string; done: boolean }> = [{ sha: head, done: false }];
  while (stack.length > 0) {
    const { sha, done } = stack.pop() as { sha: string; done: boolean };
    if (done) {
      out.push(sha);
      continue;
    }
    if (seen.has(sha) || excluded.has(sha)) continue;
    seen.add(sha);
    stack.push({ sha, done: true });
    const parents = graph.parentsOf(sha) ?? [];
    for (let i = parents.length - 1; i >= 0; i--) stack.push({ sha: parents[i] as string, done: false });
  }
  return out;
}

export type CompareStatus = "identical" | "ahead" | "behind" | "diverged";

export interface AheadBehind {
  status: CompareStatus;
  /** Commits in head not in base, oldest first. */
  ahead: string[];
  /** Commits in base not in head, oldest first. */
  behind: string[];
  mergeBase: string | null;
}

export function aheadBehind(graph: CommitGraph, base: string, head: string): AheadBehind {
  const ahead = commitsBetween(graph, base, head);
  const behind = commitsBetween(graph, head, base);
  const status: CompareStatus =
    base === head ? "identical" : behind.length === 0 ? "ahead" : ahead.length === 0 ? "behind" : "diverged";
  return { status, ahead, behind, mergeBase: mergeBase(graph, base, head) };
}

export interface MergeResult {
  files: Record<string, string>;
  /** Paths both sides changed differently since the merge base. */
  conflicts: string[];
}

/**
 * File-level 3-way merge. A path conflicts when both sides changed it (including
 * deletion) since `base` and the results differ. No line-level merging: git would
 * merge non-overlapping hunks in the same file, the twin reports a conflict.
 */
export function mergeTrees(base: FileMap, ours: FileMap, theirs: FileMap): MergeResult {
  const files: Record<string, string> = {};
  const conflicts: string[] = [];
  const paths = new Set([...Object.keys(base), ...Object.keys(ours), ...Object.keys(theirs)]);
  for (const path of [...paths].sort()) {
    const b = base[path];
    const o = ours[path];
    const t = theirs[path];
    let result: string | undefined;
    if (o === t) result = o;
    else if (o === b) result = t;
    else if (t === b) result = o;
    else {
      conflicts.push(path);
      result = o;
    }
    if (result !== undefined) files[path] = result;
  }
  return { files, conflicts };
}

export interface FileChange {
  filename: string;
  status: "added" | "removed" | "modified";
  additions: number;
  deletions: number;
}

/**
 * Per-file changes from `from` to `to`. Line counts are a multiset difference of lines
 * (not a real diff): moved lines count as unchanged.
 */
export function diffFiles(from: FileMap, to: FileMap): FileChange[] {
  const paths = new Set([...Object.keys(from), ...Object.keys(to)]);
  const changes: FileChange[] = [];
  for (const filename of [...paths].sort()) {
    const before = from[filename];
    const after = to[filename];
    if (before === after) continue;
    const { additions, deletions } = countLines(before ?? "", after ?? "");
    const status = before === undefined ? "added" : after === undefined ? "removed" : "modified";
    changes.push({ filename, status, additions, deletions });
  }
  return changes;
}

function countLines(before: string, after: string): { additions: number; deletions: number } {
  const counts = new Map<string, number>();
  const lines = (text: string) => (text === "" ? [] : text.split("\n"));
  for (const line of lines(before)) counts.set(line, (counts.get(line) ?? 0) + 1);
  let additions = 0;
  for (const line of lines(after)) {
    const left = counts.get(line) ?? 0;
    if (left > 0) counts.set(line, left - 1);
    else additions++;
  }
  let deletions = 0;
  for (const left of counts.values()) deletions += left;
  return { additions, deletions };
}
