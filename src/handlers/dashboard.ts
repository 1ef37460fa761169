/**
 * The dashboard's events: what changes the flow (a PR closed into production or development, a
 * release, a push to either branch or of the config, a check or status on development, the sync
 * PR's head) refreshes it, debounced to one run per burst; a close or delete of the dashboard
 * brings it back; a ticked box runs its action. Refresh failures are logged: the sweep repairs.
 */
import type { Context } from "probot";
import { CONFIG_PATH } from "../config/schema.js";
import { KeyedDebounce } from "../infra/debounce.js";
import { metrics } from "../observability/metrics.js";
import { DASHBOARD_MARKER } from "../render/dashboard.js";
import { actOnDashboardEdit } from "../workflows/dashboard-actions.js";
import { refreshDashboard } from "../workflows/dashboard.js";
import { eventIo, type EventIo, type HandlerDeps } from "./event.js";

/** Milliseconds a refresh waits for the burst to settle: DASHBOARD_DEBOUNCE_MS, 2000 in production, 0 elsewhere. */
function debounceMs(): number {
  const raw = process.env.DASHBOARD_DEBOUNCE_MS;
  if (raw !== undefined && raw !== "" && Number.isFinite(Number(raw))) return Math.max(0, Number(raw));
  return process.env.NODE_ENV === "production" ? 2000 : 0;
}

const bursts = new KeyedDebounce(debounceMs());

export const FLOW_EVENTS = ["pull_request.closed", "release.published", "push", "check_run.completed", "check_suite.completed", "status"] as const;
export const DASHBOARD_ISSUE_EVENTS = ["issues.edited", "issues.closed", "issues.deleted"] as const;

/**
 * Refreshes after the burst settles. The delivery never waits for it: the dashboard is no verdict,
 * and a slow refresh must not hold GitHub's delivery. A failure is logged; the sweep repairs it.
 */
function refreshSoon({ io, config }: EventIo): void {
  const key = `${io.repo.owner}/${io.repo.repo}`.toLowerCase();
  void bursts.run(key, async () => refreshDashboard(io, await config())).then(
    (result) => io.log.info({ result: { kind: result.kind, ...("write" in result ? { write: result.write, sync: result.sync.kind } : {}) } }, "dashboard refreshed"),
    (error: unknown) => {
      metrics.errors.inc({ source: "dashboard" });
      io.log.warn({ err: error }, "dashboard refresh failed; the next event or sweep retries it");
    },
  );
}

type FlowContext = Context<(typeof FLOW_EVENTS)[number]>;

/** The branch an event is about, or undefined when it cannot change the dashboard. */
function branchesOf(context: FlowContext, appId: number): { readonly branches: readonly string[]; readonly configPush?: boolean } | undefined {
  const p = context.payload as Record<string, unknown> & { action?: string };
  if (context.name === "pull_request") return { branches: [String((p.pull_request as { base?: { ref?: string } })?.base?.ref ?? "")] };
  if (context.name === "release") return { branches: [] };
  if (context.name === "push") {
    const push = p as { ref?: string; deleted?: boolean; repository?: { default_branch?: string }; commits?: { added?: string[]; modified?: string[]; removed?: string[] }[] };
    if (!push.ref?.startsWith("refs/heads/") || push.deleted) return undefined;
    const branch = push.ref.slice("refs/heads/".length);
    const touched = (push.commits ?? []).some((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].includes(CONFIG_PATH));
    return { branches: [branch], configPush: touched && branch === push.repository?.default_branch };
  }
  if (context.name === "status") return { branches: ((p.branches as { name: string }[] | undefined) ?? []).map((b) => b.name) };
  const suite = (context.name === "check_run" ? (p.check_run as { check_suite?: unknown; app?: { id?: number } }) : p.check_suite) as
    | { head_branch?: string | null; app?: { id?: number }; check_suite?: { head_branch?: string | null } }
    | undefined;
  const app = context.name === "check_run" ? (p.check_run as { app?: { id?: number } })?.app : suite?.app;
  if (app?.id === appId) return undefined; // our own checks change nothing the dashboard shows
  const branch = context.name === "check_run" ? suite?.check_suite?.head_branch : suite?.head_branch;
  return branch ? { branches: [branch] } : undefined;
}

/** The dashboard is no verdict: its failures never fail a delivery (the sweep repairs it). */
export async function onFlowEvent(context: FlowContext, deps: HandlerDeps): Promise<void> {
  try {
    await flowEvent(context, deps);
  } catch (error) {
    metrics.errors.inc({ source: "dashboard" });
    context.log.warn({ err: error, delivery: context.id }, "dashboard: could not read what the event changed; the sweep refreshes it");
  }
}

async function flowEvent(context: FlowContext, deps: HandlerDeps): Promise<void> {
  const me = await deps.identity();
  const about = branchesOf(context, me.id);
  if (!about) return;
  const event = await eventIo(context as Context, deps);
  const loaded = await event.config();
  if (!loaded.config.dashboard.enabled && !loaded.config.sync.schedule) return;
  const { production, development } = loaded.config.branches;
  const relevant = context.name === "release" || about.configPush === true || about.branches.some((b) => b === production || b === development);
  if (!relevant) return;
  // Checks and statuses matter on development (the sync PR's head) only.
  if ((context.name === "check_run" || context.name === "check_suite" || context.name === "status") && !about.branches.includes(development)) return;
  refreshSoon(event);
}

type IssueContext = Context<(typeof DASHBOARD_ISSUE_EVENTS)[number]>;

export async function onDashboardIssue(context: IssueContext, deps: HandlerDeps): Promise<void> {
  const { issue, sender } = context.payload;
  const me = await deps.identity();
  if (issue.user?.login !== me.botLogin || !(issue.body ?? "").startsWith(DASHBOARD_MARKER) || sender?.login === me.botLogin) return;
  const event = await eventIo(context as Context, deps);
  if (context.payload.action !== "edited") {
    refreshSoon(event); // closed or deleted by a person: reopened or re-created
    return;
  }
  const changes = (context.payload as { changes?: { body?: { from?: string } } }).changes;
  if (changes?.body === undefined) return; // a title edit: the next refresh puts it back
  const result = await actOnDashboardEdit(event.io, await event.config(), { issue: issue.number, body: issue.body ?? "", before: changes.body.from ?? "", sender: sender?.login ?? "" });
  event.io.log.info({ result }, "dashboard edited");
}
