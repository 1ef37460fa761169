/** Coupling rows in words: inert user text, fitted to the check's limits, and the release notes' section. */
import { parseConfig } from "../../src/config/parse.js";
import { changedPaths, evaluateCoupling, type CouplingFacts } from "../../src/policy/coupling.js";
import { evaluatePullRequest, gateNeeds } from "../../src/policy/evaluation.js";
import { evaluateFlow } from "../../src/policy/flow.js";
import type { Evaluation } from "../../src/policy/types.js";
import { renderCheck } from "../../src/render/check.js";
import { renderCouplingSection } from "../../src/render/coupling.js";
import { CHECK_TEXT, utf8Bytes } from "../../src/render/limits.js";

const route = { baseRepo: "acme/forecast", headRepo: "acme/forecast", source: "feature/x", target: "development" };
const exception = { label: "coupling-not-needed", bodyLine: "Coupling-not-needed" };

function evaluateWith(groups: unknown[], paths: string[], exceptions?: Parameters<typeof evaluateCoupling>[3]): Evaluation {
  const config = parseConfig({ coupling: { groups } });
  if (!config.ok) throw new Error(JSON.stringify(config.issues));
  const flow = evaluateFlow(route, config.config);
  const coupling: CouplingFacts = { kind: "listed", results: evaluateCoupling(config.config.compiled.coupling, paths, "feature", exceptions), exception };
  return evaluatePullRequest({ route, config, flow, needs: gateNeeds(flow, config.config), facts: { now: new Date(0) }, coupling }) as Evaluation;
}

it("keeps file names and logins inert: no table break, no mention, no markup", () => {
  const out = renderCheck(
    evaluateWith([{ name: "g", when: ["models/**"], then: ["features/**"] }], ["models/a|b`c<img src=x>.py"], {
      label: { name: "coupling-not-needed", appliedBy: "mallory", writer: false },
      lines: [],
      author: "alice",
      authorWriter: false,
    }),
  );
  const row = out.summary.split("\n").find((l) => l.startsWith("| Coupled group"));
  expect(row).toBeDefined();
  expect(row?.split(/(?<!\\)\|/).length).toBe(6); // four cells
  // Inside a code span (fenced past the backtick), the HTML is shown as text.
  expect(row).toContain("``models/a\\|b`c<img src=x>.py``");
  expect(row).not.toMatch(/(^|[^;])@mallory/);
  expect(out.title).toBe("coupled change incomplete: g");
});

it("fits a hundred broken groups of long paths into one check summary", () => {
  const groups = Array.from({ length: 100 }, (_, i) => ({ name: `group-${i}`, when: [`side-a-${i}/**`], then: [`side-b-${i}/**`] }));
  const paths = changedPaths(Array.from({ length: 100 }, (_, i) => ({ filename: `side-a-${i}/${"deep/".repeat(40)}${"é".repeat(100)}.py` })));
  const out = renderCheck(evaluateWith(groups, paths));
  expect(out.summary.length).toBeLessThanOrEqual(CHECK_TEXT.chars);
  expect(utf8Bytes(out.summary)).toBeLessThanOrEqual(CHECK_TEXT.bytes as number);
  expect(out.title.startsWith("coupled change incomplete: group-0, group-1")).toBe(true);
});

it("says when no group is touched, in one passing row", () => {
  const e = evaluateWith([{ name: "g", when: ["models/**"], then: ["features/**"] }], ["README.md"]);
  expect(e.conclusion).toBe("success");
  expect(renderCheck(e).summary).toContain("| Coupled components | ✅ pass | None of the 1 coupled group for this flow is touched by this PR. | — |");
});

it("lists the groups a release touched, or why it cannot", () => {
  expect(renderCouplingSection(undefined)).toEqual([]);
  expect(renderCouplingSection([])).toEqual(["### Coupled components", "", "No coupled group was touched.", ""]);
  expect(renderCouplingSection([{ group: "a", sides: ["when", "then"] }, { group: "b", sides: ["then"] }])).toEqual([
    "### Coupled components",
    "",
    "- `a`: both sides",
    "- `b`: `then` only",
    "",
  ]);
  expect(renderCouplingSection({ tooMany: 4000 }).join("\n")).toContain("changes 4,000 files, more than the 3,000 GitHub lists");
});
