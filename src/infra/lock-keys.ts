/** The only place work-lock keys are built. */
import type { RepoRef } from "../github/types.js";

export type LockSubject =
  | { readonly kind: "check"; readonly repo: RepoRef; readonly pr: number }
  | { readonly kind: "backport"; readonly repo: RepoRef; readonly pr: number }
  | { readonly kind: "release"; readonly repo: RepoRef }
  /** A merge queue group's check, one per group commit. */
  | { readonly kind: "merge-group"; readonly repo: RepoRef; readonly sha: string }
  /** Queue jobs about a branch (a push) or a commit (a check or status on it). */
  | { readonly kind: "branch"; readonly repo: RepoRef; readonly branch: string }
  | { readonly kind: "commit"; readonly repo: RepoRef; readonly sha: string }
  /** The dashboard issue and the scheduled sync PR of a repository; its ticked boxes. */
  | { readonly kind: "dashboard"; readonly repo: RepoRef }
  | { readonly kind: "dashboard-action"; readonly repo: RepoRef }
  /** A command refusal, one per person and PR. */
  | { readonly kind: "refusal"; readonly repo: RepoRef; readonly pr: number; readonly login: string };

/** Lower-cased, because GitHub's owner and repository names are case-insensitive. */
export function lockKey(s: LockSubject): string {
  const repo = `${s.repo.owner}/${s.repo.repo}`.toLowerCase();
  if (s.kind === "release") return `release:${repo}`;
  if (s.kind === "merge-group") return `${repo}@${s.sha.toLowerCase()}:merge-group`;
  if (s.kind === "branch") return `${repo}:branch:${s.branch}`;
  if (s.kind === "commit") return `${repo}@${s.sha.toLowerCase()}`;
  if (s.kind === "dashboard" || s.kind === "dashboard-action") return `${s.kind}:${repo}`;
  if (s.kind === "refusal") return `${repo}#${s.pr}:refused:${s.login.toLowerCase()}`;
  return `${repo}#${s.pr}:${s.kind}`;
}
