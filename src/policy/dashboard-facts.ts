/**
 * From the PRs and releases the shell read to the dashboard's facts, pure: which production
 * merge was the last sync and which version it got, which merges still wait for their backport,
 * which merged PRs development holds that production lacks, and the events of the picture.
 */
import type { Config } from "../config/schema.js";
import type { PullRequestFacts } from "../model/pull-request.js";
import { backportBranch, backportTrigger, sourceOfBackportBranch } from "./backport.js";
import type { FlowEvent, MergeFact, PendingBackportFact, ReleaseFact } from "./dashboard.js";

const mergeOf = (pr: PullRequestFacts): MergeFact => ({ number: pr.number, title: pr.title, url: pr.htmlUrl, mergedAt: pr.mergedAt ?? "" });
const merged = (pulls: readonly PullRequestFacts[]) => pulls.filter((p) => p.merged && p.mergedAt).sort((a, b) => (a.mergedAt ?? "").localeCompare(b.mergedAt ?? ""));
const isSync = (pr: PullRequestFacts, config: Config, repo: string): boolean => pr.route.source === config.branches.development && pr.route.headRepo?.toLowerCase() === repo.toLowerCase();

/** The release a production merge got: the first one published at or after the merge (the app releases right after it). */
export function versionOfMerge(releases: readonly ReleaseFact[], mergedAt: string, nextMergeAt: string | null): string | null {
  const candidates = releases.filter((r) => r.publishedAt >= mergedAt && (nextMergeAt === null || r.publishedAt < nextMergeAt));
  return candidates.sort((a, b) => a.publishedAt.localeCompare(b.publishedAt))[0]?.tag ?? null;
}

export interface FlowPulls {
  /** `owner/name`. */
  readonly repo: string;
  /** Recently closed PRs into production. */
  readonly production: readonly PullRequestFacts[];
  /** Recently updated PRs into development, open and closed. */
  readonly development: readonly PullRequestFacts[];
  readonly releases: readonly ReleaseFact[];
}

export function lastSyncOf(p: FlowPulls, config: Config): (MergeFact & { version: string | null }) | null {
  const prod = merged(p.production);
  const syncs = prod.filter((pr) => isSync(pr, config, p.repo));
  const last = syncs[syncs.length - 1];
  if (!last) return null;
  const next = prod.find((pr) => (pr.mergedAt ?? "") > (last.mergedAt ?? ""));
  return { ...mergeOf(last), version: versionOfMerge(p.releases, last.mergedAt ?? "", next?.mergedAt ?? null) };
}

/** Merges into production whose backport PR has not merged and that are not marked backported or not needed. */
export function pendingBackports(p: FlowPulls, config: Config): PendingBackportFact[] {
  const { done, not_needed: notNeeded, conflict } = config.backport.labels;
  const byHead = new Map<string, PullRequestFacts[]>();
  for (const pr of p.development) byHead.set(pr.route.source, [...(byHead.get(pr.route.source) ?? []), pr]);
  const out: PendingBackportFact[] = [];
  for (const pr of merged(p.production)) {
    const trigger = backportTrigger(pr, config);
    if (!trigger.backport || pr.labels.includes(done) || pr.labels.includes(notNeeded)) continue;
    const prs = (byHead.get(backportBranch(config, pr.number)) ?? []).filter((b) => b.route.headRepo?.toLowerCase() === p.repo.toLowerCase());
    if (prs.some((b) => b.merged)) continue;
    const open = prs.find((b) => b.open);
    out.push({ ...mergeOf(pr), kind: trigger.kind, backport: open ? { number: open.number, url: open.htmlUrl, conflict: open.labels.includes(conflict) } : null });
  }
  return out;
}

/** Merged PRs into development among `shas` (the commits development has and production lacks), backports left out. */
export function unreleasedPulls(p: FlowPulls, shas: ReadonlySet<string>, config: Config): PullRequestFacts[] {
  // Backport PRs bring production's own changes back: nothing new to release.
  return p.development.filter((pr) => pr.merged && pr.mergeCommitSha !== null && shas.has(pr.mergeCommitSha) && sourceOfBackportBranch(config, pr.route.source) === undefined);
}

/** The picture's events: syncs and hotfixes into production, backports merged into development. */
export function flowHistory(p: FlowPulls, config: Config): FlowEvent[] {
  const prod = merged(p.production);
  const events: FlowEvent[] = prod.flatMap((pr, i): FlowEvent[] => {
    const version = versionOfMerge(p.releases, pr.mergedAt ?? "", prod[i + 1]?.mergedAt ?? null);
    if (isSync(pr, config, p.repo)) return [{ kind: "sync", number: pr.number, at: pr.mergedAt ?? "", version }];
    if (pr.route.source.startsWith(config.branches.backport_prefix)) return [];
    return [{ kind: "hotfix", number: pr.number, at: pr.mergedAt ?? "", version, title: pr.title }];
  });
  for (const pr of merged(p.development)) {
    const source = sourceOfBackportBranch(config, pr.route.source);
    if (source !== undefined && pr.route.headRepo?.toLowerCase() === p.repo.toLowerCase()) events.push({ kind: "backport", number: pr.number, source, at: pr.mergedAt ?? "" });
  }
  return events.sort((a, b) => a.at.localeCompare(b.at) || a.number - b.number);
}
