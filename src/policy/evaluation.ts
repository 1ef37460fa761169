/**
 * The evaluation of one PR against its target: the rows of the `branch-steward / <target>`
 * check and the conclusion they add up to. Pure.
 */
import type { ConfigResult } from "../config/parse.js";
import type { CompiledConfig } from "../config/compile.js";
import type { PullRequestRoute } from "../model/pull-request.js";
import { couplingFindings, couplingOutcome, type CouplingFacts } from "./coupling.js";
import type { FlowVerdict } from "./flow.js";
import { evaluateRequiredChecks, hotfixLineageRule, noValidationRule, upToDateRule } from "./gate.js";
import { matches } from "./patterns.js";
import type { Evaluation, GateFacts, GateNeeds, RuleResult } from "./types.js";

export const CHECK_PREFIX = "branch-steward / ";
export const checkName = (target: string): string => `${CHECK_PREFIX}${target}`;
export const targetOfCheck = (name: string): string | undefined =>
  name.startsWith(CHECK_PREFIX) ? name.slice(CHECK_PREFIX.length) : undefined;

/**
 * Whether a check run or commit status named `name` can change any verdict of the repository:
 * some flow's validation requires a check of that name (pinned to an app or not: a look-alike
 * from another app still shows as ignored in the row). An invalid config fails every governed
 * PR whatever its checks say, so then nothing can.
 */
export function canChangeVerdict(name: string, config: ConfigResult): boolean {
  return config.ok && config.config.compiled.evidence.some((req) => req.name === name || matches(req.pattern, name));
}

/** Whether any check at all can change a verdict (a check suite names none of its runs). */
export const anyCheckRequired = (config: ConfigResult): boolean => config.ok && config.config.compiled.evidence.length > 0;

/** Adds rule rows up: any failure fails, else any pending keeps the check in progress. */
export function conclude(rules: readonly RuleResult[]): Pick<Evaluation, "status" | "conclusion"> {
  if (rules.some((r) => r.outcome === "fail")) return { status: "completed", conclusion: "failure" };
  if (rules.some((r) => r.outcome === "pending")) return { status: "in_progress" };
  return { status: "completed", conclusion: "success" };
}

/**
 * What the gate needs read for an allowed flow, or null (denied or ungoverned: nothing to read).
 * "A sync needs validation" is decided here: a sync flow without required checks is `unconfigured`.
 */
export function gateNeeds(flow: FlowVerdict, config: CompiledConfig): GateNeeds | null {
  if (!flow.governed || !flow.allowed) return null;
  const entry = config.validation[flow.flow.name];
  const required = config.compiled.required[flow.flow.name] ?? [];
  const unconfigured =
    flow.flow.kind === "sync" && required.length === 0 ? { flowName: flow.flow.name, optedOut: entry?.opt_out === true } : undefined;
  return {
    required,
    unconfigured,
    upToDate: config.compiled.upToDate.some((t) => matches(t, flow.target)),
    lineage: flow.flow.kind === "hotfix",
  };
}

function gateRules(flow: Extract<FlowVerdict, { governed: true }>, needs: GateNeeds, facts: GateFacts, config: CompiledConfig): RuleResult[] {
  const rules: RuleResult[] = [];
  if (needs.unconfigured) rules.push(noValidationRule(needs.unconfigured.flowName, needs.unconfigured.optedOut));
  rules.push(...evaluateRequiredChecks(needs.required, facts.checks ?? [], facts.now));
  if (needs.upToDate && facts.behind) {
    const isSync = flow.governed && flow.allowed && flow.flow.kind === "sync";
    rules.push(upToDateRule(flow, facts.behind.behindBy, facts.behind.missing, isSync));
  }
  if (needs.lineage && facts.lineage) {
    rules.push(hotfixLineageRule(config.branches.production, config.branches.development, facts.lineage));
  }
  return rules;
}

export interface EvaluationInput {
  readonly route: PullRequestRoute;
  readonly config: ConfigResult;
  /** `evaluateFlow(route, config.config)`, computed once by the caller. */
  readonly flow: FlowVerdict;
  /** `gateNeeds(flow, config.config)` when the config is valid (else null), computed once by the caller. */
  readonly needs: GateNeeds | null;
  readonly facts: GateFacts;
  /** Coupled components over the PR's files, when the flow has groups (see policy/coupling.ts). */
  readonly coupling?: CouplingFacts | undefined;
}

/** Evaluates a PR; `null` when its target is not governed (no check, no comment). */
export function evaluatePullRequest(input: EvaluationInput): Evaluation | null {
  const { route, config: configResult, flow, needs, facts, coupling } = input;
  if (!flow.governed) return null;

  if (!configResult.ok) {
    return {
      target: route.target,
      status: "completed",
      conclusion: "failure",
      rules: configResult.issues.map((issue) => ({ rule: "config", outcome: "fail", issue })),
      config: "invalid",
      configIssues: configResult.issues,
      flow,
    };
  }

  const flowRule: RuleResult = { rule: "flow", outcome: flow.allowed ? "pass" : "fail", verdict: flow };
  const couplingRules: RuleResult[] = flow.allowed && coupling ? couplingFindings(coupling).map((finding) => ({ rule: "coupling", outcome: couplingOutcome(finding), finding })) : [];
  const rules = [flowRule, ...(needs ? gateRules(flow, needs, facts, configResult.config) : []), ...couplingRules];
  return {
    target: route.target,
    ...conclude(rules),
    rules,
    config: configResult.fromFile ? "file" : "defaults",
    configIssues: [],
    flow,
  };
}

/** The check left behind on a head SHA when its PR moves to another target. */
export function retargetedEvaluation(oldTarget: string, newTarget: string): Evaluation {
  return {
    target: oldTarget,
    status: "completed",
    conclusion: "neutral",
    rules: [{ rule: "retargeted", outcome: "pass", from: oldTarget, to: newTarget }],
    configIssues: [],
  };
}
