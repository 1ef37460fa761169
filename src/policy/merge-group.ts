/**
 * The merge queue: the verdict of `branch-steward / <base>` on a merge group's commit. Pure.
 *
 * A group is allowed only when every PR in it is allowed by its flow and its own check is green
 * on its current head. Where a flow's validation says `merge_group: require`, its required checks
 * must also pass on the group's commit; with `head` (the default) the PR head's evidence counts.
 */
import type { CompiledCheck, CompiledConfig } from "../config/compile.js";
import type { ConfigIssue, ConfigResult } from "../config/parse.js";
import type { PullRequestRoute } from "../model/pull-request.js";
import { evaluateFlow, type FlowVerdict } from "./flow.js";
import { evaluateRequiredChecks } from "./gate.js";
import type { Conclusion, ObservedCheck, Outcome, RuleResult } from "./types.js";

export const QUEUE_BRANCH_PREFIX = "gh-readonly-queue/";

/** What a merge queue branch's name says: `gh-readonly-queue/<base>/pr-<N>-<sha>`. */
export interface QueueBranch {
  readonly base: string;
  /** The PR whose queue entry this group is (the last PR of the group). */
  readonly pr: number;
}

/** Parses `gh-readonly-queue/<base>/pr-<N>-<sha>` (with or without `refs/heads/`); undefined for any other name. */
export function parseQueueBranch(ref: string | null | undefined): QueueBranch | undefined {
  const name = (ref ?? "").replace(/^refs\/heads\//, "");
  const m = /^gh-readonly-queue\/(.+)\/pr-(\d{1,10})-[0-9a-f]{7,64}$/.exec(name);
  if (!m) return undefined;
  const pr = Number(m[2]);
  return pr > 0 && Number.isSafeInteger(pr) ? { base: m[1] as string, pr } : undefined;
}

/** One PR of the group, as read now. */
export interface GroupMember {
  readonly number: number;
  /** The PR as GitHub has it now; undefined when it could not be read. */
  readonly pr?: { readonly open: boolean; readonly route: PullRequestRoute; readonly headSha: string };
  /** Our `branch-steward / <base>` check on the PR's current head, if any. */
  readonly check?: { readonly status: string; readonly conclusion: string | null };
}

/** Which PRs the group holds: `complete` is false when the group's commits could not all be read. */
export interface GroupMembership {
  readonly members: readonly GroupMember[];
  readonly complete: boolean;
}

export type MemberState =
  | "allowed"
  /** The PR could not be read (deleted, or GitHub refused). */
  | "unreadable"
  | "closed"
  /** The PR targets another branch than the group's base. */
  | "other-base"
  | "flow-denied"
  /** No `branch-steward / <base>` check on its current head. */
  | "no-check"
  /** Its check has not concluded: a group is allowed only on a green check. */
  | "check-pending"
  | "check-failed";

export type MergeGroupRow =
  | {
      readonly row: "member";
      readonly outcome: Outcome;
      readonly number: number;
      readonly state: MemberState;
      readonly headSha?: string;
      readonly flow?: Extract<FlowVerdict, { governed: true }>;
      readonly conclusion?: string | null;
    }
  /** The group's PRs could not all be found (the group commit list was cut): fail closed. */
  | { readonly row: "membership"; readonly outcome: "fail" }
  /** A flow's validation counted on the PR heads (`merge_group: head`). */
  | { readonly row: "head-evidence"; readonly outcome: "pass"; readonly flowName: string; readonly numbers: readonly number[] }
  /** A required check on the group's commit (`merge_group: require`), for these flows. */
  | { readonly row: "group-check"; readonly outcome: Outcome; readonly flows: readonly string[]; readonly result: Extract<RuleResult, { rule: "required-check" }> }
  | { readonly row: "config"; readonly outcome: "fail"; readonly issue: ConfigIssue };

export interface MergeGroupEvaluation {
  readonly base: string;
  readonly status: "in_progress" | "completed";
  readonly conclusion?: Conclusion;
  readonly rows: readonly MergeGroupRow[];
  /** The PR numbers of the group, in queue order. */
  readonly numbers: readonly number[];
}

type AllowedFlow = Extract<FlowVerdict, { allowed: true }>;

/** The allowed flows of the group's readable PRs into `base`. */
function allowedFlows(members: readonly GroupMember[], base: string, config: CompiledConfig): { number: number; flow: AllowedFlow }[] {
  return members.flatMap((m) => {
    if (!m.pr || m.pr.route.target !== base) return [];
    const flow = evaluateFlow(m.pr.route, config);
    return flow.governed && flow.allowed ? [{ number: m.number, flow }] : [];
  });
}

/** The checks that must pass on the group's commit (flows with `merge_group: require`), each once, with the flows that ask for it. */
export function groupRequiredChecks(members: readonly GroupMember[], base: string, config: CompiledConfig): { check: CompiledCheck; flows: string[] }[] {
  const wanted = new Map<string, { check: CompiledCheck; flows: string[] }>();
  for (const { flow } of allowedFlows(members, base, config)) {
    const name = flow.flow.name;
    if (config.validation[name]?.merge_group !== "require") continue;
    for (const check of config.compiled.required[name] ?? []) {
      const key = `${check.name}\u0000${check.app ?? ""}\u0000${check.maxAgeSeconds ?? ""}`;
      const entry = wanted.get(key) ?? { check, flows: [] };
      if (!entry.flows.includes(name)) entry.flows.push(name);
      wanted.set(key, entry);
    }
  }
  return [...wanted.values()];
}

function memberRow(m: GroupMember, base: string, config: CompiledConfig): Extract<MergeGroupRow, { row: "member" }> {
  const row = (state: MemberState, outcome: Outcome, extra: Partial<Extract<MergeGroupRow, { row: "member" }>> = {}) => ({
    row: "member" as const,
    number: m.number,
    state,
    outcome,
    ...(m.pr ? { headSha: m.pr.headSha } : {}),
    ...extra,
  });
  if (!m.pr) return row("unreadable", "fail");
  if (!m.pr.open) return row("closed", "fail");
  if (m.pr.route.target !== base) return row("other-base", "fail");
  const flow = evaluateFlow(m.pr.route, config);
  if (!flow.governed) return row("other-base", "fail");
  if (!flow.allowed) return row("flow-denied", "fail", { flow });
  // Fail closed: only a concluded, successful check of ours on the PR's current head counts.
  if (!m.check) return row("no-check", "fail", { flow });
  if (m.check.status !== "completed") return row("check-pending", "fail", { flow });
  if (m.check.conclusion !== "success") return row("check-failed", "fail", { flow, conclusion: m.check.conclusion });
  return row("allowed", "pass", { flow });
}

export interface MergeGroupInput {
  readonly base: string;
  readonly membership: GroupMembership;
  readonly config: ConfigResult;
  /** Check runs (not ours) and statuses on the group's commit; read only when `groupRequiredChecks` asks for any. */
  readonly groupChecks: readonly ObservedCheck[];
  readonly now: Date;
}

/** The verdict on a merge group: any failing row fails, else any pending row keeps it in progress. */
export function evaluateMergeGroup(input: MergeGroupInput): MergeGroupEvaluation {
  const { base, membership, config } = input;
  const numbers = membership.members.map((m) => m.number);
  const rows: MergeGroupRow[] = [];
  if (!config.ok) rows.push(...config.issues.map((issue) => ({ row: "config" as const, outcome: "fail" as const, issue })));
  if (!membership.complete || membership.members.length === 0) rows.push({ row: "membership", outcome: "fail" });
  rows.push(...membership.members.map((m) => memberRow(m, base, config.config)));
  if (config.ok) rows.push(...validationRows(input));
  return { base, ...concludeRows(rows), rows, numbers };
}

function validationRows({ base, membership, config, groupChecks, now }: MergeGroupInput): MergeGroupRow[] {
  const byHead = new Map<string, number[]>();
  for (const { number, flow } of allowedFlows(membership.members, base, config.config)) {
    const name = flow.flow.name;
    const entry = config.config.validation[name];
    if (!entry || entry.merge_group === "require" || (config.config.compiled.required[name] ?? []).length === 0) continue;
    byHead.set(name, [...(byHead.get(name) ?? []), number]);
  }
  const heads = [...byHead].map(([flowName, numbers]): MergeGroupRow => ({ row: "head-evidence", outcome: "pass", flowName, numbers }));
  const required = groupRequiredChecks(membership.members, base, config.config);
  const results = evaluateRequiredChecks(
    required.map((r) => r.check),
    groupChecks,
    now,
  );
  const onGroup = results.flatMap((result, i): MergeGroupRow[] =>
    result.rule === "required-check" ? [{ row: "group-check", outcome: result.outcome, flows: required[i]?.flows ?? [], result }] : [],
  );
  return [...heads, ...onGroup];
}

function concludeRows(rows: readonly MergeGroupRow[]): Pick<MergeGroupEvaluation, "status" | "conclusion"> {
  if (rows.some((r) => r.outcome === "fail")) return { status: "completed", conclusion: "failure" };
  if (rows.some((r) => r.outcome === "pending")) return { status: "in_progress" };
  return { status: "completed", conclusion: "success" };
}
