import { buildDashboard, cadenceAlerts, requestedActions, tickedActions, warnAfter } from "../../src/policy/dashboard.js";
import { CONFIG, daysAgo, facts } from "../support/dashboard.js";

const cadence = (over: Partial<typeof CONFIG.cadence>) => ({ ...CONFIG, cadence: { ...CONFIG.cadence, ...over } });

describe("cadence alerts", () => {
  it("lead with an overdue sync, then backports waiting longer than backport_within, then production ahead", () => {
    const alerts = cadenceAlerts(facts(), CONFIG);
    expect(alerts.map((a) => a.kind)).toEqual(["sync-overdue", "backport-waiting", "production-ahead"]);
    expect(alerts[0]).toMatchObject({ level: "overdue", ageSeconds: 40 * 86_400, everySeconds: 30 * 86_400 });
    // #35 waited 1 day (within 2 days): no alert; #31 waited 3 days.
    expect(alerts.filter((a) => a.kind === "backport-waiting")).toEqual([{ kind: "backport-waiting", number: 31, ageSeconds: 3 * 86_400, conflict: false, withinSeconds: 2 * 86_400 }]);
    expect(alerts[2]).toMatchObject({ commits: 2, ageSeconds: 3 * 86_400 });
  });

  it("warns before the sync is due (three quarters of sync_every by default, or warn_after), and not before", () => {
    expect(warnAfter(CONFIG.cadence)).toBe(Math.floor(30 * 86_400 * 0.75));
    const at = (days: number, over = {}) => cadenceAlerts(facts({ lastSync: { ...facts().lastSync!, mergedAt: daysAgo(days) }, backports: [], behind: { commits: 0, oldestAt: null } }), cadence(over));
    expect(at(20)).toEqual([]);
    expect(at(23)).toEqual([expect.objectContaining({ kind: "sync-overdue", level: "due-soon" })]);
    expect(at(9, { sync_every: 7 * 86_400, warn_after: 5 * 86_400 })).toEqual([expect.objectContaining({ level: "overdue" })]);
    expect(at(6, { sync_every: 7 * 86_400, warn_after: 5 * 86_400 })).toEqual([expect.objectContaining({ level: "due-soon" })]);
  });

  it("production ahead of development within backport_within, or no sync ever found, raises nothing", () => {
    expect(cadenceAlerts(facts({ lastSync: null, backports: [], behind: { commits: 4, oldestAt: daysAgo(1) } }), CONFIG)).toEqual([]);
  });
});

describe("the model", () => {
  it("lists conflicts first, offers one retry per waiting backport, and the metrics", () => {
    const m = buildDashboard(facts(), CONFIG);
    expect(m.backports.map((b) => b.number)).toEqual([35, 31]);
    expect(m.actions.map((a) => a.id)).toEqual(["sync-now", "retry-backport:35", "retry-backport:31", "recheck"]);
    expect(m.metrics).toEqual({ syncAgeSeconds: 40 * 86_400, developmentAheadCommits: 7, backportOldestPendingSeconds: 3 * 86_400 });
    expect(m.timeline).toHaveLength(2);
    expect(buildDashboard(facts({ ahead: { commits: 0, pulls: 0, pullsExact: true } }), CONFIG).ahead.predicted).toBeNull();
  });
});

describe("ticked boxes", () => {
  const body = (ticks: Record<string, boolean>) =>
    ["intro", ...Object.entries(ticks).map(([id, on]) => `- [${on ? "x" : " "}] <!-- branch-steward:action:${id} --> text`)].join("\n");

  it("reads the marker of each ticked box, once each, and nothing else", () => {
    expect(tickedActions(body({ "sync-now": true, recheck: false, "retry-backport:12": true }))).toEqual([{ id: "sync-now" }, { id: "retry-backport:12", number: 12 }]);
    expect(tickedActions("- [x] <!-- branch-steward:action:rm-rf --> no\n- [x] Open the sync PR now\n* [X] <!-- branch-steward:action:recheck --> yes")).toEqual([{ id: "recheck" }]);
  });

  it("an action is asked for when this edit ticked it and it is still ticked now (a redelivery finds it unticked)", () => {
    const before = body({ "sync-now": false, recheck: true });
    const after = body({ "sync-now": true, recheck: true });
    expect(requestedActions({ body: after, before, current: after }).map((a) => a.id)).toEqual(["sync-now"]);
    expect(requestedActions({ body: after, before, current: before.replace("[x]", "[ ]") })).toEqual([]);
    expect(requestedActions({ body: after, before: null, current: after }).map((a) => a.id)).toEqual(["sync-now", "recheck"]);
  });
});
