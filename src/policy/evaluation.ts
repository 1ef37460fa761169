/**
 * The evaluation of one PR against its target: the rows of the `branch-steward / <target>`
 * check and the conclusion they add up to. Pure.
 */
import type { ConfigIssue, ConfigResult } from "../config/parse.js";
import { evaluateFlow, type FlowVerdict, type PullRequestRoute } from "./flow.js";

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

/** Evaluates a PR; `null` when its target is not governed (no check, no comment). */
export function evaluatePullRequest(route: PullRequestRoute, configResult: ConfigResult): Evaluation | null {
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
        detail: issue.path ? `\`${issue.path}\`: ${issue.message}` : issue.message,
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
  const rules = [flowRule];
  const verdict = conclude(rules);
  return {
    target: route.target,
    ...verdict,
    title: flow.allowed
      ? `${flow.flow.name} flow: ${route.source} → ${route.target} is allowed`
      : `${route.source} → ${route.target} is not an allowed flow`,
    headline: flow.allowed ? `allowed: the ${flow.flow.name} flow` : `blocked: ${route.source} → ${route.target} is not an allowed flow`,
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
        detail: `This PR was retargeted from \`${oldTarget}\` to \`${newTarget}\`; see the \`${checkName(newTarget)}\` check.`,
      },
    ],
    configIssues: [],
  };
}
