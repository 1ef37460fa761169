/**
 * Reconciliation planners: compare what should be with what is, and say what to fix.
 * Pure: the sweep reads GitHub, these decide, the sweep acts.
 */
import type { Config } from "../config/schema.js";
import type { PullRequestFacts } from "../model/pull-request.js";

export interface DeliveryAttempt {
  readonly id: number;
  readonly guid: string;
  readonly deliveredAt: string;
  readonly statusCode: number;
  readonly redelivery: boolean;
  readonly event: string;
  readonly action: string | null;
}

export interface RedeliveryPlan {
  /** Deliveries (one attempt per guid) to redeliver, oldest first. */
  readonly redeliver: DeliveryAttempt[];
  /** Guids whose every attempt failed, within the window. */
  readonly failed: number;
  /** Failed guids given up on: attempted `maxAttempts` times already. */
  readonly exhausted: number;
}

const ok = (code: number): boolean => code >= 200 && code < 300;

/**
 * GitHub does not retry failed deliveries. Redeliver each guid whose attempts in the window all
 * failed, once per sweep, at most `maxAttempts` attempts per guid and `max` per sweep.
 */
export function planRedeliveries(
  attempts: readonly DeliveryAttempt[],
  now: Date,
  options: { windowMs: number; max: number; maxAttempts: number },
): RedeliveryPlan {
  const since = now.getTime() - options.windowMs;
  const byGuid = new Map<string, DeliveryAttempt[]>();
  for (const a of attempts) byGuid.set(a.guid, [...(byGuid.get(a.guid) ?? []), a]);
  const candidates: DeliveryAttempt[] = [];
  let failed = 0;
  let exhausted = 0;
  for (const tries of byGuid.values()) {
    if (tries.some((t) => ok(t.statusCode))) continue; // delivered once: done, whenever that was
    if (tries.every((t) => Date.parse(t.deliveredAt) < since)) continue; // out of the window
    failed++;
    if (tries.length >= options.maxAttempts) {
      exhausted++;
      continue;
    }
    const first = [...tries].sort((a, b) => a.id - b.id)[0] as DeliveryAttempt;
    candidates.push(first);
  }
  candidates.sort((a, b) => a.deliveredAt.localeCompare(b.deliveredAt) || a.id - b.id);
  return { redeliver: candidates.slice(0, options.max), failed, exhausted };
}

/** Merged production PRs with no sign of a backport (no pending, done or not-needed label), oldest first. */
export function planBackportRepairs(merged: readonly PullRequestFacts[], config: Config, now: Date, windowMs: number): number[] {
  const { pending, done, not_needed } = config.backport.labels;
  const since = now.getTime() - windowMs;
  return merged
    .flatMap((pr) => (pr.mergedAt ? [{ ...pr, mergedAt: pr.mergedAt }] : []))
    .filter((pr) => Date.parse(pr.mergedAt) >= since)
    .filter((pr) => !pr.route.source.startsWith(config.branches.backport_prefix))
    .filter((pr) => !pr.labels.some((l) => l === pending || l === done || l === not_needed))
    .sort((a, b) => a.mergedAt.localeCompare(b.mergedAt))
    .map((pr) => pr.number);
}
