/** Dashboard facts for tests: a flow with every section populated, and hostile names on request. */
import { DEFAULT_COMPILED } from "../../src/config/parse.js";
import type { DashboardFacts } from "../../src/policy/dashboard.js";

export const NOW = new Date("2026-12-01T12:00:00Z");
export const daysAgo = (n: number): string => new Date(NOW.getTime() - n * 86_400_000).toISOString();

export function facts(over: Partial<DashboardFacts> = {}): DashboardFacts {
  return {
    now: NOW,
    releases: [
      { tag: "v1.3.1", publishedAt: daysAgo(3), url: "https://github.com/acme/forecast/releases/tag/v1.3.1" },
      { tag: "v1.3.0", publishedAt: daysAgo(40), url: "https://github.com/acme/forecast/releases/tag/v1.3.0" },
    ],
    lastSync: { number: 20, title: "Sync", url: "https://github.com/acme/forecast/pull/20", mergedAt: daysAgo(40), version: "v1.3.0" },
    ahead: { commits: 7, pulls: 3, pullsExact: true },
    behind: { commits: 2, oldestAt: daysAgo(3) },
    predicted: { ok: true, version: "1.4.0", tag: "v1.4.0", previous: { tag: "v1.3.1", version: "1.3.1" } },
    syncPr: null,
    backports: [
      { number: 31, title: "Fix drift", url: "https://github.com/acme/forecast/pull/31", mergedAt: daysAgo(3), kind: "hotfix", backport: { number: 32, url: "https://github.com/acme/forecast/pull/32", conflict: false } },
      { number: 35, title: "Fix cache", url: "https://github.com/acme/forecast/pull/35", mergedAt: daysAgo(1), kind: "hotfix", backport: { number: 36, url: "https://github.com/acme/forecast/pull/36", conflict: true } },
    ],
    history: [
      { kind: "sync", number: 20, at: daysAgo(40), version: "v1.3.0" },
      { kind: "backport", number: 21, source: 20, at: daysAgo(39) },
      { kind: "hotfix", number: 31, at: daysAgo(3), version: "v1.3.1", title: "Fix drift" },
    ],
    ...over,
  };
}

export const CONFIG = DEFAULT_COMPILED;
