/**
 * The evaluation of one PR against its target: the rows of the `branch-steward / <target>`
 * check and the conclusion they add up to. Pure.
 */
import type { ConfigIssue, ConfigResult } from "../config/parse.js";
import type { Config } from "../config/schema.js";
import { evaluateFlow, placeholdersOf, type FlowVerdict, type PullRequestRoute } from "./flow.js";
import {
  evaluateRequiredChecks,
  hotfixLineageRule,
  noValidationRule,
  upToDateRule,
  type CommitSummary,
  type ObservedCheck,
  type RequiredCheck,
} from "./gate.js";
import { compilePattern, matches } from "./patterns.js";
import { code, escapeInline } from "../render/markdown.js";

export type Outcome = "pass" | "fail" | "pending";

export interface RuleResult {
  readonly rule: string;
  readonly outcome: Outcome;
  readonly detail: string;
  readonly fix?: string;
}

export type Conclusion = "success" | "failure" | "neutral";

export interface Evaluation {
  readonly target: string;
  /** `in_progress` while a rule is pending; otherwise completed with a conclusion. */
  readonly status: "in_progress" | "completed";
  readonly conclusion?: Conclusion;
  readonly title: string;
  readonly rules: readonly RuleResult[];
  /** What the comment says in one line; the comment changes only when this does. */
  readonly headline: string;
  /** Where the config came from; absent for checks that no longer depend on it. */
  readonly config?: "file" | "defaults" | "invalid";
  readonly configIssues: readonly ConfigIssue[];
  readonly flow?: FlowVerdict;
}

export const CHECK_PREFIX = "branch-steward / ";
export const checkName = (target: string): string => `${CHECK_PREFIX}${target}`;
export const targetOfCheck = (name: string): string | undefined =>
  name.startsWith(CHECK_PREFIX) ? name.slice(CHECK_PREFIX.length) : undefined;

/** Adds rule rows up: any failure fails, else any pending keeps the check in progress. */
export function conclude(rules: readonly RuleResult[]): Pick<Evaluation, "status" | "conclusion"> {
  if (rules.some((r) => r.outcome === "fail")) return { status: "completed", conclusion: "failure" };
  if (rules.some((r) => r.outcome === "pending")) return { status: "in_progress" };
  return { status: "completed", conclusion: "success" };
}

/** What the gate rules need read from GitHub for an allowed flow. */
export interface GateNeeds {
  readonly required: readonly RequiredCheck[];
  /** The sync flow has no validation configured (fails closed unless opted out). */
  readonly unconfigured?: { readonly flowName: string; readonly optedOut: boolean };
  readonly upToDate: boolean;
  readonly lineage: boolean;
}

/** Facts the shell read from GitHub, as the GateNeeds asked. */
export interface GateFacts {
  readonly now: Date;
  readonly checks?: readonly ObservedCheck[];
  readonly behind?: { readonly behindBy: number; readonly missing: readonly CommitSummary[] };
  /** The PR's commits in development but not in production: GitHub's count, and the first of them. */
  readonly lineage?: { readonly count: number; readonly examples: readonly CommitSummary[] };
}

export function gateNeeds(flow: FlowVerdict, config: Config): GateNeeds | null {
  if (!flow.governed || !flow.allowed) return null;
  const entry = config.validation[flow.flow.name];
  const required = (entry?.required ?? []).map((r) => ({ name: r.name, app: r.app, maxAgeSeconds: r.max_age }));
  const unconfigured =
    flow.flow.kind === "sync" && required.length === 0 ? { flowName: flow.flow.name, optedOut: entry?.opt_out === true } : undefined;
  const p = placeholdersOf(config);
  return {
    required,
    unconfigured,
    upToDate: config.up_to_date.some((t) => matches(compilePattern(t, p), flow.target)),
    lineage: flow.flow.kind === "hotfix",
  };
}

function gateRules(flow: FlowVerdict, needs: GateNeeds, facts: GateFacts, config: Config): RuleResult[] {
  const rules: RuleResult[] = [];
  if (needs.unconfigured) rules.push(noValidationRule(needs.unconfigured.flowName, needs.unconfigured.optedOut));
  rules.push(...evaluateRequiredChecks(needs.required, facts.checks ?? [], facts.now));
  if (needs.upToDate && facts.behind) {
    const isSync = flow.governed && flow.allowed && flow.flow.kind === "sync";
    rules.push(upToDateRule(flow.target, facts.behind.behindBy, facts.behind.missing, isSync));
  }
  if (needs.lineage && facts.lineage) {
    rules.push(hotfixLineageRule(config.branches.production, config.branches.development, facts.lineage));
  }
  return rules;
}

/** Evaluates a PR; `null` when its target is not governed (no check, no comment). */
export function evaluatePullRequest(route: PullRequestRoute, configResult: ConfigResult, facts: GateFacts = { now: new Date(0) }): Evaluation | null {
  const flow = evaluateFlow(route, configResult.config);
  if (!flow.governed) return null;

  if (!configResult.ok) {
    const n = configResult.issues.length;
    return {
      target: route.target,
      status: "completed",
      conclusion: "failure",
      title: `Configuration error: ${n} problem${n === 1 ? "" : "s"} in .github/branch-steward.yml`,
      headline: "blocked: the branch-steward configuration is invalid",
      rules: configResult.issues.map((issue) => ({
        rule: "Configuration",
        outcome: "fail",
        detail: issue.path ? `${code(issue.path)}: ${escapeInline(issue.message)}` : escapeInline(issue.message),
        fix: "Fix .github/branch-steward.yml on the default branch (or the organisation's .github repository it falls back to).",
      })),
      config: "invalid",
      configIssues: configResult.issues,
      flow,
    };
  }

  const flowRule: RuleResult = flow.allowed
    ? { rule: "Source → target flow", outcome: "pass", detail: flow.reason }
    : { rule: "Source → target flow", outcome: "fail", detail: flow.reason, fix: flow.fix };
  const needs = gateNeeds(flow, configResult.config);
  const rules = [flowRule, ...(needs ? gateRules(flow, needs, facts, configResult.config) : [])];
  const verdict = conclude(rules);
  const failing = rules.filter((r) => r.outcome === "fail").map((r) => r.rule);
  const waiting = rules.filter((r) => r.outcome === "pending").map((r) => r.rule);
  const pair = `${route.source} → ${route.target}`;
  let title: string;
  let headline: string;
  if (!flow.allowed) {
    title = `${pair} is not an allowed flow`;
    headline = `blocked: ${pair} is not an allowed flow`;
  } else if (failing.length) {
    title = `${flow.flow.name} flow blocked: ${failing.join(", ")}`;
    headline = `blocked: ${failing.join(", ")}`;
  } else if (waiting.length) {
    title = `${flow.flow.name} flow waiting for ${waiting.length} check${waiting.length === 1 ? "" : "s"}`;
    headline = `waiting for validation`;
  } else {
    title = `${flow.flow.name} flow: ${pair} is allowed`;
    headline = `allowed: the ${flow.flow.name} flow`;
  }
  return {
    target: route.target,
    ...verdict,
    title,
    headline,
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
    title: `PR now targets ${newTarget}`,
    headline: `PR now targets ${newTarget}`,
    rules: [
      {
        rule: "Source → target flow",
        outcome: "pass",
        detail: `This PR was retargeted from ${code(oldTarget)} to ${code(newTarget)}; see the ${code(checkName(newTarget))} check.`,
      },
    ],
    configIssues: [],
  };
}
