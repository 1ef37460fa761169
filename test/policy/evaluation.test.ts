/** evaluatePullRequest: data out, from the flow and needs its caller computed once. */
import { parseConfig } from "../../src/config/parse.js";
import { conclude, evaluatePullRequest, gateNeeds, retargetedEvaluation } from "../../src/policy/evaluation.js";
import { evaluateFlow } from "../../src/policy/flow.js";
import type { GateNeeds } from "../../src/policy/types.js";

const NOW = new Date("2026-11-26T12:00:00Z");
const route = { baseRepo: "acme/forecast", headRepo: "acme/forecast", source: "development", target: "production" };
const config = parseConfig({ validation: { sync: { required: [], opt_out: true } } });

it("uses the caller's flow and needs, never its own: a lineage asked for is a lineage row", () => {
  const flow = evaluateFlow(route, config.config);
  const needs = gateNeeds(flow, config.config) as GateNeeds;
  expect(needs).toMatchObject({ lineage: false, upToDate: true });
  const asked: GateNeeds = { ...needs, lineage: true };
  const e = evaluatePullRequest({ route, config, flow, needs: asked, facts: { now: NOW, behind: { behindBy: 0, missing: [] }, lineage: { count: 2, examples: [] } } });
  expect(e?.rules.map((r) => [r.rule, r.outcome])).toEqual([
    ["flow", "pass"],
    ["validation", "pass"],
    ["up-to-date", "pass"],
    ["hotfix-lineage", "fail"],
  ]);
  expect(e).toMatchObject({ status: "completed", conclusion: "failure", config: "file" });
});

it("returns the verdict as data: the flow row carries the FlowVerdict", () => {
  const flow = evaluateFlow({ ...route, source: "feature/x" }, config.config);
  const e = evaluatePullRequest({ route: { ...route, source: "feature/x" }, config, flow, needs: null, facts: { now: NOW } });
  expect(e?.rules).toEqual([{ rule: "flow", outcome: "fail", verdict: flow }]);
  expect(e).not.toHaveProperty("title");
  expect(e).not.toHaveProperty("headline");
});

it("is null for an ungoverned target, and one config row per problem for an invalid config", () => {
  const ungoverned = { ...route, target: "main" };
  expect(evaluatePullRequest({ route: ungoverned, config, flow: evaluateFlow(ungoverned, config.config), needs: null, facts: { now: NOW } })).toBeNull();
  const bad = parseConfig({ nope: 1, flows: 2 });
  const e = evaluatePullRequest({ route, config: bad, flow: evaluateFlow(route, bad.config), needs: null, facts: { now: NOW } });
  expect(e).toMatchObject({ conclusion: "failure", config: "invalid" });
  expect(e?.rules.every((r) => r.rule === "config" && r.outcome === "fail")).toBe(true);
  expect(e?.rules).toHaveLength(2);
});

it("adds rows up: a failure fails, else pending waits, else success; a retarget is neutral", () => {
  expect(conclude([{ rule: "validation", outcome: "pass", flowName: "sync", optedOut: true }])).toEqual({ status: "completed", conclusion: "success" });
  expect(retargetedEvaluation("production", "development")).toMatchObject({ conclusion: "neutral", rules: [{ rule: "retargeted", from: "production", to: "development" }] });
});
