/**
 * Backports: after a merge into production, bring the change back into development so that
 * development never falls behind. Pure decisions; the handler reads and writes.
 *
 * The default strategy is git-flow's merge-back: a branch at the production **merge commit**,
 * opened as a PR into development. It works for merge, squash and rebase merges, for forks and
 * after the hotfix branch is deleted, and it keeps production an ancestor of development.
 */
import type { Config } from "../config/schema.js";
import { compilePattern, matches } from "./patterns.js";

export interface MergedPullRequest {
  readonly number: number;
  readonly title: string;
  readonly author: string;
  readonly mergedBy: string | null;
  readonly merged: boolean;
  readonly mergeCommitSha: string | null;
  readonly source: string;
  readonly target: string;
  readonly labels: readonly string[];
}

export type BackportKind = "hotfix" | "sync" | "other";

export type BackportTrigger =
  | { readonly backport: false; readonly reason: string }
  | { readonly backport: true; readonly kind: BackportKind; readonly branch: string; readonly target: string; readonly mergeCommitSha: string };

/** The fixed branch per (PR, target): creating it is the idempotency lock. */
export function backportBranch(config: Config, prNumber: number): string {
  return `${config.branches.backport_prefix}${config.branches.development}/pr-${prNumber}`;
}

/** `backport/development/pr-12` → 12 (for this config), or undefined. */
export function sourceOfBackportBranch(config: Config, branch: string): number | undefined {
  const prefix = `${config.branches.backport_prefix}${config.branches.development}/pr-`;
  if (!branch.startsWith(prefix)) return undefined;
  const n = Number(branch.slice(prefix.length));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export function backportTrigger(pr: MergedPullRequest, config: Config): BackportTrigger {
  const { production, development, hotfix_prefix, backport_prefix } = config.branches;
  if (!config.backport.enabled) return { backport: false, reason: "backports are disabled by config" };
  if (!pr.merged) return { backport: false, reason: "the PR was closed without merging" };
  if (pr.target !== production) return { backport: false, reason: `the PR merged into ${pr.target}, not ${production}` };
  if (pr.source.startsWith(backport_prefix)) return { backport: false, reason: "the PR is itself a backport" };
  const kind: BackportKind = pr.source === development ? "sync" : pr.source.startsWith(hotfix_prefix) ? "hotfix" : "other";
  if (kind === "sync" && !config.backport.after_sync) return { backport: false, reason: "merging syncs back is disabled by config" };
  if (!pr.mergeCommitSha) return { backport: false, reason: "the merged PR has no merge commit" };
  return { backport: true, kind, branch: backportBranch(config, pr.number), target: development, mergeCommitSha: pr.mergeCommitSha };
}

/** What to do given what already exists for the backport branch. */
export type ExistingBackport = {
  readonly number: number;
  readonly state: "open" | "closed";
  readonly merged: boolean;
  readonly labels?: readonly string[];
  readonly assignees?: readonly string[];
};

export type BackportStep =
  | { readonly step: "done"; readonly pr: ExistingBackport; readonly why: string }
  | { readonly step: "closed-by-human"; readonly pr: ExistingBackport }
  | { readonly step: "reopen"; readonly pr: ExistingBackport }
  | { readonly step: "open-pr" };

/** `requested` is true for an explicit `/backport` command, which may redo a closed backport. */
export function nextBackportStep(existing: readonly ExistingBackport[], requested: boolean): BackportStep {
  const merged = existing.find((p) => p.merged);
  if (merged) return { step: "done", pr: merged, why: "its backport PR is merged" };
  const open = existing.find((p) => p.state === "open");
  if (open) return { step: "done", pr: open, why: "its backport PR is open" };
  const closed = [...existing].sort((a, b) => b.number - a.number)[0];
  if (closed) return requested ? { step: "reopen", pr: closed } : { step: "closed-by-human", pr: closed };
  return { step: "open-pr" };
}

export interface Approval {
  readonly user: string;
  readonly state: string;
  readonly submittedAt: string | null;
}

/** Users whose latest review is an approval (reviewers leave `requested_reviewers` once they review). */
export function approvers(reviews: readonly Approval[]): string[] {
  const latest = new Map<string, Approval>();
  for (const r of reviews) {
    if (r.state === "COMMENTED" || r.state === "PENDING") continue; // comments do not change a verdict
    const seen = latest.get(r.user);
    if (!seen || (r.submittedAt ?? "") >= (seen.submittedAt ?? "")) latest.set(r.user, r);
  }
  return [...latest.values()].filter((r) => r.state === "APPROVED").map((r) => r.user);
}

export interface BackportPeople {
  readonly reviewers: string[];
  readonly assignees: string[];
}

const isBot = (login: string): boolean => login.endsWith("[bot]");

/** Reviews from the author and every approver; assign the author and the merger. */
export function backportPeople(pr: MergedPullRequest, approved: readonly string[]): BackportPeople {
  const unique = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x && !isBot(x)))];
  return { reviewers: unique([pr.author, ...approved]), assignees: unique([pr.author, pr.mergedBy]) };
}

export function backportLabels(pr: MergedPullRequest, config: Config): string[] {
  const patterns = config.backport.copy_labels.map((p) => compilePattern(p, {}));
  const copied = pr.labels.filter((l) => patterns.some((p) => matches(p, l)));
  return [...new Set([config.backport.labels.backport, ...copied])];
}
