/**
 * Courtesy writes: comments, labels, reactions, assignees, reviewer requests and PR bodies that
 * tell people what happened. They never block the work they describe (a verdict, a backport PR,
 * a tag): a refusal is caught, logged, counted (`courtesy_write_failures_total`) and kept in the
 * ledger, so the caller can say so, retry it later, or fail the delivery once the work is done
 * (GitHub's redelivery then retries the courtesy writes idempotently).
 */
import { metrics } from "../observability/metrics.js";
import { courtesy } from "./courtesy-gate.js";
import { errorText, httpStatus } from "./errors.js";

export type CourtesyKind = "comment" | "label" | "reaction" | "assignee" | "reviewer" | "body";

export interface CourtesyFailure {
  readonly kind: CourtesyKind;
  readonly status: number | undefined;
  readonly message: string;
}

/** The result of a courtesy write that GitHub refused. */
export const FAILED = "failed";

interface WarnLog {
  warn(obj: object, msg: string): void;
}

export class Courtesy {
  readonly failures: CourtesyFailure[] = [];

  constructor(private readonly log: WarnLog) {}

  /**
   * Runs `write` behind pending verdict writes (the courtesy gate); a failure is logged, counted
   * and recorded, and `"failed"` is returned instead.
   */
  async attempt<T>(kind: CourtesyKind, about: Record<string, unknown>, write: () => Promise<T>): Promise<T | typeof FAILED> {
    try {
      return await courtesy(write);
    } catch (error) {
      const failure = { kind, status: httpStatus(error), message: errorText(error).trim().slice(0, 300) };
      this.failures.push(failure);
      metrics.courtesyFailures.inc({ write: kind });
      this.log.warn({ ...about, courtesy: kind, status: failure.status, problem: failure.message }, "courtesy write failed; the work it describes stands");
      return FAILED;
    }
  }

  get failed(): number {
    return this.failures.length;
  }
}

/**
 * Thrown by a webhook handler after its work is done when courtesy writes failed: the delivery
 * is marked failed, so a redelivery (by hand or by the sweep) retries them; every write is
 * idempotent, so the redelivery repeats nothing else.
 */
export class CourtesyWritesFailed extends Error {
  constructor(readonly failures: readonly CourtesyFailure[]) {
    super(`${failures.length} courtesy write${failures.length === 1 ? "" : "s"} failed (${[...new Set(failures.map((f) => f.kind))].join(", ")}); the work itself is done`);
    this.name = "CourtesyWritesFailed";
  }
}
