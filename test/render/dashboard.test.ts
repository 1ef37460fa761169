import fc from "fast-check";
import { parse } from "@mermaid-js/parser";
import { buildDashboard, type FlowEvent } from "../../src/policy/dashboard.js";
import { DASHBOARD_MARKER, renderDashboard, renderFlowGraph } from "../../src/render/dashboard.js";
import { CONFIG, daysAgo, facts } from "../support/dashboard.js";

const graphOf = (body: string): string => {
  const m = /```mermaid\n([\s\S]*?)\n```/.exec(body);
  if (!m) throw new Error("no mermaid block");
  return m[1] as string;
};
const HOSTILE = ['"; click x call alert(1) %%', "feature/`rm -rf`", "<script>alert(1)</script>", "a\nb\r\nc", "1.2.3", "%%{init: {}}%%", "```", "ünïcødé 🚀 ☃", "merge development", "--", ""];

describe("renderDashboard", () => {
  it("leads with the alerts, shows every section and the boxes, and its picture is valid mermaid", () => {
    const body = renderDashboard(buildDashboard(facts(), CONFIG));
    expect(body.startsWith(DASHBOARD_MARKER)).toBe(true);
    const sections = body.split("\n").filter((l) => l.startsWith("## "));
    expect(sections).toEqual(["## Production", "## Last sync", "## Development ahead of production", "## Open sync PR", "## Backports waiting", "## Production commits missing from development", "## Audit", "## Actions", "## The flow"]);
    expect(body.indexOf("**Sync overdue**")).toBeLessThan(body.indexOf("## Production"));
    expect(body).toContain("**40 days since**");
    expect(body).toContain("**7 commits** ahead (3 merged PRs), not yet released. The next sync would release **v1\\.4\\.0**.");
    expect(body).toContain("- [ ] <!-- branch-steward:action:sync-now --> Open the sync PR now");
    expect(body).toContain("- [ ] <!-- branch-steward:action:retry-backport:35 --> Retry the backport of #35");
    expect(body).toContain("The repository audit will list its findings here.");
    expect(() => parse("gitGraph", graphOf(body))).not.toThrow();
  });

  it("renders the audit's findings one line each, escaped", () => {
    const body = renderDashboard(buildDashboard(facts({ audit: [{ severity: "high", title: "No <b>protection</b>", fix: "@all run `protect`" }] }), CONFIG));
    expect(body).toContain("- **high** No \\<b\\>protection\\</b\\>: @&#8203;all run \\`protect\\`");
  });

  it("the picture stays valid mermaid whatever the branch names and titles", () => {
    const event = fc.oneof(
      fc.record({ kind: fc.constant("sync" as const), number: fc.nat(99999), version: fc.option(fc.oneof(fc.constantFrom(...HOSTILE), fc.string()), { nil: null }) }),
      fc.record({ kind: fc.constant("hotfix" as const), number: fc.nat(99999), version: fc.option(fc.string(), { nil: null }), title: fc.oneof(fc.constantFrom(...HOSTILE), fc.string(), fc.string({ unit: "binary" })) }),
      fc.record({ kind: fc.constant("backport" as const), number: fc.nat(99999), source: fc.nat(99999) }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...HOSTILE), fc.string()), fc.oneof(fc.constantFrom(...HOSTILE), fc.string()), fc.array(event, { maxLength: 16 }), (production, development, raw) => {
        const history = raw.map((e, i) => ({ ...e, at: daysAgo(30 - i) }) as FlowEvent);
        const text = renderFlowGraph({ production, development, history });
        expect(() => parse("gitGraph", text)).not.toThrow();
        expect(text).not.toContain("```");
      }),
      { numRuns: 150 },
    );
  });

  it("a flow far too large for one issue is shortened to 65,536 characters, with counts and its markers", () => {
    const many = Array.from({ length: 5_000 }, (_, i) => ({
      number: 1000 + i,
      title: `${"x".repeat(400)} <b>${i}</b>`,
      url: `https://github.com/acme/forecast/pull/${1000 + i}`,
      mergedAt: daysAgo(5),
      kind: "hotfix" as const,
      backport: null,
    }));
    const audit = Array.from({ length: 3_000 }, (_, i) => ({ severity: "low", title: `finding ${i} ${"y".repeat(500)}`, fix: "z".repeat(500) }));
    const body = renderDashboard(buildDashboard(facts({ backports: many, audit }), CONFIG));
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body.startsWith(DASHBOARD_MARKER)).toBe(true);
    expect(body).toContain("5000 merges waiting");
    expect(body).toContain("| … and 4980 more | | | |");
    expect(body).toContain("- … and 2980 more");
    expect(body).toContain("- [ ] <!-- branch-steward:action:recheck --> Re-check all open PRs");
    expect(() => parse("gitGraph", graphOf(body))).not.toThrow();
  });
});
