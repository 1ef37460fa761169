/** Check runs, check suites and commit statuses. */
import type { Core } from "../core.js";
import { now } from "../core.js";
import { HttpError, validationFailed } from "../errors.js";
import { emitEvent } from "../events.js";
import { checkRunOutput } from "../limits.js";
import { checkRunJson, checkSuiteJson, commitJson, repoApiUrl } from "../serialize.js";
import type { Account, AppRef, CheckConclusion, CheckOutput, CheckRun, CheckStatus, CheckSuite, CommitStatus, RepoState, StatusState } from "../state.js";

const CONCLUSIONS: readonly CheckConclusion[] = ["action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"];
const STATUSES: readonly CheckStatus[] = ["queued", "in_progress", "completed", "waiting", "requested", "pending"];

export interface CheckRunInput {
  name?: string;
  headSha?: string;
  status?: CheckStatus;
  conclusion?: CheckConclusion | null;
  output?: Partial<CheckOutput>;
  detailsUrl?: string | null;
  externalId?: string | null;
  startedAt?: string | null;
  completedAt?: string | null;
}

function validate(input: CheckRunInput): void {
  checkRunOutput(input.output);
  if (input.status !== undefined && !STATUSES.includes(input.status)) {
    throw validationFailed({ resource: "CheckRun", code: "invalid", field: "status" });
  }
  if (input.conclusion !== undefined && input.conclusion !== null && !CONCLUSIONS.includes(input.conclusion)) {
    throw validationFailed({ resource: "CheckRun", code: "invalid", field: "conclusion" });
  }
  // GitHub answers 422 here; the exact message text is a twin guess.
  if (input.status === "completed" && !input.conclusion) {
    throw new HttpError(422, "Invalid request.\n\nWhen the status is 'completed', a conclusion is required.");
  }
}

/** Creates a check run for `app`. Emits check_run.created (and .completed when created completed). */
export function createCheckRun(core: Core, repo: RepoState, app: AppRef, input: CheckRunInput, actor: Account): CheckRun {
  validate(input);
  if (!input.name) throw validationFailed({ resource: "CheckRun", code: "missing_field", field: "name" });
  if (!input.headSha || !core.world.commits.has(input.headSha)) {
    throw new HttpError(422, `No commit found for SHA: ${input.headSha ?? ""}`);
  }
  const timestamp = now(core);
  const completed = Boolean(input.conclusion);
  const run: CheckRun = {
    id: core.world.newId(),
    name: input.name,
    headSha: input.headSha,
    status: completed ? "completed" : (input.status ?? "queued"),
    conclusion: input.conclusion ?? null,
    output: { title: null, summary: null, text: null, ...input.output },
    detailsUrl: input.detailsUrl ?? null,
    externalId: input.externalId ?? null,
    startedAt: input.startedAt ?? timestamp,
    completedAt: completed ? (input.completedAt ?? timestamp) : null,
    app,
    suiteId: suiteFor(core, repo, app, input.headSha).id,
  };
  repo.checkRuns.set(run.id, run);
  emitRun(core, repo, run, "created", actor);
  if (run.status === "completed") emitRun(core, repo, run, "completed", actor);
  refreshSuite(core, repo, run.suiteId, actor);
  return run;
}

/** Updates a run. Only the transition to `completed` emits (check_run.completed), as on GitHub. */
export function updateCheckRun(core: Core, repo: RepoState, run: CheckRun, input: CheckRunInput, actor: Account): void {
  validate(input);
  const wasCompleted = run.status === "completed";
  if (input.name !== undefined) run.name = input.name;
  if (input.detailsUrl !== undefined) run.detailsUrl = input.detailsUrl;
  if (input.externalId !== undefined) run.externalId = input.externalId;
  if (input.startedAt !== undefined) run.startedAt = input.startedAt;
  if (input.output !== undefined) run.output = { ...run.output, ...input.output };
  if (input.status !== undefined) run.status = input.status;
  if (input.conclusion) {
    run.conclusion = input.conclusion;
    run.status = "completed";
  }
  if (run.status === "completed" && !run.conclusion) {
    throw new HttpError(422, "Invalid request.\n\nWhen the status is 'completed', a conclusion is required.");
  }
  if (run.status === "completed") run.completedAt = input.completedAt ?? run.completedAt ?? now(core);
  if (run.status === "completed" && !wasCompleted) emitRun(core, repo, run, "completed", actor);
  refreshSuite(core, repo, run.suiteId, actor);
}

/**
 * Rerequest: GitHub sends check_run.rerequested only to the app that owns the run, so the
 * event reaches the app under test only for its own runs. The run itself is not reset.
 */
export function rerequestCheckRun(core: Core, repo: RepoState, run: CheckRun, actor: Account): void {
  if (run.app.id === core.app.id) emitRun(core, repo, run, "rerequested", actor);
}

function emitRun(core: Core, repo: RepoState, run: CheckRun, action: string, actor: Account): void {
  emitEvent(core, "check_run", action, repo, actor, { check_run: checkRunJson(core, repo, run) });
}

function suiteFor(core: Core, repo: RepoState, app: AppRef, headSha: string): CheckSuite {
  const existing = [...repo.checkSuites.values()].find((s) => s.app.id === app.id && s.headSha === headSha);
  if (existing) return existing;
  const branch = [...repo.refs.entries()].find(([ref, sha]) => ref.startsWith("refs/heads/") && sha === headSha);
  const timestamp = now(core);
  const suite: CheckSuite = {
    id: core.world.newId(),
    headSha,
    headBranch: branch ? branch[0].slice("refs/heads/".length) : null,
    app,
    status: "queued",
    conclusion: null,
    createdAt: timestamp,
    updatedAt: timestamp,
  };
  repo.checkSuites.set(suite.id, suite);
  return suite;
}

/** Worst conclusion first. GitHub does not document the aggregation order; this is the twin's. */
const SEVERITY: readonly CheckConclusion[] = ["action_required", "cancelled", "timed_out", "failure", "stale", "success", "neutral", "skipped"];

function refreshSuite(core: Core, repo: RepoState, suiteId: number, actor: Account): void {
  const suite = repo.checkSuites.get(suiteId);
  if (!suite) return;
  const runs = [...repo.checkRuns.values()].filter((r) => r.suiteId === suiteId);
  const done = runs.every((r) => r.status === "completed");
  const wasCompleted = suite.status === "completed";
  suite.updatedAt = now(core);
  if (!done) {
    suite.status = runs.some((r) => r.status === "in_progress") ? "in_progress" : "queued";
    suite.conclusion = null;
    return;
  }
  const conclusions = runs.map((r) => r.conclusion as CheckConclusion);
  suite.status = "completed";
  suite.conclusion = SEVERITY.find((c) => conclusions.includes(c)) ?? "success";
  if (!wasCompleted) emitEvent(core, "check_suite", "completed", repo, actor, { check_suite: checkSuiteJson(core, repo, suite) });
}

export interface StatusInput {
  state: string;
  context?: string;
  description?: string | null;
  targetUrl?: string | null;
}

export function createStatus(core: Core, repo: RepoState, sha: string, input: StatusInput, creator: Account): CommitStatus {
  const states: readonly string[] = ["error", "failure", "pending", "success"];
  if (!states.includes(input.state)) throw validationFailed({ resource: "Status", code: "custom", field: "state", message: `state is not included in the list` });
  const commit = core.world.commits.get(sha);
  if (!commit) throw new HttpError(422, `No commit found for SHA: ${sha}`);
  const timestamp = now(core);
  const status: CommitStatus = {
    id: core.world.newId(),
    sha,
    context: input.context ?? "default",
    state: input.state as StatusState,
    description: input.description ?? null,
    targetUrl: input.targetUrl ?? null,
    creator,
    createdAt: timestamp,
    updatedAt: timestamp,
  };
  repo.statuses.push(status);
  const branches = [...repo.refs.entries()]
    .filter(([ref, tip]) => ref.startsWith("refs/heads/") && tip === sha)
    .map(([ref]) => ref.slice("refs/heads/".length))
    .map((name) => ({ name, commit: { sha, url: `${repoApiUrl(core, repo)}/commits/${sha}` }, protected: repo.protection.has(name) }));
  emitEvent(core, "status", null, repo, creator, {
    id: status.id,
    sha,
    name: repo.fullName,
    target_url: status.targetUrl,
    context: status.context,
    description: status.description,
    state: status.state,
    commit: commitJson(core, repo, commit),
    branches,
    created_at: status.createdAt,
    updated_at: status.updatedAt,
  });
  return status;
}

/** Latest status per context, newest first, plus GitHub's combined state. */
export function combinedStatus(repo: RepoState, sha: string): { state: StatusState; statuses: CommitStatus[] } {
  const latest = new Map<string, CommitStatus>();
  for (const status of repo.statuses.filter((s) => s.sha === sha)) latest.set(status.context, status);
  const statuses = [...latest.values()].sort((a, b) => b.id - a.id);
  const states = statuses.map((s) => s.state);
  const state: StatusState =
    states.some((s) => s === "error" || s === "failure") ? "failure" : states.length === 0 || states.includes("pending") ? "pending" : "success";
  return { state, statuses };
}
