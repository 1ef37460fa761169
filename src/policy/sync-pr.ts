/**
 * Whether to open the development → production PR now, pure. Scheduled: once per schedule
 * window (the window key sits in the PR's marker, so a PR closed by a person is not reopened
 * in the same window). Asked for from the dashboard: now, under the same conditions.
 */
import type { CompiledConfig } from "../config/compile.js";
import { gateNeeds } from "./evaluation.js";
import { evaluateFlow } from "./flow.js";
import { scheduleWindow } from "./schedule.js";
import { decideBump, nextVersion, parseVersionTags, type NextVersion } from "./version.js";

export type Validation = "configured" | "unconfigured" | "opted-out" | "not-allowed";

/** What the sync flow's gate asks of a development → production PR. */
export function syncValidation(config: CompiledConfig, repo: string): { readonly validation: Validation; readonly flowName: string | null } {
  const { development, production } = config.branches;
  const flow = evaluateFlow({ baseRepo: repo, headRepo: repo, source: development, target: production }, config);
  const needs = gateNeeds(flow, config);
  if (!needs || !flow.governed || !flow.allowed) return { validation: "not-allowed", flowName: null };
  if (needs.unconfigured) return { validation: needs.unconfigured.optedOut ? "opted-out" : "unconfigured", flowName: flow.flow.name };
  return { validation: needs.required.length > 0 ? "configured" : "unconfigured", flowName: flow.flow.name };
}

/** The version merging development now would release: the highest version tag, bumped as a sync. */
export function predictSyncVersion(tags: readonly string[], config: CompiledConfig, flowName: string | null, title: string): NextVersion {
  const { versions } = parseVersionTags(tags, { prefix: config.release.tag_prefix, includePrereleases: config.release.include_prereleases });
  const bump = decideBump({
    flow: { name: flowName ?? "sync", kind: "sync" },
    source: config.branches.development,
    title,
    body: "",
    labels: [],
    labelNames: config.release.labels,
    revert: false,
  }).bump;
  return nextVersion({ previous: versions[0] ?? null, versions }, bump, { prefix: config.release.tag_prefix, initialVersion: config.release.initial_version });
}

export type SyncPrDecision =
  | { readonly open: true; readonly window: string }
  | { readonly open: false; readonly reason: "not-scheduled" | "window-used" | "not-ahead" | "no-validation" | "sync-pr-open" };

export interface SyncPrSituation {
  readonly now: Date;
  readonly manual: boolean;
  readonly aheadBy: number;
  readonly validation: Validation;
  readonly anyOpen: boolean;
  /** Windows of the sync PRs the app opened (open or closed). */
  readonly usedWindows: readonly string[];
}

export function decideSyncPr(config: CompiledConfig, s: SyncPrSituation): SyncPrDecision {
  const schedule = config.sync.schedule;
  const window = schedule ? scheduleWindow(schedule, s.now).key : `manual@${s.now.toISOString().slice(0, 10)}`;
  if (!s.manual && !schedule) return { open: false, reason: "not-scheduled" };
  if (s.anyOpen) return { open: false, reason: "sync-pr-open" };
  if (s.aheadBy <= 0) return { open: false, reason: "not-ahead" };
  if (s.validation !== "configured") return { open: false, reason: "no-validation" };
  if (!s.manual && s.usedWindows.includes(window)) return { open: false, reason: "window-used" };
  return { open: true, window };
}
