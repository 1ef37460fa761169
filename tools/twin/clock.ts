/**
 * A clock tests control. Every timestamp the twin writes (created_at, merged_at,
 * delivered_at, commit dates, …) comes from here, so tests are deterministic.
 * Time only moves when a test calls `advance` or `set`.
 */
export interface Clock {
  /** Current twin time. */
  now(): Date;
  /** Move time forward by `ms` milliseconds. */
  advance(ms: number): void;
  /** Jump to an absolute time. */
  set(time: Date | number | string): void;
}

export const DEFAULT_START = "2025-01-06T09:00:00Z";

export function createClock(start: Date | number | string = DEFAULT_START): Clock {
  let current = new Date(start).getTime();
  if (Number.isNaN(current)) throw new Error(`createClock: invalid start time ${String(start)}`);
  return {
    now: () => new Date(current),
    advance(ms: number) {
      if (ms < 0) throw new Error("clock.advance: ms must be >= 0");
      current += ms;
    },
    set(time) {
      const next = new Date(time).getTime();
      if (Number.isNaN(next)) throw new Error(`clock.set: invalid time ${String(time)}`);
      current = next;
    },
  };
}

/** GitHub's timestamp format: ISO 8601 without milliseconds, e.g. `2019-05-15T15:20:41Z`. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
