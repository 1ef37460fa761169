/**
 * Reactions on issue comments: list (optionally by `content`) and create. Creating one the
 * caller already left answers 200 with it, a new one 201, as GitHub does. Reactions send no
 * webhook. They live beside the comment (a WeakMap), so deleting the comment drops them.
 */
import { notFound, validationFailed } from "../errors.js";
import type { RequestContext, Route } from "../http.js";
import { intParam, json, paginated, repoParam, reqString } from "../http.js";
import { now } from "../core.js";
import { nodeId, type Account, type IssueComment } from "../state.js";
import { userJson } from "../serialize.js";

const CONTENTS = new Set(["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]);

interface Reaction {
  readonly id: number;
  readonly user: Account;
  readonly content: string;
  readonly createdAt: string;
}

const reactions = new WeakMap<IssueComment, Reaction[]>();

function commentOf(ctx: RequestContext): IssueComment {
  const comment = repoParam(ctx).comments.get(intParam(ctx, "comment_id"));
  if (!comment) throw notFound();
  return comment;
}

const reactionJson = (ctx: RequestContext, r: Reaction) => ({
  id: r.id,
  node_id: nodeId("Reaction", r.id),
  user: userJson(ctx.core, r.user),
  content: r.content,
  created_at: r.createdAt,
});

export const reactionRoutes: Route[] = [
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
    auth: "installation",
    handler: (ctx) => {
      const content = ctx.query.get("content");
      const all = reactions.get(commentOf(ctx)) ?? [];
      return paginated(ctx, content ? all.filter((r) => r.content === content) : all, (r) => reactionJson(ctx, r));
    },
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
    auth: "installation",
    handler: (ctx) => {
      const comment = commentOf(ctx);
      const content = reqString(ctx.body, "content", "Reaction");
      if (!CONTENTS.has(content)) throw validationFailed({ resource: "Reaction", code: "invalid", field: "content" });
      const list = reactions.get(comment) ?? [];
      reactions.set(comment, list);
      const existing = list.find((r) => r.user.login === ctx.actor.login && r.content === content);
      if (existing) return json(reactionJson(ctx, existing), 200);
      const reaction = { id: ctx.core.world.newId(), user: ctx.actor, content, createdAt: now(ctx.core) };
      list.push(reaction);
      return json(reactionJson(ctx, reaction), 201);
    },
  },
];
