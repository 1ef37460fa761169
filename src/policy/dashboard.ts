/**
 * The dashboard, decided: from plain facts about the flow (releases, the last sync, how far
 * development and production are apart, the open sync PR, pending backports) and `now`, the
 * model the dashboard issue shows: cadence alerts first, then each section, the actions a
 * maintainer may tick, the picture's events and the values /metrics exposes. No I/O, no words.
 */
import type { Config } from "../config/schema.js";
import type { BackportKind } from "./backport.js";
import type { NextVersion } from "./version.js";

export interface ReleaseFact {
  readonly tag: string;
  readonly publishedAt: string;
  readonly url: string;
}

export interface MergeFact {
  readonly number: number;
  readonly title: string;
  readonly url: string;
  readonly mergedAt: string;
}

/** A merge into production whose backport is not merged (nor marked not needed). */
export interface PendingBackportFact extends MergeFact {
  readonly kind: BackportKind;
  /** The open backport PR, if any; `conflict` when it carries the conflict label. */
  readonly backport: { readonly number: number; readonly url: string; readonly conflict: boolean } | null;
}

export type CheckState = "missing" | "running" | "failed" | "stale" | "passed";

export interface SyncPrFact {
  readonly number: number;
  readonly title: string;
  readonly url: string;
  /** Each required validation check on its head; empty with `validation` not "configured". */
  readonly checks: readonly { readonly name: string; readonly state: CheckState; readonly url: string | null }[];
  readonly validation: "configured" | "unconfigured" | "opted-out";
}

/** One event of the picture, oldest first. */
export type FlowEvent =
  | { readonly kind: "sync"; readonly number: number; readonly at: string; readonly version: string | null }
  | { readonly kind: "hotfix"; readonly number: number; readonly at: string; readonly version: string | null; readonly title: string }
  | { readonly kind: "backport"; readonly number: number; readonly source: number; readonly at: string };

export interface AuditFinding {
  readonly severity: string;
  readonly title: string;
  readonly fix: string;
}

export interface DashboardFacts {
  readonly now: Date;
  /** Published releases, newest first (drafts left out). */
  readonly releases: readonly ReleaseFact[];
  /** The newest merged development → production PR among the recent ones, with its version. */
  readonly lastSync: (MergeFact & { readonly version: string | null }) | null;
  /** development ahead of production: GitHub's exact commit count, and the merged PRs among them. */
  readonly ahead: { readonly commits: number; readonly pulls: number; readonly pullsExact: boolean };
  /** production commits missing from development: GitHub's exact count, and the oldest one's date. */
  readonly behind: { readonly commits: number; readonly oldestAt: string | null };
  readonly predicted: NextVersion | null;
  readonly syncPr: SyncPrFact | null;
  readonly backports: readonly PendingBackportFact[];
  readonly history: readonly FlowEvent[];
  /** The audit's findings; absent until the audit exists. */
  readonly audit?: readonly AuditFinding[];
}

export type Alert =
  | { readonly kind: "sync-overdue"; readonly level: "overdue" | "due-soon"; readonly ageSeconds: number; readonly everySeconds: number }
  | { readonly kind: "backport-waiting"; readonly number: number; readonly ageSeconds: number; readonly conflict: boolean; readonly withinSeconds: number }
  | { readonly kind: "production-ahead"; readonly commits: number; readonly ageSeconds: number; readonly withinSeconds: number };

/** A box a maintainer may tick; `id` is what the hidden marker carries. */
export type DashboardAction = { readonly id: "sync-now" } | { readonly id: "recheck" } | { readonly id: `retry-backport:${number}`; readonly number: number };

export interface DashboardMetrics {
  /** Seconds since the last sync merged; null when none was found. */
  readonly syncAgeSeconds: number | null;
  readonly developmentAheadCommits: number;
  /** Age of the oldest pending backport; 0 when none. */
  readonly backportOldestPendingSeconds: number;
}

export interface DashboardModel {
  readonly title: string;
  readonly production: string;
  readonly development: string;
  readonly alerts: readonly Alert[];
  readonly current: ReleaseFact | null;
  /** The last five releases, newest first. */
  readonly timeline: readonly ReleaseFact[];
  readonly sync: { readonly last: DashboardFacts["lastSync"]; readonly ageSeconds: number | null; readonly everySeconds: number; readonly warnSeconds: number };
  readonly ahead: DashboardFacts["ahead"] & { readonly predicted: NextVersion | null };
  readonly syncPr: SyncPrFact | null;
  /** Conflicts first, then the oldest. */
  readonly backports: readonly (PendingBackportFact & { readonly ageSeconds: number })[];
  readonly behind: DashboardFacts["behind"] & { readonly oldestAgeSeconds: number | null };
  readonly audit: readonly AuditFinding[] | undefined;
  readonly history: readonly FlowEvent[];
  readonly actions: readonly DashboardAction[];
  readonly metrics: DashboardMetrics;
}

/** Retry boxes offered at most (the first waiting backports, conflicts first). */
export const MAX_RETRY_BOXES = 20;

type CadenceConfig = Pick<Config, "cadence" | "dashboard" | "branches">;

const ageOf = (now: Date, iso: string): number => Math.max(0, Math.floor((now.getTime() - Date.parse(iso)) / 1000));

/** `warn_after`, or three quarters of `sync_every` when it is not set. */
export function warnAfter(cadence: Config["cadence"]): number {
  return cadence.warn_after ?? Math.floor((cadence.sync_every * 3) / 4);
}

/** The alerts the dashboard leads with, most urgent first. */
export function cadenceAlerts(facts: DashboardFacts, config: CadenceConfig): Alert[] {
  const { sync_every: every, backport_within: within } = config.cadence;
  const alerts: Alert[] = [];
  const syncAge = facts.lastSync ? ageOf(facts.now, facts.lastSync.mergedAt) : null;
  if (syncAge !== null && syncAge > warnAfter(config.cadence)) {
    alerts.push({ kind: "sync-overdue", level: syncAge > every ? "overdue" : "due-soon", ageSeconds: syncAge, everySeconds: every });
  }
  for (const b of sortBackports(facts)) {
    if (b.ageSeconds > within) alerts.push({ kind: "backport-waiting", number: b.number, ageSeconds: b.ageSeconds, conflict: b.backport?.conflict ?? false, withinSeconds: within });
  }
  const behindAge = facts.behind.oldestAt ? ageOf(facts.now, facts.behind.oldestAt) : null;
  if (facts.behind.commits > 0 && behindAge !== null && behindAge > within) {
    alerts.push({ kind: "production-ahead", commits: facts.behind.commits, ageSeconds: behindAge, withinSeconds: within });
  }
  const rank = (a: Alert): number => (a.kind === "sync-overdue" ? (a.level === "overdue" ? 0 : 3) : a.kind === "backport-waiting" ? 1 : 2);
  return alerts.map((a, i) => ({ a, i })).sort((x, y) => rank(x.a) - rank(y.a) || x.i - y.i).map(({ a }) => a);
}

function sortBackports(facts: DashboardFacts): (PendingBackportFact & { ageSeconds: number })[] {
  return facts.backports
    .map((b) => ({ ...b, ageSeconds: ageOf(facts.now, b.mergedAt) }))
    .sort((a, b) => Number(b.backport?.conflict ?? false) - Number(a.backport?.conflict ?? false) || b.ageSeconds - a.ageSeconds || a.number - b.number);
}

export function buildDashboard(facts: DashboardFacts, config: CadenceConfig): DashboardModel {
  const backports = sortBackports(facts);
  const syncAge = facts.lastSync ? ageOf(facts.now, facts.lastSync.mergedAt) : null;
  const oldestBehind = facts.behind.oldestAt ? ageOf(facts.now, facts.behind.oldestAt) : null;
  const actions: DashboardAction[] = [
    { id: "sync-now" },
    ...backports.slice(0, MAX_RETRY_BOXES).map((b) => ({ id: `retry-backport:${b.number}` as const, number: b.number })),
    { id: "recheck" },
  ];
  return {
    title: config.dashboard.title,
    production: config.branches.production,
    development: config.branches.development,
    alerts: cadenceAlerts(facts, config),
    current: facts.releases[0] ?? null,
    timeline: facts.releases.slice(0, 5),
    sync: { last: facts.lastSync, ageSeconds: syncAge, everySeconds: config.cadence.sync_every, warnSeconds: warnAfter(config.cadence) },
    ahead: { ...facts.ahead, predicted: facts.ahead.commits > 0 ? facts.predicted : null },
    syncPr: facts.syncPr,
    backports,
    behind: { ...facts.behind, oldestAgeSeconds: facts.behind.commits > 0 ? oldestBehind : null },
    audit: facts.audit,
    history: [...facts.history].sort((a, b) => a.at.localeCompare(b.at) || a.number - b.number),
    actions,
    metrics: { syncAgeSeconds: syncAge, developmentAheadCommits: facts.ahead.commits, backportOldestPendingSeconds: backports.reduce((m, b) => Math.max(m, b.ageSeconds), 0) },
  };
}

/** The hidden marker of an action's box: `branch-steward:action:<id>`. */
export const ACTION_MARKER = "branch-steward:action:";

const TICKED = /^\s*[-*] \[[xX]\] <!-- branch-steward:action:(sync-now|recheck|retry-backport:[1-9]\d{0,9}) -->/gm;

/** The actions whose box is ticked in a dashboard body. */
export function tickedActions(body: string): DashboardAction[] {
  const out: DashboardAction[] = [];
  for (const m of body.matchAll(TICKED)) {
    const id = m[1] as string;
    if (id === "sync-now" || id === "recheck") out.push({ id });
    else out.push({ id: id as `retry-backport:${number}`, number: Number(id.slice("retry-backport:".length)) });
  }
  return out.filter((a, i) => out.findIndex((b) => b.id === a.id) === i);
}

/**
 * What a tick asks for: boxes ticked by this edit (ticked now, not ticked before) that are still
 * ticked in the issue as GitHub has it now (a redelivered edit finds them unticked: done already).
 */
export function requestedActions(edited: { readonly body: string; readonly before: string | null; readonly current: string }): DashboardAction[] {
  const before = new Set(tickedActions(edited.before ?? "").map((a) => a.id));
  const current = new Set(tickedActions(edited.current).map((a) => a.id));
  return tickedActions(edited.body).filter((a) => !before.has(a.id) && current.has(a.id));
}
