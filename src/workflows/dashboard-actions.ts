/**
 * The dashboard's checkboxes: a box ticked by a person with write access runs its action once.
 * Under a per-repository lock the issue is read again, the boxes this edit ticked are unticked
 * (which claims them: a redelivered edit finds nothing left to do), the actions run, one comment
 * says who asked and what came of it, and the dashboard is refreshed. A read-only person's tick
 * does nothing: the next refresh unticks it.
 */
import type { ConfigResult } from "../config/parse.js";
import { commentOnIssue } from "../github/dashboard-issue.js";
import { isWriter } from "../github/permissions.js";
import { openPulls } from "../github/pulls.js";
import { lockKey } from "../infra/lock-keys.js";
import { requestedActions, type DashboardAction } from "../policy/dashboard.js";
import { renderActionComment, type ActionOutcome } from "../render/dashboard.js";
import { backport } from "./backport.js";
import { refreshDashboard } from "./dashboard.js";
import { reportPulls } from "./evaluate-and-report.js";
import type { WorkflowIo } from "./io.js";

export interface DashboardEdit {
  readonly issue: number;
  /** The body after the edit, and before it (`changes.body.from`). */
  readonly body: string;
  readonly before: string | null;
  readonly sender: string;
}

export type ActionsResult =
  | { readonly kind: "none" }
  | { readonly kind: "refused"; readonly sender: string; readonly actions: readonly string[] }
  | { readonly kind: "acted"; readonly outcomes: readonly ActionOutcome[] };

const UNTICK = (body: string, ids: ReadonlySet<string>): string =>
  body.replace(/^(\s*[-*] )\[[xX]\]( <!-- branch-steward:action:([a-z0-9:-]+) -->)/gm, (line, pre: string, rest: string, id: string) => (ids.has(id) ? `${pre}[ ]${rest}` : line));

export async function actOnDashboardEdit(io: WorkflowIo, config: ConfigResult, edit: DashboardEdit): Promise<ActionsResult> {
  const work = async (): Promise<ActionsResult> => {
    const { data } = await io.octokit.rest.issues.get({ ...io.repo, issue_number: edit.issue });
    const current = data.body ?? "";
    const wanted = requestedActions({ body: edit.body, before: edit.before, current });
    if (wanted.length === 0) return { kind: "none" };
    if (!(await isWriter(io.octokit, io.repo, edit.sender))) return { kind: "refused", sender: edit.sender, actions: wanted.map((a) => a.id) };
    await io.octokit.rest.issues.update({ ...io.repo, issue_number: edit.issue, body: UNTICK(current, new Set(wanted.map((a) => a.id))) });
    const outcomes: ActionOutcome[] = [];
    for (const action of wanted) outcomes.push(await run(io, config, action));
    await commentOnIssue(io.octokit, io.repo, edit.issue, renderActionComment(edit.sender, outcomes));
    return { kind: "acted", outcomes };
  };
  const result = io.lock ? await io.lock.run(lockKey({ kind: "dashboard-action", repo: io.repo }), work) : await work();
  // The sync PR action refreshes on its own; the others change what the dashboard shows too.
  if (result.kind === "acted" && !result.outcomes.some((o) => o.id === "sync-now")) await refreshDashboard(io, config);
  return result;
}

async function run(io: WorkflowIo, config: ConfigResult, action: DashboardAction): Promise<ActionOutcome> {
  if (action.id === "sync-now") {
    const r = await refreshDashboard(io, config, { syncNow: true });
    if (r.kind === "config-invalid") return { id: "sync-now", result: { kind: "config-invalid" } };
    const sync = r.sync;
    if (sync.kind === "opened") return { id: "sync-now", result: { kind: "opened", pr: sync.pr, created: sync.created } };
    if (sync.kind === "kept-current") return { id: "sync-now", result: { kind: "kept-current", pr: sync.pr } };
    return { id: "sync-now", result: { kind: "not-opened", reason: sync.reason } };
  }
  if (action.id === "recheck") {
    const pulls = await openPulls(io.octokit, io.repo);
    const results = await reportPulls(io, pulls, config, { why: "re-check asked from the dashboard", force: true });
    return { id: "recheck", pulls: results.length };
  }
  const result = await backport(io, action.number, config, { requested: true });
  return { id: action.id, number: action.number, result: result.kind, ...("pr" in result ? { pr: result.pr } : "issue" in result ? { pr: result.issue } : {}) };
}
