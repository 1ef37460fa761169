/**
 * What a reconciler is: one kind of repair the sweep runs on every repository, with the config
 * read once for that repository. Reconcilers call workflows, never handlers. Every unit of work
 * is isolated: a failure is counted in the summary, logged, and the sweep goes on.
 */
import type { Logger } from "pino";
import type { ConfigResult } from "../config/parse.js";
import type { SweepCoordinator } from "../infra/sweep-coordinator.js";
import type { WorkLock } from "../infra/work-lock.js";
import type { WorkflowIo } from "../workflows/io.js";

export interface SweepOptions {
  /** How far back to look for failed deliveries and unbackported merges. */
  readonly windowMs: number;
  readonly maxRedeliveries: number;
  readonly maxAttemptsPerDelivery: number;
  /** Open PRs evaluated per repository per sweep. */
  readonly maxPullsPerRepo: number;
  /** The reconcilers run on every repository, in order (default: RECONCILERS). */
  readonly reconcilers?: readonly Reconciler[];
  /** The app's work lock, so a sweep and a webhook never work on the same PR or release at once. */
  readonly lock?: Pick<WorkLock, "run">;
  /** Queues again the jobs that failed every attempt (the job queue's `rerunFailed`); returns how many. */
  readonly rerunFailedJobs?: () => Promise<number>;
  /**
   * One sweep per cluster: the round's leader redelivers and lists, every replica sweeps the
   * repositories it takes from the round. Without it (the admin route, tests), this replica sweeps everything.
   */
  readonly cluster?: { readonly coordinator: SweepCoordinator; readonly round: string };
  /**
   * The sweep backs off before events do: an installation whose remaining rate limit
   * (x-ratelimit-remaining) is below this share of its limit gets no more sweeping this round.
   * Default 0.25.
   */
  readonly rateLimitReserve?: number;
}

/** Where a sweep failure happened; each is counted, logged and retried by the next sweep. */
export type SweepFailure = "redeliveries" | "installations" | "repositories" | "pulls" | "comments" | "backports" | "extra";

export interface SweepSummary {
  redeliveries: { failed: number; redelivered: number; exhausted: number };
  /** Queue jobs that had failed every attempt, queued again by this sweep. */
  jobs: { rerun: number };
  /** `deferred`: governed open PRs beyond `maxPullsPerRepo`, left for a later sweep or event. */
  checks: { evaluated: number; rewritten: number; deferred: number };
  backports: { missing: number; fixed: number; unresolved: number; oldestUnresolvedSeconds: number };
  /** Releases: production merges found without a version, and versioned by this sweep. */
  extra: { found: number; fixed: number };
  repositories: number;
  /** Repositories left for the next sweep because their installation's remaining rate limit was below the reserve. */
  rateLimited: number;
  requests: number;
  /** Failures by where they happened; the rest of the sweep went on. */
  failures: Record<SweepFailure, number>;
  /** All failures (the sum of `failures`). */
  errors: number;
  durationMs: number;
}

/** One repository in a sweep: its io (the sweep's lock included), its config, read once, and the options. */
export interface RepoSweep {
  readonly io: WorkflowIo;
  readonly config: ConfigResult;
  readonly options: SweepOptions;
}

export interface Reconciler {
  readonly name: "checks" | "backports" | "releases" | (string & {});
  /** Where a failure of the whole reconciler on a repository is counted. */
  readonly failure: SweepFailure;
  run(ctx: RepoSweep, summary: SweepSummary): Promise<void>;
}

export function fail(summary: SweepSummary, kind: SweepFailure, n = 1): void {
  summary.failures[kind] += n;
  summary.errors += n;
}

/**
 * Runs one unit of sweep work; a failure is counted (summary and metric), logged, and the sweep
 * goes on with the next unit. Returns undefined when it failed.
 */
export async function isolated<T>(summary: SweepSummary, kind: SweepFailure, log: Logger, about: Record<string, unknown>, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    fail(summary, kind);
    log.error({ ...about, err: error, failure: kind }, `sweep: ${kind} failed; the sweep goes on and the next one retries it`);
    return undefined;
  }
}
