/**
 * Check runs: one run per (head SHA, name) written by this app, updated only when its verdict
 * (status, conclusion, title, summary) or its claim about the status comment would change.
 *
 * The claim lives in the run's `external_id`: `bs1;s=<digest of the full summary>;c=<comment>`
 * where `<comment>` is the digest of the status comment written with this verdict, `off` when
 * comments are disabled, or `unconfirmed` when the comment write failed. An event that finds
 * the same verdict and the same claim writes nothing and reads no comment.
 */
import { createHash } from "node:crypto";
import type { Evaluation } from "../policy/types.js";
import { httpStatus } from "./errors.js";
import type { Octokit, RepoRef } from "./types.js";

/** What a check run shows: the check renderer writes it, this adapter sends it. */
export interface CheckOutput {
  readonly title: string;
  readonly summary: string;
}

export interface ExistingCheckRun {
  readonly id: number;
  readonly status: string;
  readonly conclusion: string | null;
  readonly title: string | null;
  readonly summary: string | null;
  readonly htmlUrl: string | null;
  readonly externalId?: string | null;
}

/** Our latest run of `name` among a commit's check runs. */
export function ourRun(
  runs: readonly {
    id: number;
    appId: number | null;
    name: string;
    status: string;
    conclusion: string | null;
    title: string | null;
    summary: string | null;
    url: string | null;
    externalId?: string | null;
  }[],
  name: string,
  appId: number,
): ExistingCheckRun | undefined {
  const run = runs.filter((r) => r.name === name && r.appId === appId).sort((a, b) => b.id - a.id)[0];
  return (
    run && { id: run.id, status: run.status, conclusion: run.conclusion, title: run.title, summary: run.summary, htmlUrl: run.url, externalId: run.externalId ?? null }
  );
}

export type CheckWrite = "created" | "updated" | "unchanged";

export const digest = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 16);

/** The comment claim when comments are disabled, and when the comment write failed. */
export const COMMENT_OFF = "off";
export const COMMENT_UNCONFIRMED = "unconfirmed";
/** The `external_id` of a run written in the minimal fallback form: never current, so it is retried. */
const FALLBACK_CLAIM = "bs1;fallback";

export interface Claim {
  /** Digest of the full summary the run stands for (it may show the short form). */
  readonly summary: string | undefined;
  /** Digest of the status comment written with this verdict, `off` or `unconfirmed`. */
  readonly comment: string | undefined;
}

export const formatClaim = (summaryDigest: string, comment: string): string => `bs1;s=${summaryDigest};c=${comment}`;

export function parseClaim(externalId: string | null | undefined): Claim {
  const m = /^bs1;s=([0-9a-f]+);c=([0-9a-z]+)$/.exec(externalId ?? "");
  return { summary: m?.[1], comment: m?.[2] };
}

/** Does the run already show this verdict? Its summary may be the full one or, if GitHub refused that, the short form. */
export function verdictIsCurrent(existing: ExistingCheckRun, evaluation: Verdictlike, output: CheckOutput): boolean {
  if (existing.status !== evaluation.status || (existing.conclusion ?? undefined) !== evaluation.conclusion || existing.title !== output.title) return false;
  return existing.summary === output.summary || parseClaim(existing.externalId).summary === digest(output.summary);
}

/** What a write needs of a verdict: a PR's evaluation or a merge group's. */
export type Verdictlike = Pick<Evaluation, "status" | "conclusion">;

export type VerdictForm = "full" | "short" | "minimal";

export interface VerdictWrite {
  readonly write: CheckWrite;
  /** The run's id (undefined only when nothing was written and none existed). */
  readonly id: number | undefined;
  readonly form: VerdictForm;
  /** Why the full form was not written (GitHub's answer), when it was not. */
  readonly refused?: string;
}

export interface VerdictFallbacks {
  /** The verdict in a few lines: written when GitHub refuses the full output (422). */
  readonly short: () => CheckOutput;
  /** A failing check with a minimal text: written when even the short form is refused. */
  readonly minimal: () => CheckOutput;
}

/**
 * Writes the verdict: the full output, else (GitHub refused it with 422, e.g. for its size) the
 * short form, else a minimal failing check. A PR never keeps a previous verdict after its
 * inputs changed; if even the minimal write fails, the error is thrown.
 */
export async function writeVerdict(
  octokit: Octokit,
  where: RepoRef & { sha: string; name: string },
  existing: ExistingCheckRun | undefined,
  evaluation: Verdictlike,
  output: CheckOutput,
  options: { externalId: string; fallbacks?: VerdictFallbacks; now?: () => Date },
): Promise<VerdictWrite> {
  const now = options.now ?? (() => new Date());
  const send = async (status: Evaluation["status"], conclusion: Evaluation["conclusion"], out: CheckOutput, externalId: string) => {
    const completed = status === "completed" ? { conclusion, completed_at: now().toISOString() } : {};
    const body = { status, output: { title: out.title, summary: out.summary }, external_id: externalId, ...completed };
    // A completed run is never reopened: GitHub keeps its conclusion, so moving back to
    // in_progress (a validation check re-running) starts a new run, which becomes the latest.
    if (existing && !(existing.status === "completed" && status !== "completed")) {
      await octokit.rest.checks.update({ owner: where.owner, repo: where.repo, check_run_id: existing.id, ...body });
      return { write: "updated" as const, id: existing.id };
    }
    const { data } = await octokit.rest.checks.create({ owner: where.owner, repo: where.repo, name: where.name, head_sha: where.sha, ...body });
    return { write: "created" as const, id: data?.id };
  };

  try {
    return { ...(await send(evaluation.status, evaluation.conclusion, output, options.externalId)), form: "full" };
  } catch (error) {
    if (httpStatus(error) !== 422 || !options.fallbacks) throw error;
    const refused = String((error as Error).message ?? "").slice(0, 300);
    try {
      return { ...(await send(evaluation.status, evaluation.conclusion, options.fallbacks.short(), options.externalId)), form: "short", refused };
    } catch {
      // Fail closed: whatever the verdict was, a check we cannot describe does not pass.
      return { ...(await send("completed", "failure", options.fallbacks.minimal(), FALLBACK_CLAIM)), form: "minimal", refused };
    }
  }
}

/** Rewrites only the run's claim about the status comment (the verdict is already current). */
export async function writeClaim(octokit: Octokit, repo: RepoRef, checkRunId: number, externalId: string): Promise<void> {
  await octokit.rest.checks.update({ owner: repo.owner, repo: repo.repo, check_run_id: checkRunId, external_id: externalId });
}

/** Writes `evaluation` unless the run already shows it (no status comment goes with this check). */
export async function writeCheckRun(
  octokit: Octokit,
  where: RepoRef & { sha: string; name: string },
  existing: ExistingCheckRun | undefined,
  evaluation: Verdictlike,
  output: CheckOutput,
  now: () => Date = () => new Date(),
): Promise<CheckWrite> {
  if (existing && verdictIsCurrent(existing, evaluation, output)) return "unchanged";
  const written = await writeVerdict(octokit, where, existing, evaluation, output, { externalId: formatClaim(digest(output.summary), COMMENT_OFF), now });
  return written.write;
}
