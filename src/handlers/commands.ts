/**
 * Slash commands in PR comments (`/branch-steward recheck`, `/backport`) cost little, whoever
 * sends them and however often.
 *
 * - Without write access: one short refusal per person and PR. Its hidden marker names the
 *   login, so every later command from them on that PR finds it (remembered in this process, or
 *   read from GitHub) and writes nothing.
 * - With write access: 👀 on the comment at once, the command's work, then 👍 once it is done. A
 *   redelivered command whose comment already carries our 👍 does nothing; one with only 👀
 *   (an interrupted run) is done again, which is safe because the work writes only on change.
 *
 * Replies and reactions are courtesy writes (src/github/courtesy.ts): they queue behind
 * verdicts, and the 👀 is not awaited before the work, so it never holds a check run back.
 */
import type { Context } from "probot";
import { findMarkedComment, writeComment } from "../github/comments.js";
import { courtesy } from "../github/courtesy-gate.js";
import type { IdentityProvider } from "../github/identity.js";
import { isWriter } from "../github/permissions.js";
import { react, reactionsBy } from "../github/reactions.js";
import type { Octokit, RepoRef } from "../github/types.js";
import type { WorkLock } from "../infra/work-lock.js";
import { refusalMarker, renderRefusal } from "../render/commands.js";

export type CommandOutcome = "refused" | "already refused" | "already done" | "done" | "ignored";

/**
 * Runs `command` (its text, as shown in a refusal) for the comment in `context`: refuses or
 * acknowledges it as above, and calls `work` only for someone with write access.
 */
export async function runCommand(
  context: Context<"issue_comment.created">,
  identity: IdentityProvider,
  lock: Pick<WorkLock, "run"> | undefined,
  command: string,
  work: (login: string) => Promise<void>,
): Promise<CommandOutcome> {
  const { comment, issue } = context.payload;
  const login = comment.user?.login ?? "";
  if (!login) return "ignored";
  const repo = context.repo();
  const octokit = context.octokit;
  const log = context.log.child({ delivery: context.id, repo: `${repo.owner}/${repo.repo}`, pr: issue.number, command, user: login });
  const me = await identity();

  if (!(await isWriter(octokit, repo, login))) {
    const outcome = await refuseOnce(octokit, { ...repo, number: issue.number, login, botLogin: me.botLogin, command }, lock);
    log.info({ outcome }, "command refused: no write access");
    return outcome;
  }

  const ours = await reactionsBy(octokit, repo, comment.id, me.botLogin);
  if (ours.has("+1")) {
    log.info("command already done: a redelivery changes nothing");
    return "already done";
  }
  const courteous = (content: "eyes" | "+1") =>
    react(octokit, repo, comment.id, content, ours).catch((error: unknown) => log.warn({ err: error, content }, "could not react to the command"));
  const seen = courteous("eyes");
  try {
    await work(login);
  } finally {
    await seen;
  }
  await courteous("+1");
  log.info("command done");
  return "done";
}

interface Refusal extends RepoRef {
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
async function refuseOnce(octokit: Octokit, r: Refusal, lock: Pick<WorkLock, "run"> | undefined): Promise<"refused" | "already refused"> {
  const key = `${r.owner}/${r.repo}#${r.number}:refused:${r.login.toLowerCase()}`;
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
