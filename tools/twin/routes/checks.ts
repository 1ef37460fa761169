/** Check runs, check suites and commit statuses. */
import { HttpError, notFound } from "../errors.js";
import type { RequestContext, Route } from "../http.js";
import { intParam, json, optString, pageOf, paginated, repoParam, reqString } from "../http.js";
import type { CheckRunInput } from "../ops/checks.js";
import { combinedStatus, createCheckRun, createStatus, rerequestCheckRun, updateCheckRun } from "../ops/checks.js";
import { resolveCommit } from "../ops/refs.js";
import { checkRunJson, checkSuiteJson, repoApiUrl, repoJson, statusJson } from "../serialize.js";
import type { CheckConclusion, CheckRun, CheckStatus, RepoState } from "../state.js";

function checkInput(ctx: RequestContext): CheckRunInput {
  const body = ctx.body;
  const input: CheckRunInput = {};
  const name = optString(body, "name");
  if (name !== undefined) input.name = name;
  const headSha = optString(body, "head_sha");
  if (headSha !== undefined) input.headSha = headSha;
  const status = optString(body, "status");
  if (status !== undefined) input.status = status as CheckStatus;
  const conclusion = optString(body, "conclusion");
  if (conclusion !== undefined) input.conclusion = conclusion as CheckConclusion;
  if ("details_url" in body) input.detailsUrl = optString(body, "details_url") ?? null;
  if ("external_id" in body) input.externalId = optString(body, "external_id") ?? null;
  if ("started_at" in body) input.startedAt = optString(body, "started_at") ?? null;
  if ("completed_at" in body) input.completedAt = optString(body, "completed_at") ?? null;
  const output = body.output;
  if (output !== undefined && output !== null && typeof output === "object") {
    const o = output as Record<string, unknown>;
    input.output = {};
    for (const key of ["title", "summary", "text"] as const) if (typeof o[key] === "string") input.output[key] = o[key];
  }
  return input;
}

function runParam(ctx: RequestContext): { repo: RepoState; run: CheckRun } {
  const repo = repoParam(ctx);
  const run = repo.checkRuns.get(intParam(ctx, "check_run_id"));
  if (!run) throw notFound();
  return { repo, run };
}

function refSha(ctx: RequestContext, repo: RepoState): string {
  const sha = resolveCommit(ctx.core, repo, ctx.params.ref ?? "");
  if (!sha) throw new HttpError(422, `No commit found for SHA: ${ctx.params.ref ?? ""}`);
  return sha;
}

/** `filter=latest` (default) keeps the newest run per (name, app); newest first. */
function listRuns(ctx: RequestContext) {
  const repo = repoParam(ctx);
  const sha = refSha(ctx, repo);
  const name = ctx.query.get("check_name");
  const status = ctx.query.get("status");
  const appId = ctx.query.get("app_id");
  let runs = [...repo.checkRuns.values()].filter((r) => r.headSha === sha).sort((a, b) => b.id - a.id);
  if ((ctx.query.get("filter") ?? "latest") === "latest") {
    const seen = new Set<string>();
    runs = runs.filter((r) => {
      const key = `${r.app.id}\u0000${r.name}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
  runs = runs.filter((r) => (!name || r.name === name) && (!status || r.status === status) && (!appId || String(r.app.id) === appId));
  const { items, headers } = pageOf(ctx, runs);
  return { status: 200, body: { total_count: runs.length, check_runs: items.map((r) => checkRunJson(ctx.core, repo, r)) }, headers };
}

export const checkRoutes: Route[] = [
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/check-runs",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const run = createCheckRun(ctx.core, repo, ctx.core.app, checkInput(ctx), ctx.actor);
      return json(checkRunJson(ctx.core, repo, run), 201);
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/check-runs/{check_run_id}",
    auth: "installation",
    handler: (ctx) => {
      const { repo, run } = runParam(ctx);
      return json(checkRunJson(ctx.core, repo, run));
    },
  },
  {
    method: "PATCH",
    path: "/repos/{owner}/{repo}/check-runs/{check_run_id}",
    auth: "installation",
    handler: (ctx) => {
      const { repo, run } = runParam(ctx);
      // Apps may only update their own runs; GitHub's exact status/message here is a twin guess.
      if (run.app.id !== ctx.core.app.id) throw new HttpError(403, "Resource not accessible by integration");
      updateCheckRun(ctx.core, repo, run, checkInput(ctx), ctx.actor);
      return json(checkRunJson(ctx.core, repo, run));
    },
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/check-runs/{check_run_id}/rerequest",
    auth: "installation",
    handler: (ctx) => {
      const { repo, run } = runParam(ctx);
      rerequestCheckRun(ctx.core, repo, run, ctx.actor);
      return json({}, 201);
    },
  },
  { method: "GET", path: "/repos/{owner}/{repo}/commits/{ref}/check-runs", auth: "installation", handler: listRuns },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/commits/{ref}/check-suites",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const sha = refSha(ctx, repo);
      const appId = ctx.query.get("app_id");
      const name = ctx.query.get("check_name");
      const suites = [...repo.checkSuites.values()]
        .filter((s) => s.headSha === sha && (!appId || String(s.app.id) === appId))
        .filter((s) => !name || [...repo.checkRuns.values()].some((r) => r.suiteId === s.id && r.name === name));
      const { items, headers } = pageOf(ctx, suites);
      return { status: 200, body: { total_count: suites.length, check_suites: items.map((s) => checkSuiteJson(ctx.core, repo, s)) }, headers };
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/check-suites/{check_suite_id}",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const suite = repo.checkSuites.get(intParam(ctx, "check_suite_id"));
      if (!suite) throw notFound();
      return json(checkSuiteJson(ctx.core, repo, suite));
    },
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/statuses/{sha}",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const status = createStatus(
        ctx.core,
        repo,
        ctx.params.sha ?? "",
        {
          state: reqString(ctx.body, "state", "Status"),
          ...(optString(ctx.body, "context") !== undefined ? { context: optString(ctx.body, "context") as string } : {}),
          description: optString(ctx.body, "description") ?? null,
          targetUrl: optString(ctx.body, "target_url") ?? null,
        },
        ctx.actor,
      );
      return json(statusJson(ctx.core, repo, status), 201);
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/commits/{ref}/statuses",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const sha = refSha(ctx, repo);
      const statuses = repo.statuses.filter((s) => s.sha === sha).sort((a, b) => b.id - a.id);
      return paginated(ctx, statuses, (s) => statusJson(ctx.core, repo, s));
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/commits/{ref}/status",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const sha = refSha(ctx, repo);
      const combined = combinedStatus(repo, sha);
      const { items, headers } = pageOf(ctx, combined.statuses, 100);
      return {
        status: 200,
        headers,
        body: {
          state: combined.state,
          statuses: items.map((s) => statusJson(ctx.core, repo, s)),
          sha,
          total_count: combined.statuses.length,
          repository: repoJson(ctx.core, repo),
          commit_url: `${repoApiUrl(ctx.core, repo)}/commits/${sha}`,
          url: `${repoApiUrl(ctx.core, repo)}/commits/${sha}/status`,
        },
      };
    },
  },
];

