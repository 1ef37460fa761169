/**
 * The scheduled sync's calendar, pure: which window a moment falls in, in the repository's time
 * zone (Intl, no dependency). A window is "the week since the last <weekday>" or "the N days
 * since day 0 (1970-01-01) rounded down to a multiple of N"; its key names it in the sync PR's
 * marker, so one window opens at most one scheduled sync PR, whatever the replicas or redeliveries.
 */

export interface SyncSchedule {
  /** `monday` … `sunday`, or `<N>d`. */
  readonly every: string;
  /** IANA name, validated by the config schema. */
  readonly time_zone: string;
}

export interface ScheduleWindow {
  /** e.g. `monday@2026-11-30` or `14d@2026-11-26`: stable for the whole window. */
  readonly key: string;
  /** The window's first day, in the time zone (YYYY-MM-DD). */
  readonly startsOn: string;
}

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar day `now` falls on in `timeZone`, as days since 1970-01-01. */
export function localDay(now: Date, timeZone: string): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "numeric", day: "numeric" });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(now).map((p) => [p.type, p.value]));
  return Math.floor(Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day)) / DAY_MS);
}

const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

export function scheduleWindow(schedule: SyncSchedule, now: Date): ScheduleWindow {
  const day = localDay(now, schedule.time_zone);
  const weekday = WEEKDAYS.indexOf(schedule.every as (typeof WEEKDAYS)[number]);
  let start: number;
  if (weekday >= 0) {
    const today = (day + 4) % 7; // 1970-01-01 was a Thursday
    start = day - ((today - weekday + 7) % 7);
  } else {
    const n = Number(schedule.every.slice(0, -1));
    start = day - (day % n);
  }
  return { key: `${schedule.every}@${isoDay(start)}`, startsOn: isoDay(start) };
}
