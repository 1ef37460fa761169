/** The only place work-lock keys are built. */
import type { RepoRef } from "../github/types.js";

export type LockSubject =
  | { readonly kind: "check"; readonly repo: RepoRef; readonly pr: number }
  | { readonly kind: "backport"; readonly repo: RepoRef; readonly pr: number }
  | { readonly kind: "release"; readonly repo: RepoRef };

/** Lower-cased, because GitHub's owner and repository names are case-insensitive. */
export function lockKey(s: LockSubject): string {
  const repo = `${s.repo.owner}/${s.repo.repo}`.toLowerCase();
  return s.kind === "release" ? `release:${repo}` : `${repo}#${s.pr}:${s.kind}`;
}
