/**
 * The dashboard issue's words: the cadence alerts first, then each section, the actions as
 * Renovate-style checkboxes (a hidden marker per box) and a mermaid gitGraph of the flow. Every
 * user text is escaped; the body is fitted to GitHub's 65,536 characters, long lists keep their
 * counts ("… and N more"), and the hidden markers survive any shortening.
 */
import type { Alert, DashboardAction, DashboardModel, FlowEvent } from "../policy/dashboard.js";
import type { NextVersion } from "../policy/version.js";
import { ISSUE_BODY, TITLE, clipInline, fitBody, fitList, fitTitle, fits } from "./limits.js";
import { code, escapeText } from "./markdown.js";

export const DASHBOARD_MARKER = "<!-- branch-steward:dashboard -->";
/** Rows a section lists before "… and N more". */
const ROWS = 20;
const ITEM = { chars: 300 };
const DAY = 86_400;

export function renderDashboardTitle(title: string): string {
  return fitTitle(title, TITLE);
}

/** `3 days`, `5 hours`: ages as people say them, never finer than an hour (the body would change on every refresh). */
export function age(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (seconds >= DAY) return plural(Math.floor(seconds / DAY), "day");
  if (seconds >= 3600) return plural(Math.floor(seconds / 3600), "hour");
  return "less than an hour";
}

const day = (iso: string): string => iso.slice(0, 10);
const link = (text: string, url: string): string => `[${text}](${url})`;
const safe = (text: string): string => clipInline(escapeText(text), ITEM);
const s = (n: number): string => (n === 1 ? "" : "s");

function alertLine(a: Alert): string {
  switch (a.kind) {
    case "sync-overdue":
      return `**Sync ${a.level === "overdue" ? "overdue" : "due soon"}**: the last sync merged ${age(a.ageSeconds)} ago; the cadence is every ${age(a.everySeconds)}.`;
    case "backport-waiting":
      return `**Backport waiting**: #${a.number} has waited ${age(a.ageSeconds)} for its backport${a.conflict ? " (conflicts)" : ""}, longer than ${age(a.withinSeconds)}.`;
    case "production-ahead":
      return `**Production ahead of development**: ${a.commits} production commit${s(a.commits)} missing from development for ${age(a.ageSeconds)}, longer than ${age(a.withinSeconds)}.`;
  }
}

function alerts(m: DashboardModel): string[] {
  if (m.alerts.length === 0) return ["> [!NOTE]", "> The flow is on cadence: nothing is overdue."];
  const urgent = m.alerts.some((a) => !(a.kind === "sync-overdue" && a.level === "due-soon"));
  return [urgent ? "> [!WARNING]" : "> [!IMPORTANT]", ...fitList(m.alerts.map((a) => `> - ${alertLine(a)}`), { max: 10, more: (n) => `> - … and ${n} more alerts` })];
}

function production(m: DashboardModel): string[] {
  const out = ["## Production", ""];
  if (!m.current) return [...out, `No release of ${code(m.production)} yet.`];
  out.push(`${code(m.production)} is at **${safe(m.current.tag)}**, released ${day(m.current.publishedAt)} (${link("release", m.current.url)}).`);
  if (m.timeline.length > 1) out.push("", `Last releases: ${m.timeline.map((r) => `${link(safe(r.tag), r.url)} (${day(r.publishedAt)})`).join(" ← ")}`);
  return out;
}

function lastSync(m: DashboardModel): string[] {
  const out = ["## Last sync", ""];
  const sync = m.sync;
  if (!sync.last || sync.ageSeconds === null) return [...out, `No sync (${code(m.development)} → ${code(m.production)}) among the recent merges. Cadence: every ${age(sync.everySeconds)}.`];
  const version = sync.last.version ? `, released as **${safe(sync.last.version)}**` : "";
  const state = sync.ageSeconds > sync.everySeconds ? "overdue" : sync.ageSeconds > sync.warnSeconds ? "due soon" : "on cadence";
  const days = Math.floor(sync.ageSeconds / DAY);
  return [...out, `${link(`#${sync.last.number}`, sync.last.url)} merged ${day(sync.last.mergedAt)}${version}: **${days} day${s(days)} since** (cadence every ${age(sync.everySeconds)}, warning after ${age(sync.warnSeconds)}: ${state}).`];
}

function predicted(p: NextVersion | null): string {
  if (!p) return "";
  return p.ok ? ` The next sync would release **${safe(p.tag)}**.` : " The next version cannot be predicted (see the release check of the last production merge).";
}

function ahead(m: DashboardModel): string[] {
  const a = m.ahead;
  const head = ["## Development ahead of production", ""];
  if (a.commits === 0) return [...head, `${code(m.development)} has nothing that ${code(m.production)} lacks.`];
  const pulls = `${a.pulls}${a.pullsExact ? "" : " or more"} merged PR${a.pullsExact ? s(a.pulls) : "s"}`;
  return [...head, `${code(m.development)} is **${a.commits} commit${s(a.commits)}** ahead (${pulls}), not yet released.${predicted(a.predicted)}`];
}

const CHECK_STATE: Record<string, string> = { passed: "✅ passed", failed: "❌ failed", running: "⏳ running", missing: "⏳ not reported yet", stale: "⚠️ stale" };

function syncPr(m: DashboardModel): string[] {
  const out = ["## Open sync PR", ""];
  const p = m.syncPr;
  if (!p) return [...out, "None open."];
  out.push(`${link(`#${p.number}`, p.url)} ${safe(p.title)}`);
  if (p.validation !== "configured") return [...out, "", p.validation === "opted-out" ? "Validation: opted out (no checks required)." : "Validation: **not configured**; the sync fails closed until it is."];
  const rows = p.checks.map((c) => `| ${code(c.name)} | ${CHECK_STATE[c.state] ?? c.state} | ${c.url ? link("details", c.url) : ""} |`);
  return [...out, "", "| Validation check | State | |", "| --- | --- | --- |", ...fitList(rows, { max: ROWS, more: (n) => `| … and ${n} more | | |` })];
}

function backports(m: DashboardModel): string[] {
  const out = ["## Backports waiting", ""];
  if (m.backports.length === 0) return [...out, `Every merge into ${code(m.production)} is back in ${code(m.development)}.`];
  const rows = m.backports.map((b) => {
    const pr = b.backport ? `${link(`#${b.backport.number}`, b.backport.url)}${b.backport.conflict ? " ⚠️ conflicts" : ""}` : "not opened";
    return `| ${link(`#${b.number}`, b.url)} ${safe(b.title)} | ${b.kind} | ${age(b.ageSeconds)} | ${pr} |`;
  });
  return [...out, `${m.backports.length} merge${s(m.backports.length)} waiting, conflicts first.`, "", "| Merged into production | Kind | Waiting | Backport PR |", "| --- | --- | --- | --- |", ...fitList(rows, { max: ROWS, more: (n) => `| … and ${n} more | | | |` })];
}

function behind(m: DashboardModel): string[] {
  const out = ["## Production commits missing from development", ""];
  const b = m.behind;
  if (b.commits === 0) return [...out, "None."];
  const oldest = b.oldestAgeSeconds === null ? "" : `; the oldest is ${age(b.oldestAgeSeconds)} old`;
  return [...out, `**${b.commits}** commit${s(b.commits)} on ${code(m.production)} ${b.commits === 1 ? "is" : "are"} not in ${code(m.development)}${oldest}.`];
}

function audit(m: DashboardModel): string[] {
  const out = ["## Audit", ""];
  if (m.audit === undefined) return [...out, "The repository audit will list its findings here."];
  if (m.audit.length === 0) return [...out, "No findings."];
  const rows = m.audit.map((f) => `- **${safe(f.severity)}** ${safe(f.title)}: ${safe(f.fix)}`);
  return [...out, ...fitList(rows, { max: ROWS, more: (n) => `- … and ${n} more` })];
}

const actionText = (a: DashboardAction): string => (a.id === "sync-now" ? "Open the sync PR now" : a.id === "recheck" ? "Re-check all open PRs" : `Retry the backport of #${a.number}`);

function actions(m: DashboardModel): string[] {
  const boxes = m.actions.map((a) => `- [ ] <!-- branch-steward:action:${a.id} --> ${actionText(a)}`);
  return ["## Actions", "", "Tick a box to ask branch-steward (people with write access only; each box acts once).", "", ...boxes];
}

const GITGRAPH_WORDS = new Set(
  ["gitgraph", "commit", "branch", "checkout", "switch", "merge", "cherry-pick", "id", "msg", "tag", "type", "order", "parent", "normal", "reverse", "highlight", "lr", "tb", "bt", "acctitle", "accdescr", "title"],
);

/** A name mermaid's gitGraph takes as a branch (its REFERENCE token, never a number). */
export function mermaidBranch(name: string, taken: readonly string[] = []): string {
  let out = name.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
  // Never a number, never one of gitGraph's words.
  if (!/^[A-Za-z]/.test(out) || GITGRAPH_WORDS.has(out.toLowerCase())) out = `b-${out}`.replace(/-+$/, "");
  let candidate = out;
  for (let i = 2; taken.includes(candidate); i++) candidate = `${out}-${i}`;
  return candidate;
}

/** A quoted label: letters, digits and a few harmless signs only (no quotes, `%%`, backticks or HTML). */
export function mermaidString(text: string): string {
  const clean = text.replace(/[^\p{L}\p{N} ._#:/+()-]+/gu, " ").replace(/\s+/g, " ").trim();
  return `"${Array.from(clean).slice(0, 40).join("").trim() || "-"}"`;
}

/** The picture: production and development with the recent syncs, hotfixes and backports. */
export function renderFlowGraph(m: Pick<DashboardModel, "production" | "development" | "history">, maxEvents = 12): string {
  const prod = mermaidBranch(m.production);
  const dev = mermaidBranch(m.development, [prod]);
  const lines = [`%%{init: {"gitGraph": {"mainBranchName": "${prod}"}}}%%`, "gitGraph"];
  const ids = new Set<string>();
  const id = (label: string): string => {
    let candidate = mermaidString(label);
    for (let i = 2; ids.has(candidate); i++) candidate = mermaidString(`${label.slice(0, 30)} ${i}`);
    ids.add(candidate);
    return candidate;
  };
  const tags = new Set<string>();
  const tag = (version: string | null): string => {
    const t = version ? mermaidString(version) : "";
    if (!t || tags.has(t)) return "";
    tags.add(t);
    return ` tag: ${t}`;
  };
  lines.push(`  commit id: ${id("start")}`, `  branch ${dev}`, `  checkout ${dev}`, `  commit id: ${id("development")}`);
  let on = dev;
  let prodMoved = false; // production has a commit development has not merged yet
  const checkout = (branch: string) => {
    if (on !== branch) lines.push(`  checkout ${branch}`);
    on = branch;
  };
  const hotfixes: string[] = [];
  for (const e of m.history.slice(-maxEvents) as FlowEvent[]) {
    if (e.kind === "sync") {
      checkout(dev);
      lines.push(`  commit id: ${id(`work before #${e.number}`)}`);
      checkout(prod);
      lines.push(`  merge ${dev} id: ${id(`sync #${e.number}`)}${tag(e.version)}`);
      prodMoved = true;
    } else if (e.kind === "hotfix") {
      checkout(prod);
      const branch = mermaidBranch(`hotfix-${e.number}`, [prod, dev, ...hotfixes]);
      hotfixes.push(branch);
      lines.push(`  branch ${branch}`, `  checkout ${branch}`, `  commit id: ${id(`#${e.number} ${e.title}`)}`);
      on = branch;
      checkout(prod);
      lines.push(`  merge ${branch} id: ${id(`hotfix #${e.number}`)}${tag(e.version)}`);
      prodMoved = true;
    } else {
      checkout(dev);
      lines.push(prodMoved ? `  merge ${prod} id: ${id(`backport #${e.source}`)}` : `  commit id: ${id(`backport #${e.source}`)}`);
      prodMoved = false;
    }
  }
  return lines.join("\n");
}

function picture(m: DashboardModel): string[] {
  const shown = Math.min(m.history.length, 12);
  const note = m.history.length > shown ? [`The last ${shown} of ${m.history.length} events.`, ""] : [];
  return ["## The flow", "", ...note, "```mermaid", renderFlowGraph(m), "```"];
}

export function renderDashboard(m: DashboardModel): string {
  const head = [[DASHBOARD_MARKER], alerts(m), production(m), lastSync(m), ahead(m), syncPr(m), backports(m), behind(m), audit(m), actions(m)];
  const footer = ["<sub>Kept current by branch-steward. Edits other than ticking a box are overwritten on the next update; GitHub keeps them in the edit history.</sub>"];
  const join = (sections: readonly (readonly string[])[]) => sections.map((s) => s.join("\n")).join("\n\n");
  const whole = join([...head, picture(m), footer]);
  // The picture goes first when the body is too long: a cut diagram would not be valid mermaid.
  const text = fits(whole, ISSUE_BODY) ? whole : join([...head, ["## The flow", "", "The picture is left out to fit GitHub's size limit."], footer]);
  return fitBody(text, ISSUE_BODY, "… shortened to fit GitHub's 65,536 characters: the sections above list their counts.");
}

/** What a second dashboard (created by a racing replica) becomes: a pointer, without the marker. */
export function renderDuplicateDashboard(kept: number): string {
  return `This is a duplicate of the dashboard #${kept}; branch-steward keeps that one current.`;
}

export type ActionOutcome =
  | { readonly id: "sync-now"; readonly result: { readonly kind: "opened"; readonly pr: number; readonly created: boolean } | { readonly kind: "kept-current"; readonly pr: number } | { readonly kind: "not-opened"; readonly reason: string } | { readonly kind: "config-invalid" | "disabled" } }
  | { readonly id: "recheck"; readonly pulls: number }
  | { readonly id: `retry-backport:${number}`; readonly number: number; readonly result: string; readonly pr?: number };

const SYNC_REASON: Record<string, string> = {
  "sync-pr-open": "a sync PR is already open",
  "not-ahead": "development has nothing production lacks",
  "no-validation": "the sync flow has no validation configured (the app opens a sync PR only when it is gated)",
  "window-used": "one was opened in this schedule window already",
  "not-scheduled": "no schedule is configured",
};

function outcomeLine(o: ActionOutcome): string {
  if (o.id === "recheck") return `Re-check all open PRs: re-evaluated ${o.pulls} open PR${s(o.pulls)}.`;
  if (o.id === "sync-now") {
    const r = o.result;
    if (r.kind === "opened") return `Open the sync PR now: ${r.created ? "opened" : "already open:"} #${r.pr}.`;
    if (r.kind === "kept-current") return `Open the sync PR now: #${r.pr} is open already.`;
    if (r.kind === "not-opened") return `Open the sync PR now: not opened, ${SYNC_REASON[r.reason] ?? r.reason}.`;
    return "Open the sync PR now: not possible while the configuration is invalid or the dashboard is off.";
  }
  return `Retry the backport of #${o.number}: ${o.result}${o.pr ? ` (#${o.pr})` : ""}.`;
}

/** The comment that notes who ticked which boxes and what came of it. */
export function renderActionComment(login: string, outcomes: readonly ActionOutcome[]): string {
  const who = escapeText(`@${login}`, { mentions: true });
  return fitBody([`${who} asked from the dashboard:`, "", ...outcomes.map((o) => `- ${outcomeLine(o)}`)].join("\n"), ISSUE_BODY);
}
