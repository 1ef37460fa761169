/** Pull requests, their commits/files, merges, reviews and requested reviewers. */
import { HttpError, notFound, validationFailed } from "../errors.js";
import { commitsBetween } from "../git.js";
import type { RequestContext, Route } from "../http.js";
import { intParam, json, optBool, optString, paginated, repoParam, reqString, stringArray } from "../http.js";
import type { MergeMethod, ReviewEvent } from "../ops/pulls.js";
import { mergePull, openPull, pullOf, removeRequestedReviewers, requestReviewers, submitReview, updatePull } from "../ops/pulls.js";
import { commitJson, filesJson, pullBaseSha, pullDiffBase, pullJson, pullListJson, reviewJson, userJson } from "../serialize.js";
import type { IssueState, RepoState } from "../state.js";

/** GitHub lists at most this many files of a PR (`GET /pulls/{n}/files`). */
export const MAX_PULL_FILES = 3000;

/**
 * GitHub reports a file moved without change as one `renamed` entry with `previous_filename`;
 * the twin pairs a removed and an added file of identical content (same blob sha) that way.
 */
function withRenames(files: Record<string, unknown>[]): Record<string, unknown>[] {
  const removed = new Map<unknown, Record<string, unknown>[]>();
  for (const f of files) if (f.status === "removed") removed.set(f.sha, [...(removed.get(f.sha) ?? []), f]);
  const gone = new Set<Record<string, unknown>>();
  const out = files.map((f) => {
    const from = f.status === "added" ? removed.get(f.sha)?.shift() : undefined;
    if (!from) return f;
    gone.add(from);
    return { ...f, status: "renamed", additions: 0, deletions: 0, changes: 0, previous_filename: from.filename };
  });
  return out.filter((f) => !gone.has(f));
}

function pullParam(ctx: RequestContext): { repo: RepoState; issue: IssueState } {
  const repo = repoParam(ctx);
  const issue = repo.issues.get(intParam(ctx, "pull_number"));
  if (!issue?.pull) throw notFound();
  return { repo, issue };
}

/** `head` is `branch` or `owner:branch`; the owner's repo must be this repo or in its fork network. */
function headRepoOf(ctx: RequestContext, repo: RepoState, head: string): { headRepo: RepoState; headRef: string } {
  const colon = head.indexOf(":");
  if (colon < 0) return { headRepo: repo, headRef: head };
  const owner = head.slice(0, colon).toLowerCase();
  const headRef = head.slice(colon + 1);
  const network = (r: RepoState) => r === repo || r.parent === repo || (repo.parent !== null && (r === repo.parent || r.parent === repo.parent));
  const headRepo = [...ctx.core.world.repos.values()].find((r) => r.owner.login.toLowerCase() === owner && network(r));
  if (!headRepo) throw validationFailed({ resource: "PullRequest", field: "head", code: "invalid" });
  return { headRepo, headRef };
}

function listPulls(ctx: RequestContext) {
  const repo = repoParam(ctx);
  const state = ctx.query.get("state") ?? "open";
  const head = ctx.query.get("head");
  const base = ctx.query.get("base");
  const filter = head ? headRepoOf(ctx, repo, head) : null;
  const sort = ctx.query.get("sort") ?? "created";
  const direction = ctx.query.get("direction") ?? (sort === "created" || sort === "updated" ? "desc" : "asc");
  const pulls = [...repo.issues.values()]
    .filter((i) => i.pull && (state === "all" || i.state === state))
    .filter((i) => !filter || (i.pull?.headRepo === filter.headRepo && i.pull.headRef === filter.headRef))
    .filter((i) => !base || i.pull?.baseRef === base)
    .sort((a, b) => (sort === "updated" ? a.updatedAt.localeCompare(b.updatedAt) || a.number - b.number : a.number - b.number));
  if (direction === "desc") pulls.reverse();
  return paginated(ctx, pulls, (i) => pullListJson(ctx.core, repo, i));
}

function createPull(ctx: RequestContext) {
  const repo = repoParam(ctx);
  const { headRepo, headRef } = headRepoOf(ctx, repo, reqString(ctx.body, "head", "PullRequest"));
  const issue = openPull(ctx.core, repo, {
    headRepo,
    headRef,
    baseRef: reqString(ctx.body, "base", "PullRequest"),
    title: reqString(ctx.body, "title", "PullRequest"),
    body: optString(ctx.body, "body") ?? null,
    draft: optBool(ctx.body, "draft") ?? false,
    user: ctx.actor,
  });
  return json(pullJson(ctx.core, repo, issue), 201);
}

function merge(ctx: RequestContext) {
  const { repo, issue } = pullParam(ctx);
  const method = optString(ctx.body, "merge_method") ?? "merge";
  if (!["merge", "squash", "rebase"].includes(method)) throw validationFailed({ resource: "PullRequest", code: "invalid", field: "merge_method" });
  const sha = mergePull(
    ctx.core,
    repo,
    issue,
    {
      method: method as MergeMethod,
      ...(optString(ctx.body, "sha") !== undefined ? { sha: optString(ctx.body, "sha") as string } : {}),
      ...(optString(ctx.body, "commit_title") !== undefined ? { commitTitle: optString(ctx.body, "commit_title") as string } : {}),
      ...(optString(ctx.body, "commit_message") !== undefined ? { commitMessage: optString(ctx.body, "commit_message") as string } : {}),
    },
    ctx.actor,
  );
  return json({ sha, merged: true, message: "Pull Request successfully merged" });
}

export const pullRoutes: Route[] = [
  { method: "GET", path: "/repos/{owner}/{repo}/pulls", auth: "installation", handler: listPulls },
  { method: "POST", path: "/repos/{owner}/{repo}/pulls", auth: "installation", handler: createPull },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/pulls/{pull_number}",
    auth: "installation",
    handler: (ctx) => {
      const { repo, issue } = pullParam(ctx);
      return json(pullJson(ctx.core, repo, issue, { consumeNullRead: true }));
    },
  },
  {
    method: "PATCH",
    path: "/repos/{owner}/{repo}/pulls/{pull_number}",
    auth: "installation",
    handler: (ctx) => {
      const { repo, issue } = pullParam(ctx);
      const state = optString(ctx.body, "state");
      if (state !== undefined && state !== "open" && state !== "closed") throw validationFailed({ resource: "PullRequest", code: "invalid", field: "state" });
      const input = {
        ...(optString(ctx.body, "title") !== undefined ? { title: optString(ctx.body, "title") as string } : {}),
        ...("body" in ctx.body ? { body: optString(ctx.body, "body") ?? null } : {}),
        ...(state !== undefined ? { state: state as "open" | "closed" } : {}),
        ...(optString(ctx.body, "base") !== undefined ? { base: optString(ctx.body, "base") as string } : {}),
      };
      updatePull(ctx.core, repo, issue, input, ctx.actor);
      return json(pullJson(ctx.core, repo, issue));
    },
  },
  { method: "PUT", path: "/repos/{owner}/{repo}/pulls/{pull_number}/merge", auth: "installation", handler: merge },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/pulls/{pull_number}/merge",
    auth: "installation",
    handler: (ctx) => {
      if (!pullOf(pullParam(ctx).issue).merged) throw notFound();
      return { status: 204 };
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/pulls/{pull_number}/commits",
    auth: "installation",
    handler: (ctx) => {
      const { repo, issue } = pullParam(ctx);
      const world = ctx.core.world;
      const shas = commitsBetween(world, pullBaseSha(repo, issue), pullOf(issue).headSha).slice(0, 250);
      return paginated(ctx, shas, (sha) => commitJson(ctx.core, repo, world.commits.get(sha) as NonNullable<ReturnType<typeof world.commits.get>>));
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/pulls/{pull_number}/files",
    auth: "installation",
    handler: (ctx) => {
      const { repo, issue } = pullParam(ctx);
      const world = ctx.core.world;
      const head = pullOf(issue).headSha;
      const files = withRenames(filesJson(ctx.core, repo, world.commitFiles(pullDiffBase(ctx.core, repo, issue)), world.commitFiles(head), head));
      // GitHub lists at most 3,000 files of a PR, whatever `changed_files` says.
      return paginated(ctx, files.slice(0, MAX_PULL_FILES), (f) => f);
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
    auth: "installation",
    handler: (ctx) => {
      const { repo, issue } = pullParam(ctx);
      const visible = repo.reviews.filter((r) => r.pullNumber === issue.number && (r.state !== "PENDING" || r.user === ctx.actor));
      return paginated(ctx, visible, (r) => reviewJson(ctx.core, repo, r));
    },
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
    auth: "installation",
    handler: (ctx) => {
      const { repo, issue } = pullParam(ctx);
      const event = optString(ctx.body, "event");
      if (event !== undefined && !["APPROVE", "REQUEST_CHANGES", "COMMENT"].includes(event)) {
        throw validationFailed({ resource: "PullRequestReview", code: "invalid", field: "event" });
      }
      const review = submitReview(
        ctx.core,
        repo,
        issue,
        {
          ...(event ? { event: event as ReviewEvent } : {}),
          ...(optString(ctx.body, "body") !== undefined ? { body: optString(ctx.body, "body") as string } : {}),
          ...(optString(ctx.body, "commit_id") !== undefined ? { commitId: optString(ctx.body, "commit_id") as string } : {}),
        },
        ctx.actor,
      );
      return json(reviewJson(ctx.core, repo, review));
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
    auth: "installation",
    handler: (ctx) => {
      const { issue } = pullParam(ctx);
      return json({ users: pullOf(issue).requestedReviewers.map((l) => userJson(ctx.core, ctx.core.world.account(l))), teams: [] });
    },
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
    auth: "installation",
    handler: (ctx) => {
      const { repo, issue } = pullParam(ctx);
      if (stringArray(ctx.body, "team_reviewers").length > 0) throw new HttpError(422, "Team reviewers are not supported by the twin");
      requestReviewers(ctx.core, repo, issue, stringArray(ctx.body, "reviewers"), ctx.actor);
      return json(pullListJson(ctx.core, repo, issue), 201);
    },
  },
  {
    method: "DELETE",
    path: "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
    auth: "installation",
    handler: (ctx) => {
      const { repo, issue } = pullParam(ctx);
      removeRequestedReviewers(ctx.core, repo, issue, stringArray(ctx.body, "reviewers"), ctx.actor);
      return json(pullListJson(ctx.core, repo, issue));
    },
  },
];
