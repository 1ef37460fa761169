/** Shortcuts for policy tests: compiled required checks, and one evaluation the way the shell runs it. */
import { compilePattern } from "../../src/policy/patterns.js";
import type { CompiledCheck } from "../../src/config/compile.js";
import type { ConfigResult } from "../../src/config/parse.js";
import type { PullRequestRoute } from "../../src/model/pull-request.js";
import { evaluatePullRequest, gateNeeds } from "../../src/policy/evaluation.js";
import { evaluateFlow } from "../../src/policy/flow.js";
import type { Evaluation, GateFacts } from "../../src/policy/types.js";

export const compiledCheck = (r: { name: string; app?: string | undefined; maxAgeSeconds?: number | undefined }): CompiledCheck => ({
  name: r.name,
  app: r.app,
  maxAgeSeconds: r.maxAgeSeconds,
  pattern: compilePattern(r.name, {}),
});

export const compiledChecks = (rs: readonly { name: string; app?: string | undefined; maxAgeSeconds?: number | undefined }[]): CompiledCheck[] => rs.map(compiledCheck);

/** evaluateFlow and gateNeeds once, then evaluatePullRequest: what the evaluate-and-report workflow does. */
export function evaluate(route: PullRequestRoute, config: ConfigResult, facts: GateFacts = { now: new Date(0) }): Evaluation | null {
  const flow = evaluateFlow(route, config.config);
  const needs = config.ok ? gateNeeds(flow, config.config) : null;
  return evaluatePullRequest({ route, config, flow, needs, facts });
}
