/** Issues, issue comments, labels and assignees. */
import { notFound, validationFailed } from "../errors.js";
import type { RequestContext, Route } from "../http.js";
import { intParam, json, noContent, optString, paginated, repoParam, reqString, stringArray } from "../http.js";
import { addAssignees, addComment, addLabels, createIssue, deleteComment, editComment, findIssue, removeLabel, updateIssue } from "../ops/issues.js";
import { issueEventsJson } from "../ops/issue-events.js";
import { commentJson, issueJson, labelJson } from "../serialize.js";
import type { IssueComment, IssueState, RepoState } from "../state.js";

function issueParam(ctx: RequestContext): { repo: RepoState; issue: IssueState } {
  const repo = repoParam(ctx);
  return { repo, issue: findIssue(repo, intParam(ctx, "issue_number")) };
}

function commentParam(ctx: RequestContext): { repo: RepoState; comment: IssueComment } {
  const repo = repoParam(ctx);
  const comment = repo.comments.get(intParam(ctx, "comment_id"));
  if (!comment) throw notFound();
  return { repo, comment };
}

/** `labels` may be `["a"]` or `[{name: "a"}]` (both documented). */
function labelNames(ctx: RequestContext): string[] {
  const raw = ctx.body.labels;
  if (!Array.isArray(raw)) return stringArray(ctx.body, "labels");
  return raw.map((item: unknown) => {
    if (typeof item === "string") return item;
    if (item && typeof item === "object" && typeof (item as { name?: unknown }).name === "string") return (item as { name: string }).name;
    throw validationFailed({ resource: "Label", code: "invalid", field: "labels" });
  });
}

function labelsOf(ctx: RequestContext, repo: RepoState, issue: IssueState) {
  return issue.labels.flatMap((n) => {
    const label = repo.labels.get(n.toLowerCase());
    return label ? [labelJson(ctx.core, repo, label)] : [];
  });
}

export const issueRoutes: Route[] = [
  {
    // Lists issues and PRs, as GitHub does; filters: state, labels (all must match), creator.
    method: "GET",
    path: "/repos/{owner}/{repo}/issues",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const state = ctx.query.get("state") ?? "open";
      const wanted = (ctx.query.get("labels") ?? "").split(",").map((l) => l.trim().toLowerCase()).filter(Boolean);
      const creator = ctx.query.get("creator");
      // sort: created (default) or updated; direction: desc (default) or asc.
      const key = ctx.query.get("sort") === "updated" ? (i: IssueState) => i.updatedAt : (i: IssueState) => i.createdAt;
      const sign = ctx.query.get("direction") === "asc" ? 1 : -1;
      const issues = [...repo.issues.values()]
        .filter((i) => state === "all" || i.state === state)
        .filter((i) => wanted.every((w) => i.labels.some((l) => l.toLowerCase() === w)))
        .filter((i) => !creator || i.user.login === creator)
        .sort((a, b) => sign * (key(a).localeCompare(key(b)) || a.number - b.number));
      return paginated(ctx, issues, (i) => issueJson(ctx.core, repo, i));
    },
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/issues",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const issue = createIssue(
        ctx.core,
        repo,
        { title: reqString(ctx.body, "title", "Issue"), body: optString(ctx.body, "body") ?? null, labels: labelNames(ctx), assignees: stringArray(ctx.body, "assignees") },
        ctx.actor,
      );
      return json(issueJson(ctx.core, repo, issue), 201);
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/issues/{issue_number}",
    auth: "installation",
    handler: (ctx) => {
      const { repo, issue } = issueParam(ctx);
      return json(issueJson(ctx.core, repo, issue));
    },
  },
  {
    method: "PATCH",
    path: "/repos/{owner}/{repo}/issues/{issue_number}",
    auth: "installation",
    handler: (ctx) => {
      const { repo, issue } = issueParam(ctx);
      const state = optString(ctx.body, "state");
      if (state !== undefined && state !== "open" && state !== "closed") throw validationFailed({ resource: "Issue", code: "invalid", field: "state" });
      const reason = optString(ctx.body, "state_reason");
      if (reason !== undefined && !["completed", "not_planned", "reopened", "duplicate"].includes(reason)) throw validationFailed({ resource: "Issue", code: "invalid", field: "state_reason" });
      updateIssue(
        ctx.core,
        repo,
        issue,
        {
          ...(optString(ctx.body, "title") !== undefined ? { title: optString(ctx.body, "title") as string } : {}),
          ...("body" in ctx.body ? { body: optString(ctx.body, "body") ?? null } : {}),
          ...(state ? { state: state as "open" | "closed" } : {}),
        },
        ctx.actor,
      );
      return json(issueJson(ctx.core, repo, issue));
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    auth: "installation",
    handler: (ctx) => {
      const { repo, issue } = issueParam(ctx);
      const comments = [...repo.comments.values()].filter((c) => c.issueNumber === issue.number);
      return paginated(ctx, comments, (c) => commentJson(ctx.core, repo, c));
    },
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    auth: "installation",
    handler: (ctx) => {
      const { repo, issue } = issueParam(ctx);
      const comment = addComment(ctx.core, repo, issue, reqString(ctx.body, "body", "IssueComment"), ctx.actor, ctx.core.app);
      return json(commentJson(ctx.core, repo, comment), 201);
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    auth: "installation",
    handler: (ctx) => {
      const { repo, comment } = commentParam(ctx);
      return json(commentJson(ctx.core, repo, comment));
    },
  },
  {
    method: "PATCH",
    path: "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    auth: "installation",
    handler: (ctx) => {
      const { repo, comment } = commentParam(ctx);
      editComment(ctx.core, repo, comment, reqString(ctx.body, "body", "IssueComment"), ctx.actor);
      return json(commentJson(ctx.core, repo, comment));
    },
  },
  {
    method: "DELETE",
    path: "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    auth: "installation",
    handler: (ctx) => {
      const { repo, comment } = commentParam(ctx);
      deleteComment(ctx.core, repo, comment, ctx.actor);
      return noContent();
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/issues/{issue_number}/events",
    auth: "installation",
    handler: (ctx) => {
      const { repo, issue } = issueParam(ctx);
      return paginated(ctx, issueEventsJson(ctx.core, repo, issue), (e) => e);
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/issues/{issue_number}/labels",
    auth: "installation",
    handler: (ctx) => {
      const { repo, issue } = issueParam(ctx);
      return paginated(ctx, labelsOf(ctx, repo, issue), (l) => l);
    },
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/issues/{issue_number}/labels",
    auth: "installation",
    handler: (ctx) => {
      const { repo, issue } = issueParam(ctx);
      addLabels(ctx.core, repo, issue, labelNames(ctx), ctx.actor);
      return json(labelsOf(ctx, repo, issue));
    },
  },
  {
    method: "DELETE",
    path: "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
    auth: "installation",
    handler: (ctx) => {
      const { repo, issue } = issueParam(ctx);
      removeLabel(ctx.core, repo, issue, ctx.params.name ?? "", ctx.actor);
      return json(labelsOf(ctx, repo, issue));
    },
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/issues/{issue_number}/assignees",
    auth: "installation",
    handler: (ctx) => {
      const { repo, issue } = issueParam(ctx);
      addAssignees(ctx.core, repo, issue, stringArray(ctx.body, "assignees"), ctx.actor);
      return json(issueJson(ctx.core, repo, issue), 201);
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/labels",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      return paginated(ctx, [...repo.labels.values()], (l) => labelJson(ctx.core, repo, l));
    },
  },
];
