/** The only place work-lock keys are built. */
import type { RepoRef } from "../github/types.js";

export type LockSubject =
  | { readonly kind: "check"; readonly repo: RepoRef; readonly pr: number }
  | { readonly kind: "backport"; readonly repo: RepoRef; readonly pr: number }
  | { readonly kind: "release"; readonly repo: RepoRef }
  /** The dashboard issue and the scheduled sync PR of a repository; its ticked boxes. */
  | { readonly kind: "dashboard"; readonly repo: RepoRef }
  | { readonly kind: "dashboard-action"; readonly repo: RepoRef }
  /** A command refusal, one per person and PR. */
  | { readonly kind: "refusal"; readonly repo: RepoRef; readonly pr: number; readonly login: string };

/** Lower-cased, because GitHub's owner and repository names are case-insensitive. */
export function lockKey(s: LockSubject): string {
  const repo = `${s.repo.owner}/${s.repo.repo}`.toLowerCase();
  if (s.kind === "release") return `release:${repo}`;
  if (s.kind === "dashboard" || s.kind === "dashboard-action") return `${s.kind}:${repo}`;
  if (s.kind === "refusal") return `${repo}#${s.pr}:refused:${s.login.toLowerCase()}`;
  return `${repo}#${s.pr}:${s.kind}`;
}
