/**
 * The one refusal per person and PR for a command from someone without write access. Its hidden
 * marker names the login, so every later command from them on that PR finds it (remembered in
 * this process, or read from GitHub) and writes nothing.
 */
import { findMarkedComment, writeComment } from "../github/comments.js";
import { courtesy } from "../github/courtesy-gate.js";
import type { Octokit, RepoRef } from "../github/types.js";
import { lockKey } from "../infra/lock-keys.js";
import type { WorkLock } from "../infra/work-lock.js";
import { refusalMarker, renderRefusal } from "../render/commands.js";

export interface Refusal extends RepoRef {
  readonly number: number;
  readonly login: string;
  readonly botLogin: string;
  readonly command: string;
}

/**
 * Refusals this app instance wrote or found, by PR and login: a repeat costs the permission read
 * only, not a read of every comment on the PR. A cache: GitHub (the marker) stays the truth.
 */
const refusedBefore = new WeakMap<object, Set<string>>();
const REMEMBERED = 10_000;

/** The refusal, unless this person was refused on this PR before (one at a time per person and PR). */
export async function refuseOnce(octokit: Octokit, r: Refusal, lock: Pick<WorkLock, "run"> | undefined): Promise<"refused" | "already refused"> {
  const key = lockKey({ kind: "refusal", repo: { owner: r.owner, repo: r.repo }, pr: r.number, login: r.login });
  const memo = lock ? (refusedBefore.get(lock) ?? new Set<string>()) : new Set<string>();
  if (lock) refusedBefore.set(lock, memo);
  const remember = () => {
    if (memo.size >= REMEMBERED) memo.delete(memo.values().next().value as string); // the oldest
    memo.add(key);
  };
  const where = { owner: r.owner, repo: r.repo, issueNumber: r.number, marker: refusalMarker(r.login), botLogin: r.botLogin };
  const refuse = async () => {
    if (memo.has(key)) return "already refused" as const;
    if (await findMarkedComment(octokit, where)) {
      remember();
      return "already refused" as const;
    }
    // Created once; if another replica created it too, writeComment keeps the oldest.
    await courtesy(() => writeComment(octokit, where, undefined, renderRefusal(r.login, r.command)));
    remember();
    return "refused" as const;
  };
  if (memo.has(key)) return "already refused";
  return lock ? lock.run(key, refuse) : refuse();
}
