import fc from "fast-check";
import { localDay, scheduleWindow } from "../../src/policy/schedule.js";

describe("scheduleWindow", () => {
  it("a weekly window starts on the configured weekday, in the repository's time zone", () => {
    // 2026-11-30 is a Monday.
    expect(scheduleWindow({ every: "monday", time_zone: "UTC" }, new Date("2026-11-30T00:00:00Z")).key).toBe("monday@2026-11-30");
    expect(scheduleWindow({ every: "monday", time_zone: "UTC" }, new Date("2026-12-06T23:59:59Z")).key).toBe("monday@2026-11-30");
    expect(scheduleWindow({ every: "monday", time_zone: "UTC" }, new Date("2026-12-07T00:00:00Z")).key).toBe("monday@2026-12-07");
    expect(scheduleWindow({ every: "monday", time_zone: "UTC" }, new Date("2026-11-29T23:00:00Z")).key).toBe("monday@2026-11-23");
    // Sunday 23:00 UTC is already Monday in Berlin (UTC+1 in winter).
    expect(scheduleWindow({ every: "monday", time_zone: "Europe/Berlin" }, new Date("2026-11-29T23:00:00Z")).key).toBe("monday@2026-11-30");
    // …and still Sunday in New York.
    expect(scheduleWindow({ every: "monday", time_zone: "America/New_York" }, new Date("2026-11-30T04:00:00Z")).key).toBe("monday@2026-11-23");
  });

  it("an N-day window is stable for N days and changes after", () => {
    const at = (iso: string) => scheduleWindow({ every: "14d", time_zone: "UTC" }, new Date(iso)).key;
    const first = at("2026-11-19T00:00:00Z");
    expect(first).toBe("14d@2026-11-19"); // day 20,776 since 1970-01-01 is a multiple of 14
    expect(at("2026-12-02T23:59:59Z")).toBe(first);
    expect(at("2026-12-03T00:00:00Z")).toBe("14d@2026-12-03");
  });

  it("every moment is in a window that started at most N-1 days before and on the right weekday", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }), fc.constantFrom("UTC", "Asia/Tokyo", "America/Los_Angeles"), fc.integer({ min: 1, max: 30 }), (now, zone, n) => {
        const day = localDay(now, zone);
        const weekly = scheduleWindow({ every: "friday", time_zone: zone }, now);
        const start = Date.parse(weekly.startsOn) / 86_400_000;
        expect(day - start).toBeGreaterThanOrEqual(0);
        expect(day - start).toBeLessThan(7);
        expect(new Date(weekly.startsOn).getUTCDay()).toBe(5);
        const every = scheduleWindow({ every: `${n}d`, time_zone: zone }, now);
        const s = Date.parse(every.startsOn) / 86_400_000;
        expect(day - s).toBeGreaterThanOrEqual(0);
        expect(day - s).toBeLessThan(n);
      }),
    );
  });
});
