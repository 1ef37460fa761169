/**
 * Prometheus metrics, in a dedicated registry (never prom-client's global one, so tests can
 * load several apps in one process). Labels are bounded: event names, outcomes, conclusions,
 * HTTP methods and status classes, never a repository, a PR or a branch.
 *
 * Other modules import `metrics` and increment what they own, e.g.
 * `metrics.verdicts.inc({ conclusion: "failure" })` after writing a check run, or
 * `metrics.sweepFixes.inc({ kind: "check" })` when the reconcile sweep repairs something.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export const METRIC_PREFIX = "branch_steward_";

export interface Metrics {
  readonly registry: Registry;
  /** Webhook deliveries handled, by GitHub event name and outcome (`ok`, `error`, `rejected`). */
  readonly webhookEvents: Counter<"event" | "outcome">;
  /** Time from verified delivery to all handlers settled, by event name. */
  readonly webhookDuration: Histogram<"event">;
  /** Check-run verdicts written, by conclusion (`success`, `failure`, `neutral`, `in_progress`, …). */
  readonly verdicts: Counter<"conclusion">;
  /** REST requests to GitHub, by method and status class (`2xx`, `3xx`, `4xx`, `5xx`, `network`). */
  readonly githubRequests: Counter<"method" | "status">;
  /**
   * Conditional GETs (src/github/conditional-requests.ts), by result: `hit` (GitHub answered
   * 304, not counted against the rate limit, and the stored response was served), `miss`
   * (GitHub answered with a body: a counted request), `stored` (a response kept for next time).
   */
  readonly conditionalRequests: Counter<"result">;
  /** The last `x-ratelimit-remaining` seen, by `x-ratelimit-resource` (core, search, graphql, …). */
  readonly rateLimitRemaining: Gauge<"resource">;
  /** Repairs made by the reconcile sweep, by kind (e.g. `check`, `backport`, `label`, `comment`). */
  readonly sweepFixes: Counter<"kind">;
  /** Errors, by where they were caught (`webhook`, `github`, `sweep`, `ready`, …). */
  readonly errors: Counter<"source">;
  /**
   * Courtesy writes GitHub refused (comments, labels, reactions, assignees, reviewer requests,
   * PR bodies), by kind. They never block a verdict; the next event or sweep retries them.
   */
  readonly courtesyFailures: Counter<"write">;
  /**
   * Check runs written in a fallback form because GitHub refused the full one (422), by form:
   * `short` (the verdict, the failing rule count, where to look) or `minimal` (a failing check).
   */
  readonly verdictFallbacks: Counter<"form">;
  /**
   * Age in seconds of the oldest merged production PR whose backport PR is not open yet
   * (0 when none). Set by the reconcile sweep (src/reconcile), which is the module that
   * lists merged PRs and their backports.
   */
  readonly backportsPendingSeconds: Gauge;
  /** Merged production PRs still lacking a backport PR, as last counted by the reconcile sweep. */
  readonly backportsPending: Gauge;
  /** Unix time of the last completed reconcile sweep. */
  readonly lastSweepTimestamp: Gauge;
  /** 1 when the last readiness probe could authenticate as the app, else 0. */
  readonly ready: Gauge;
  /**
   * Queue jobs, by kind (`delivery`, `evaluate`) and outcome: `enqueued`, `completed`, `retried`
   * (an attempt failed and runs again after a backoff) and `failed` (every attempt failed: left to
   * the reconcile sweep).
   */
  readonly jobs: Counter<"kind" | "outcome">;
  /** Time one job attempt took, by kind. */
  readonly jobDuration: Histogram<"kind">;
  /**
   * The flow's cadence, per repository (the one metric family labelled by repository: one series
   * per installed repository, set when its dashboard is refreshed). Seconds since the last sync.
   */
  readonly syncAgeSeconds: Gauge<"repository">;
  /** Commits development has that production lacks, per repository. */
  readonly developmentAheadCommits: Gauge<"repository">;
  /** Age of the oldest merge into production whose backport has not merged, per repository (0 when none). */
  readonly backportOldestPendingSeconds: Gauge<"repository">;
}

export interface MetricsOptions {
  /** Also collect Node's process metrics (CPU, memory, event loop lag); on for the shared object. */
  readonly defaultMetrics?: boolean;
}

export function createMetrics(registry: Registry = new Registry(), options: MetricsOptions = {}): Metrics {
  const registers = [registry];
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  return {
    registry,
    webhookEvents: new Counter({
      name: `${METRIC_PREFIX}webhook_events_total`,
      help: "Webhook deliveries handled, by event name and outcome (ok, error, rejected).",
      labelNames: ["event", "outcome"],
      registers,
    }),
    webhookDuration: new Histogram({
      name: `${METRIC_PREFIX}webhook_duration_seconds`,
      help: "Time to handle a verified webhook delivery, by event name.",
      labelNames: ["event"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 9, 20, 60],
      registers,
    }),
    verdicts: new Counter({
      name: `${METRIC_PREFIX}verdicts_total`,
      help: "Check-run verdicts written, by conclusion.",
      labelNames: ["conclusion"],
      registers,
    }),
    githubRequests: new Counter({
      name: `${METRIC_PREFIX}github_requests_total`,
      help: "GitHub REST requests, by method and status class.",
      labelNames: ["method", "status"],
      registers,
    }),
    conditionalRequests: new Counter({
      name: `${METRIC_PREFIX}github_conditional_requests_total`,
      help: "Conditional GitHub GETs, by result: hit (304, served from the cache, not counted against the rate limit), miss (answered with a body), stored.",
      labelNames: ["result"],
      registers,
    }),
    rateLimitRemaining: new Gauge({
      name: `${METRIC_PREFIX}github_rate_limit_remaining`,
      help: "The last x-ratelimit-remaining header seen, by rate-limit resource.",
      labelNames: ["resource"],
      registers,
    }),
    sweepFixes: new Counter({
      name: `${METRIC_PREFIX}sweep_fixes_total`,
      help: "Repairs made by the reconcile sweep, by kind.",
      labelNames: ["kind"],
      registers,
    }),
    errors: new Counter({
      name: `${METRIC_PREFIX}errors_total`,
      help: "Errors, by where they were caught.",
      labelNames: ["source"],
      registers,
    }),
    courtesyFailures: new Counter({
      name: `${METRIC_PREFIX}courtesy_write_failures_total`,
      help: "Courtesy writes (comment, label, reaction, assignee, reviewer, body) GitHub refused, by kind; the verdict is never blocked by them.",
      labelNames: ["write"],
      registers,
    }),
    verdictFallbacks: new Counter({
      name: `${METRIC_PREFIX}verdict_fallbacks_total`,
      help: "Check runs written in a shorter form after GitHub refused the full one, by form (short, minimal).",
      labelNames: ["form"],
      registers,
    }),
    backportsPendingSeconds: new Gauge({
      name: `${METRIC_PREFIX}backports_pending_seconds`,
      help: "Age of the oldest merged production PR without a backport PR (0 when none); set by the reconcile sweep.",
      registers,
    }),
    backportsPending: new Gauge({
      name: `${METRIC_PREFIX}backports_pending`,
      help: "Merged production PRs without a backport PR, as last counted by the reconcile sweep.",
      registers,
    }),
    lastSweepTimestamp: new Gauge({
      name: `${METRIC_PREFIX}last_sweep_timestamp_seconds`,
      help: "Unix time of the last completed reconcile sweep.",
      registers,
    }),
    ready: new Gauge({
      name: `${METRIC_PREFIX}ready`,
      help: "1 when the last readiness probe authenticated as the app, else 0.",
      registers,
    }),
    jobs: new Counter({
      name: `${METRIC_PREFIX}jobs_total`,
      help: "Queue jobs by kind (delivery, evaluate) and outcome (enqueued, completed, retried, failed: left to the sweep).",
      labelNames: ["kind", "outcome"],
      registers,
    }),
    jobDuration: new Histogram({
      name: `${METRIC_PREFIX}job_duration_seconds`,
      help: "Time one queue job attempt took, by kind.",
      labelNames: ["kind"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    syncAgeSeconds: new Gauge({
      name: `${METRIC_PREFIX}sync_age_seconds`,
      help: "Seconds since the last development → production sync merged, per repository (absent when none was found).",
      labelNames: ["repository"],
      registers,
    }),
    developmentAheadCommits: new Gauge({
      name: `${METRIC_PREFIX}development_ahead_commits`,
      help: "Commits development has that production lacks, per repository.",
      labelNames: ["repository"],
      registers,
    }),
    backportOldestPendingSeconds: new Gauge({
      name: `${METRIC_PREFIX}backport_oldest_pending_seconds`,
      help: "Age of the oldest production merge whose backport has not merged, per repository (0 when none).",
      labelNames: ["repository"],
      registers,
    }),
  };
}

/** The process-wide metrics every module increments; served by GET /metrics. */
export const metrics: Metrics = createMetrics(new Registry(), { defaultMetrics: true });

/** `2xx`, `4xx`, …, or `network` when no response arrived. */
export function statusClass(status: number | undefined): string {
  if (!status || status < 100 || status > 599) return "network";
  return `${Math.floor(status / 100)}xx`;
}

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]);
/** Bounded method label. */
export function methodLabel(method: unknown): string {
  const m = String(method ?? "GET").toUpperCase();
  return METHODS.has(m) ? m : "OTHER";
}
