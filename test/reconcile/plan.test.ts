import fc from "fast-check";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import type { PullRequestFacts } from "../../src/model/pull-request.js";
import { planBackportRepairs, planRedeliveries, type DeliveryAttempt } from "../../src/reconcile/plan.js";

const NOW = new Date("2026-11-26T12:00:00Z");
const HOUR = 3600_000;
let id = 0;
const attempt = (guid: string, statusCode: number, minutesAgo: number, over: Partial<DeliveryAttempt> = {}): DeliveryAttempt => ({
  id: ++id,
  guid,
  statusCode,
  deliveredAt: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(),
  redelivery: false,
  event: "pull_request",
  action: "closed",
  ...over,
});
const plan = (attempts: DeliveryAttempt[], max = 50) => planRedeliveries(attempts, NOW, { windowMs: 6 * HOUR, max, maxAttempts: 3 });

describe("redelivery plan", () => {
  it("redelivers guids whose every attempt failed, oldest first, once each", () => {
    const a = attempt("a", 500, 30);
    const b = attempt("b", 0, 50);
    const p = plan([a, b, attempt("c", 202, 10), attempt("d", 502, 20), attempt("d", 200, 15, { redelivery: true })]);
    expect(p.redeliver.map((d) => d.guid)).toEqual(["b", "a"]);
    expect(p.failed).toBe(2);
  });

  it("ignores attempts outside the window and gives up after maxAttempts", () => {
    const p = plan([attempt("old", 500, 7 * 60), attempt("x", 500, 30), attempt("x", 500, 20, { redelivery: true }), attempt("x", 502, 10, { redelivery: true })]);
    expect(p.redeliver).toEqual([]);
    expect(p.exhausted).toBe(1);
  });

  it("never redelivers a guid that succeeded once, never more than max, never twice per sweep (property)", () => {
    const attempts = fc.array(
      fc.record({ guid: fc.constantFrom("a", "b", "c", "d", "e"), code: fc.constantFrom(0, 200, 202, 500, 502), ago: fc.integer({ min: 0, max: 600 }) }),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(attempts, fc.integer({ min: 0, max: 4 }), (list, max) => {
        const all = list.map((x) => attempt(x.guid, x.code, x.ago));
        const p = plan(all, max);
        const guids = p.redeliver.map((d) => d.guid);
        const succeeded = new Set(all.filter((x) => x.statusCode >= 200 && x.statusCode < 300).map((x) => x.guid));
        return guids.length <= max && new Set(guids).size === guids.length && guids.every((g) => !succeeded.has(g));
      }),
    );
  });
});

describe("backport repair plan", () => {
  const merged = (number: number, labels: string[], hoursAgo = 1, source = "hotfix/x"): PullRequestFacts => ({
    number,
    title: `PR ${number}`,
    body: "",
    htmlUrl: `https://github.com/acme/forecast/pull/${number}`,
    open: false,
    merged: true,
    mergedAt: new Date(NOW.getTime() - hoursAgo * HOUR).toISOString(),
    mergedBy: "carol",
    mergeCommitSha: "a".repeat(40),
    author: "alice",
    headSha: "b".repeat(40),
    labels,
    route: { baseRepo: "acme/forecast", headRepo: "acme/forecast", source, target: "production" },
  });
  it("finds merged production PRs with no backport label, oldest first", () => {
    const got = planBackportRepairs(
      [merged(3, []), merged(1, [], 2), merged(4, ["backport-pending"]), merged(5, ["backported"]), merged(6, ["backport-not-needed"]), merged(7, [], 10), merged(8, [], 1, "backport/development/pr-2")],
      DEFAULT_CONFIG,
      NOW,
      6 * HOUR,
    );
    expect(got).toEqual([1, 3]);
  });
});
