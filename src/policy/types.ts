/**
 * The plain data shared by policy, render and the github adapters: rule rows, evaluations and the
 * facts the shell reads for them. No logic, so no module cycle runs through it.
 */
import type { CompiledCheck } from "../config/compile.js";
import type { ConfigIssue } from "../config/parse.js";
import type { CouplingFinding } from "./coupling.js";
import type { FlowVerdict } from "./flow.js";
import type { VersionProblem } from "./version.js";

export type Outcome = "pass" | "fail" | "pending";

/** A required check as the config names it (an exact name, glob or /regex/, optionally pinned to an app). */
export interface RequiredCheckRef {
  readonly name: string;
  readonly app?: string | undefined;
  /** Maximum age of a passing result, in seconds. */
  readonly maxAgeSeconds?: number | undefined;
}

/**
 * One row of the check, as data: which rule, its outcome and the facts behind it.
 * render/findings.ts turns it into words; nothing here is prose.
 */
export type RuleResult =
  | { readonly rule: "flow"; readonly outcome: Outcome; readonly verdict: Extract<FlowVerdict, { governed: true }> }
  | {
      readonly rule: "required-check";
      readonly outcome: Outcome;
      readonly check: RequiredCheckRef;
      /** missing: nothing reported yet; running: a result is not complete; failed; stale: passed longer ago than `maxAgeSeconds`. */
      readonly state: "missing" | "running" | "failed" | "stale" | "passed";
      /** The latest result per matching name (from the pinned app when set). */
      readonly results: readonly ObservedCheck[];
      /** Look-alikes from other reporters, ignored because the check is pinned to an app. */
      readonly ignored: readonly ObservedCheck[];
    }
  | { readonly rule: "validation"; readonly outcome: Outcome; readonly flowName: string; readonly optedOut: boolean }
  | {
      readonly rule: "up-to-date";
      readonly outcome: Outcome;
      readonly target: string;
      readonly source: string;
      /** GitHub's count of target commits missing from the PR head. */
      readonly behindBy: number;
      /** The first of them (listed for a sync: usually unmerged backports). */
      readonly missing: readonly CommitSummary[];
      readonly isSync: boolean;
    }
  | {
      readonly rule: "hotfix-lineage";
      readonly outcome: Outcome;
      readonly production: string;
      readonly development: string;
      /** How many of the PR's commits are in development but not in production, and the first of them. */
      readonly count: number;
      readonly offending: readonly CommitSummary[];
    }
  | { readonly rule: "config"; readonly outcome: "fail"; readonly issue: ConfigIssue }
  | { readonly rule: "retargeted"; readonly outcome: "pass"; readonly from: string; readonly to: string }
  /** Coupled components (policy/coupling.ts): a group's result, or why none could be judged. */
  | { readonly rule: "coupling"; readonly outcome: Outcome; readonly finding: CouplingFinding };

export type Conclusion = "success" | "failure" | "neutral";

export interface Evaluation {
  readonly target: string;
  /** `in_progress` while a rule is pending; otherwise completed with a conclusion. */
  readonly status: "in_progress" | "completed";
  readonly conclusion?: Conclusion;
  /** The rows, in order; render/check.ts `titleOf` and render/comment.ts `headlineOf` put them into words. */
  readonly rules: readonly RuleResult[];
  /** Where the config came from; absent for checks that no longer depend on it. */
  readonly config?: "file" | "defaults" | "invalid";
  readonly configIssues: readonly ConfigIssue[];
  readonly flow?: FlowVerdict;
}

/** A required check from the config: a name (exact, glob or /regex/), optionally pinned to an app. */
export interface RequiredCheck {
  readonly name: string;
  readonly app?: string | undefined;
  /** Maximum age of a passing result, in seconds. */
  readonly maxAgeSeconds?: number | undefined;
}

/** A check run or commit status seen on the PR head. */
export interface ObservedCheck {
  readonly source: "check_run" | "status";
  readonly name: string;
  /** The app slug that reported a check run; for a status, its creator's login. */
  readonly reporter: string | null;
  /** Check runs: queued | in_progress | completed (| waiting | requested | pending). Statuses: pending | completed. */
  readonly status: string;
  /** success, failure, neutral, skipped, cancelled, timed_out, action_required, stale; statuses map error → failure. */
  readonly conclusion: string | null;
  readonly url: string | null;
  /** When it started or was last updated (ISO 8601). Orders results of the same name. */
  readonly startedAt: string | null;
  readonly completedAt: string | null;
  /** GitHub's id for the run or status: breaks ties between results started in the same second. */
  readonly id: number;
}

export interface CommitSummary {
  readonly sha: string;
  readonly title: string;
}

/** What the gate rules need read from GitHub for an allowed flow. */
export interface GateNeeds {
  readonly required: readonly CompiledCheck[];
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

/** Why a merge into production was not versioned; render/release.ts says it and what to do. */
export type ReleaseProblem =
  | { readonly code: "no-merge-sha" }
  | { readonly code: "no-ancestor-tag"; readonly checked: number; readonly mergeSha: string }
  | (VersionProblem & { readonly mergeSha: string })
  | { readonly code: "tag-race-exhausted"; readonly attempts: number }
  | { readonly code: "forbidden"; readonly message: string }
  | { readonly code: "config-invalid"; readonly issues: readonly ConfigIssue[] };
