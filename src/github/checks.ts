/**
 * Check runs: one run per (head SHA, name) written by this app, updated only when its
 * status, conclusion, title or summary would change.
 */
import type { CheckOutput } from "../render/check.js";
import type { Evaluation } from "../policy/evaluation.js";
import type { Octokit, RepoRef } from "./types.js";

export interface ExistingCheckRun {
  readonly id: number;
  readonly status: string;
  readonly conclusion: string | null;
  readonly title: string | null;
  readonly summary: string | null;
  readonly htmlUrl: string | null;
}

/** Our latest run of `name` among a commit's check runs. */
export function ourRun(
  runs: readonly { id: number; appId: number | null; name: string; status: string; conclusion: string | null; title: string | null; summary: string | null; url: string | null }[],
  name: string,
  appId: number,
): ExistingCheckRun | undefined {
  const run = runs.filter((r) => r.name === name && r.appId === appId).sort((a, b) => b.id - a.id)[0];
  return run && { id: run.id, status: run.status, conclusion: run.conclusion, title: run.title, summary: run.summary, htmlUrl: run.url };
}

export type CheckWrite = "created" | "updated" | "unchanged";

export function isUnchanged(existing: ExistingCheckRun, evaluation: Evaluation, output: CheckOutput): boolean {
  return (
    existing.status === evaluation.status &&
    (existing.conclusion ?? undefined) === evaluation.conclusion &&
    existing.title === output.title &&
    existing.summary === output.summary
  );
}

export async function writeCheckRun(
  octokit: Octokit,
  where: RepoRef & { sha: string; name: string },
  existing: ExistingCheckRun | undefined,
  evaluation: Evaluation,
  output: CheckOutput,
  now: () => Date = () => new Date(),
): Promise<CheckWrite> {
  if (existing && isUnchanged(existing, evaluation, output)) return "unchanged";
  const completed = evaluation.status === "completed" ? { conclusion: evaluation.conclusion, completed_at: now().toISOString() } : {};
  const body = { status: evaluation.status, output: { title: output.title, summary: output.summary }, ...completed };
  // A completed run is never reopened: GitHub keeps its conclusion, so moving back to
  // in_progress (a validation check re-running) starts a new run, which becomes the latest.
  if (existing && !(existing.status === "completed" && evaluation.status !== "completed")) {
    await octokit.rest.checks.update({ owner: where.owner, repo: where.repo, check_run_id: existing.id, ...body });
    return "updated";
  }
  await octokit.rest.checks.create({ owner: where.owner, repo: where.repo, name: where.name, head_sha: where.sha, ...body });
  return "created";
}
