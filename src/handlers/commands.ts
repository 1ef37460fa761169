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
import type { IdentityProvider } from "../github/identity.js";
import { isWriter } from "../github/permissions.js";
import { react, reactionsBy } from "../github/reactions.js";
import type { WorkLock } from "../infra/work-lock.js";
import { refuseOnce } from "../workflows/command-refusal.js";

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
