/**
 * The flow at a glance: one recipe reads the flow once, keeps the scheduled sync PR current
 * (opening it when due), then renders the dashboard issue and writes it only when it changed,
 * and sets the cadence gauges. Webhooks (debounced), the sweep and the install event call
 * `refreshDashboard`; one refresh per repository at a time under `io.lock`.
 */
import type { CompiledConfig } from "../config/compile.js";
import type { ConfigResult } from "../config/parse.js";
import { readAuditFacts } from "../github/audit-facts.js";
import { ensureDashboardIssue } from "../github/dashboard-issue.js";
import { readCommitChecks } from "../github/evidence.js";
import { readFlow, type FlowReadings } from "../github/flow-facts.js";
import { openSyncPull, updateSyncPull, type SyncPull } from "../github/sync-pr.js";
import { lockKey } from "../infra/lock-keys.js";
import { metrics } from "../observability/metrics.js";
import { auditRepository } from "../policy/audit.js";
import { buildDashboard, type AuditFinding, type DashboardFacts, type DashboardMetrics, type SyncPrFact } from "../policy/dashboard.js";
import { flowHistory, lastSyncOf, pendingBackports, unreleasedPulls, type FlowPulls } from "../policy/dashboard-facts.js";
import { evaluateRequiredChecks } from "../policy/gate.js";
import { decideSyncPr, predictSyncVersion, syncValidation, type SyncPrDecision } from "../policy/sync-pr.js";
import { explainFinding } from "../render/audit.js";
import { DASHBOARD_MARKER, renderDashboard, renderDashboardTitle, renderDuplicateDashboard } from "../render/dashboard.js";
import { renderSyncPrBody, renderSyncPrTitle, windowOfSyncPr } from "../render/sync-pr.js";
import type { WorkflowIo } from "./io.js";

export type SyncPrResult =
  | { readonly kind: "opened"; readonly pr: number; readonly window: string; readonly created: boolean }
  | { readonly kind: "kept-current"; readonly pr: number; readonly write: "updated" | "unchanged" }
  | { readonly kind: "not-opened"; readonly reason: Extract<SyncPrDecision, { open: false }>["reason"] };

export type DashboardResult =
  | { readonly kind: "config-invalid" }
  | { readonly kind: "disabled"; readonly sync: SyncPrResult }
  | { readonly kind: "written"; readonly issue: number; readonly write: "created" | "updated" | "reopened" | "unchanged"; readonly sync: SyncPrResult; readonly metrics: DashboardMetrics };

export interface RefreshOptions {
  /** Open the sync PR now if it can be opened (the dashboard's "Open the sync PR now"). */
  readonly syncNow?: boolean;
  /** The audit's findings, once the audit exists (the dashboard leaves a place for them until then). */
  readonly audit?: readonly AuditFinding[];
  /** Read the audit again even if this process read it recently (the sweep and installs do). */
  readonly freshAudit?: boolean;
}

/** Refreshes the dashboard of `io.repo` (and its scheduled sync PR): the entry point for events, the sweep and installs. */
export async function refreshDashboard(io: WorkflowIo, config: ConfigResult, o: RefreshOptions = {}): Promise<DashboardResult> {
  if (!config.ok) return { kind: "config-invalid" };
  const work = () => refresh(io, config.config, o);
  return io.lock ? io.lock.run(lockKey({ kind: "dashboard", repo: io.repo }), work) : work();
}

const fullName = (io: WorkflowIo): string => `${io.repo.owner}/${io.repo.repo}`;

async function refresh(io: WorkflowIo, config: CompiledConfig, o: RefreshOptions): Promise<DashboardResult> {
  let readings = await readFlow(io.octokit, io.repo, config.branches);
  const sync = await keepSyncPr(io, config, readings, o.syncNow === true);
  if (sync.kind === "opened" || (sync.kind === "kept-current" && sync.write === "updated")) readings = await readFlow(io.octokit, io.repo, config.branches);
  if (!config.dashboard.enabled) return { kind: "disabled", sync };
  const facts = await dashboardFacts(io, config, readings, o.audit ?? (await auditFindings(io, config, o.freshAudit === true)));
  const model = buildDashboard(facts, config);
  const issue = await ensureDashboardIssue(io.octokit, io.repo, {
    bot: io.me.botLogin,
    marker: DASHBOARD_MARKER,
    title: renderDashboardTitle(config.dashboard.title),
    body: renderDashboard(model),
    duplicateBody: renderDuplicateDashboard,
  });
  setGauges(fullName(io), model.metrics);
  return { kind: "written", issue: issue.number, write: issue.write, sync, metrics: model.metrics };
}

/**
 * The repository audit (`branch-steward audit`'s rules), read with the installation's token. It
 * costs a few dozen (conditional) reads, so events reuse the findings this process read in the
 * last AUDIT_REUSE_MS; the sweep and installs read it afresh. A failed read leaves the audit's
 * place empty with its placeholder; it never stops the dashboard.
 */
const AUDIT_REUSE_MS = 30 * 60_000;
const MAX_RECENT_AUDITS = 1_000;
const recentAudits = new Map<string, { readonly at: number; readonly findings: readonly AuditFinding[] }>();

async function auditFindings(io: WorkflowIo, config: CompiledConfig, fresh: boolean): Promise<readonly AuditFinding[] | undefined> {
  const key = fullName(io).toLowerCase();
  const cached = recentAudits.get(key);
  if (!fresh && cached && io.now().getTime() - cached.at < AUDIT_REUSE_MS) return cached.findings;
  try {
    const events = io.me.events;
    const facts = await readAuditFacts(io.octokit as Parameters<typeof readAuditFacts>[0], io.repo, config, {
      appId: io.me.id,
      ...(events ? { appEvents: async () => events } : { appEventsUnknown: "the app's registration was not read" }),
      now: io.now,
      readClassicProtection: false, // the app has no Administration permission: a 403 every time
    });
    const findings = auditRepository(config, facts).findings.map((f) => {
      const { severity, title, fix } = explainFinding(f, { repo: fullName(io) });
      return { severity, title, fix };
    });
    recentAudits.delete(key);
    recentAudits.set(key, { at: io.now().getTime(), findings });
    if (recentAudits.size > MAX_RECENT_AUDITS) recentAudits.delete(recentAudits.keys().next().value as string);
    return findings;
  } catch (error) {
    io.log.warn({ err: error }, "dashboard: the repository audit could not be read; its place stays empty");
    return undefined;
  }
}

function setGauges(repository: string, m: DashboardMetrics): void {
  if (m.syncAgeSeconds === null) metrics.syncAgeSeconds.remove({ repository });
  else metrics.syncAgeSeconds.set({ repository }, m.syncAgeSeconds);
  metrics.developmentAheadCommits.set({ repository }, m.developmentAheadCommits);
  metrics.backportOldestPendingSeconds.set({ repository }, m.backportOldestPendingSeconds);
}

const pullsOf = (io: WorkflowIo, r: FlowReadings): FlowPulls => ({ repo: fullName(io), production: r.production, development: r.development, releases: r.releases });

const openSync = (r: FlowReadings): SyncPull | undefined => r.syncPulls.find((p) => p.open && p.sameRepo);
const isOurs = (io: WorkflowIo, p: SyncPull): boolean => p.author === io.me.botLogin && windowOfSyncPr(p.body) !== null;

/** The body and title of the app's sync PR for `window`, from what development holds now. */
function syncPrText(io: WorkflowIo, config: CompiledConfig, r: FlowReadings, window: string) {
  const { flowName } = syncValidation(config, fullName(io));
  const shas = new Set(r.ahead.commits.map((c) => c.sha));
  const pulls = unreleasedPulls(pullsOf(io, r), shas, config).sort((a, b) => a.number - b.number);
  const predicted = predictSyncVersion(r.tags, config, flowName, "");
  const checks = flowName ? (config.compiled.required[flowName] ?? []).map((c) => c.name) : [];
  const b = config.branches;
  return {
    title: renderSyncPrTitle({ development: b.development, production: b.production, predicted }),
    body: renderSyncPrBody({
      window,
      development: b.development,
      production: b.production,
      predicted,
      lastRelease: predicted.ok ? (predicted.previous?.tag ?? null) : (r.releases[0]?.tag ?? null),
      checks,
      pulls: pulls.map((p) => ({ number: p.number, title: p.title })),
      commits: [...r.ahead.commits].reverse(),
      commitCount: r.ahead.aheadBy,
    }),
  };
}

/** Keeps the app's open sync PR current; opens one when it is due (or asked for). Never merges. */
export async function keepSyncPr(io: WorkflowIo, config: CompiledConfig, r: FlowReadings, manual: boolean): Promise<SyncPrResult> {
  const open = openSync(r);
  if (open && isOurs(io, open)) {
    const want = syncPrText(io, config, r, windowOfSyncPr(open.body) as string);
    const change = { ...(want.title !== open.title ? { title: want.title } : {}), ...(want.body !== open.body ? { body: want.body } : {}) };
    if (Object.keys(change).length) await updateSyncPull(io.octokit, io.repo, open.number, change);
    return { kind: "kept-current", pr: open.number, write: Object.keys(change).length ? "updated" : "unchanged" };
  }
  const usedWindows = r.syncPulls.filter((p) => isOurs(io, p)).map((p) => windowOfSyncPr(p.body) as string);
  const decision = decideSyncPr(config, { now: io.now(), manual, aheadBy: r.ahead.aheadBy, validation: syncValidation(config, fullName(io)).validation, anyOpen: open !== undefined, usedWindows });
  if (!decision.open) return { kind: "not-opened", reason: decision.reason };
  const text = syncPrText(io, config, r, decision.window);
  const { pull, created } = await openSyncPull(io.octokit, io.repo, { ...config.branches, ...text });
  io.log.info({ pr: pull.number, window: decision.window, created }, created ? "opened the sync PR" : "the sync PR was opened by another delivery");
  return { kind: "opened", pr: pull.number, window: decision.window, created };
}

async function syncPrFact(io: WorkflowIo, config: CompiledConfig, r: FlowReadings): Promise<SyncPrFact | null> {
  const open = openSync(r);
  if (!open) return null;
  const { validation, flowName } = syncValidation(config, fullName(io));
  if (validation !== "configured" || !flowName) return { number: open.number, title: open.title, url: open.url, checks: [], validation: validation === "opted-out" ? "opted-out" : "unconfigured" };
  const observed = await readCommitChecks(io.octokit, io.repo, open.headSha);
  const rows = evaluateRequiredChecks(config.compiled.required[flowName] ?? [], [...observed.runs, ...observed.statuses], io.now());
  const checks = rows.flatMap((row) => (row.rule === "required-check" ? [{ name: row.check.name, state: row.state, url: row.results[0]?.url ?? null }] : []));
  return { number: open.number, title: open.title, url: open.url, checks, validation };
}

async function dashboardFacts(io: WorkflowIo, config: CompiledConfig, r: FlowReadings, audit: readonly AuditFinding[] | undefined): Promise<DashboardFacts> {
  const pulls = pullsOf(io, r);
  const shas = new Set(r.ahead.commits.map((c) => c.sha));
  const unreleased = unreleasedPulls(pulls, shas, config);
  const { flowName } = syncValidation(config, fullName(io));
  return {
    now: io.now(),
    releases: r.releases,
    lastSync: lastSyncOf(pulls, config),
    ahead: { commits: r.ahead.aheadBy, pulls: unreleased.length, pullsExact: !r.ahead.partial && r.development.length < 100 },
    behind: r.behind,
    predicted: r.ahead.aheadBy > 0 ? predictSyncVersion(r.tags, config, flowName, "") : null,
    syncPr: await syncPrFact(io, config, r),
    backports: pendingBackports(pulls, config),
    history: flowHistory(pulls, config),
    ...(audit ? { audit } : {}),
  };
}
