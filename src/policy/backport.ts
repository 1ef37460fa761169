/**
 * Backports: after a merge into production, bring the change back into development so that
 * development never falls behind. Pure decisions; the handler reads and writes.
 *
 * The default strategy is git-flow's merge-back: a branch at the production **merge commit**,
 * opened as a PR into development. It works for merge, squash and rebase merges, for forks and
 * after the hotfix branch is deleted, and it keeps production an ancestor of development.
 */
import type { CompiledConfig } from "../config/compile.js";
import type { Config } from "../config/schema.js";
import type { PullRequestFacts } from "../model/pull-request.js";
import { matches } from "./patterns.js";

export type BackportKind = "hotfix" | "sync" | "other";

/** Why a closed PR gets no backport; render says it in words where a person sees it. */
export type BackportSkip = "disabled" | "not-merged" | "other-target" | "is-backport" | "sync-disabled" | "no-merge-commit";

export type BackportTrigger =
  | { readonly backport: false; readonly reason: BackportSkip }
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

export function backportTrigger(pr: PullRequestFacts, config: Config): BackportTrigger {
  const { production, development, hotfix_prefix, backport_prefix } = config.branches;
  const { source, target } = pr.route;
  if (!config.backport.enabled) return { backport: false, reason: "disabled" };
  if (!pr.merged) return { backport: false, reason: "not-merged" };
  if (target !== production) return { backport: false, reason: "other-target" };
  if (source.startsWith(backport_prefix)) return { backport: false, reason: "is-backport" };
  const kind: BackportKind = source === development ? "sync" : source.startsWith(hotfix_prefix) ? "hotfix" : "other";
  if (kind === "sync" && !config.backport.after_sync) return { backport: false, reason: "sync-disabled" };
  if (!pr.mergeCommitSha) return { backport: false, reason: "no-merge-commit" };
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

export interface BackportPeople {
  readonly reviewers: string[];
  readonly assignees: string[];
}

const isBot = (login: string): boolean => login.endsWith("[bot]");

/** Reviews from the author and every approver; assign the author and the merger. */
export function backportPeople(pr: Pick<PullRequestFacts, "author" | "mergedBy">, approved: readonly string[]): BackportPeople {
  const unique = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x && !isBot(x)))];
  return { reviewers: unique([pr.author, ...approved]), assignees: unique([pr.author, pr.mergedBy]) };
}

export function backportLabels(pr: Pick<PullRequestFacts, "labels">, config: CompiledConfig): string[] {
  const patterns = config.compiled.copyLabels;
  const copied = pr.labels.filter((l) => patterns.some((p) => matches(p, l)));
  return [...new Set([config.backport.labels.backport, ...copied])];
}
