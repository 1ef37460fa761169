/** `issue_comment.created`: `/branch-steward recheck` and `/backport` on a PR, from someone with write access (see ./commands.ts). */
import type { Context } from "probot";
import { getPull } from "../github/pulls.js";
import { backport } from "../workflows/backport.js";
import { reportPulls } from "../workflows/evaluate-and-report.js";
import { runCommand } from "./commands.js";
import { all, Courtesy, eventIo, type HandlerDeps } from "./event.js";
import { reported } from "./pull-request-closed.js";

export const RECHECK_COMMAND = /^\/branch-steward\s+recheck\b/m;
export const BACKPORT_COMMAND = /^\/backport\s*$/m;

export async function onIssueComment(context: Context<"issue_comment.created">, deps: HandlerDeps): Promise<void> {
  const { comment, issue } = context.payload;
  if (!issue.pull_request || comment.user?.type === "Bot") return;
  const body = comment.body ?? "";
  const commands = [RECHECK_COMMAND.test(body) && recheck, BACKPORT_COMMAND.test(body) && backportCommand].filter((c) => c !== false);
  await all(commands.map((command) => command(context, deps)));
}

/** Evaluates the PR afresh, even when its check looks current. */
async function recheck(context: Context<"issue_comment.created">, deps: HandlerDeps): Promise<void> {
  await runCommand(context, deps.identity, deps.lock, "/branch-steward recheck", async (login) => {
    const { io, config } = await eventIo(context, deps);
    const pr = await getPull(io.octokit, io.repo, context.payload.issue.number);
    await reportPulls(io, [pr], config, { why: `recheck by ${login}`, force: true });
  });
}

/** Retries or redoes the backport of a merged production PR. */
async function backportCommand(context: Context<"issue_comment.created">, deps: HandlerDeps): Promise<void> {
  await runCommand(context, deps.identity, deps.lock, "/backport", async () => {
    const { io, config } = await eventIo(context, deps);
    const number = context.payload.issue.number;
    const courtesy = new Courtesy(io.log);
    await reported(io, number, courtesy, async () => backport(io, number, await config(), { requested: true, courtesy }));
  });
}
