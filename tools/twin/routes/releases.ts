/** Releases. */
import { notFound } from "../errors.js";
import type { RequestContext, Route } from "../http.js";
import { intParam, json, optBool, optString, paginated, repoParam } from "../http.js";
import type { ReleaseInput } from "../ops/releases.js";
import { createRelease, releaseByTag, updateRelease } from "../ops/releases.js";
import { releaseJson } from "../serialize.js";

function releaseInput(ctx: RequestContext): ReleaseInput {
  const input: ReleaseInput = {};
  const tagName = optString(ctx.body, "tag_name");
  if (tagName !== undefined) input.tagName = tagName;
  const target = optString(ctx.body, "target_commitish");
  if (target !== undefined) input.targetCommitish = target;
  if ("name" in ctx.body) input.name = optString(ctx.body, "name") ?? null;
  if ("body" in ctx.body) input.body = optString(ctx.body, "body") ?? null;
  const draft = optBool(ctx.body, "draft");
  if (draft !== undefined) input.draft = draft;
  const prerelease = optBool(ctx.body, "prerelease");
  if (prerelease !== undefined) input.prerelease = prerelease;
  return input;
}

function releaseParam(ctx: RequestContext) {
  const repo = repoParam(ctx);
  const release = repo.releases.get(intParam(ctx, "release_id"));
  if (!release) throw notFound();
  return { repo, release };
}

export const releaseRoutes: Route[] = [
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/releases",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      return json(releaseJson(ctx.core, repo, createRelease(ctx.core, repo, releaseInput(ctx), ctx.actor)), 201);
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/releases",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const newestFirst = [...repo.releases.values()].sort((a, b) => b.id - a.id);
      return paginated(ctx, newestFirst, (r) => releaseJson(ctx.core, repo, r));
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/releases/latest",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      // GitHub picks by created_at of the tagged commit; the twin picks the newest published release.
      const latest = [...repo.releases.values()].filter((r) => !r.draft && !r.prerelease).sort((a, b) => b.id - a.id)[0];
      if (!latest) throw notFound();
      return json(releaseJson(ctx.core, repo, latest));
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/releases/tags/{tag}",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      return json(releaseJson(ctx.core, repo, releaseByTag(repo, ctx.params.tag ?? "")));
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/releases/{release_id}",
    auth: "installation",
    handler: (ctx) => {
      const { repo, release } = releaseParam(ctx);
      return json(releaseJson(ctx.core, repo, release));
    },
  },
  {
    method: "PATCH",
    path: "/repos/{owner}/{repo}/releases/{release_id}",
    auth: "installation",
    handler: (ctx) => {
      const { repo, release } = releaseParam(ctx);
      updateRelease(ctx.core, repo, release, releaseInput(ctx), ctx.actor);
      return json(releaseJson(ctx.core, repo, release));
    },
  },
];
