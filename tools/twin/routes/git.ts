/** Git database: refs, commits, trees, blobs, annotated tags. */
import { now } from "../core.js";
import { HttpError, notFound, validationFailed } from "../errors.js";
import type { RequestContext, Route } from "../http.js";
import { json, noContent, optBool, optString, pageOf, repoParam, reqString } from "../http.js";
import { createRef, deleteRef, updateRef } from "../ops/refs.js";
import { gitCommitJson, refJson, repoApiUrl, tagObjectJson } from "../serialize.js";
import type { FileMap, GitSignature, RepoState } from "../state.js";
import { nodeId } from "../state.js";
import { enforceTagRules } from "../rulesets.js";

/** `{ref}` of `/git/ref/{ref}` is `heads/x` (octokit encodes the slash; both forms accepted). */
function refParam(ctx: RequestContext): string {
  const ref = ctx.params.ref ?? "";
  return ref.startsWith("refs/") ? ref : `refs/${ref}`;
}

function signatureParam(ctx: RequestContext, key: string): GitSignature {
  const value = ctx.body[key];
  const fallback = ctx.core.world.signature(ctx.actor, now(ctx.core));
  if (value === undefined || value === null || typeof value !== "object") return fallback;
  const sig = value as Record<string, unknown>;
  return {
    name: typeof sig.name === "string" ? sig.name : fallback.name,
    email: typeof sig.email === "string" ? sig.email : fallback.email,
    date: typeof sig.date === "string" ? sig.date : fallback.date,
  };
}

function treeJson(ctx: RequestContext, repo: RepoState, sha: string, files: FileMap, recursive: boolean): Record<string, unknown> {
  const world = ctx.core.world;
  const base = repoApiUrl(ctx.core, repo);
  const entries = new Map<string, Record<string, unknown>>();
  for (const [path, content] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const dirs = path.split("/").slice(0, -1);
    if (!recursive && dirs.length > 0) {
      const dir = dirs[0] as string;
      const sub = Object.fromEntries(Object.entries(files).filter(([p]) => p.startsWith(`${dir}/`)).map(([p, c]) => [p.slice(dir.length + 1), c]));
      const subSha = world.putTree(sub);
      entries.set(dir, { path: dir, mode: "040000", type: "tree", sha: subSha, url: `${base}/git/trees/${subSha}` });
      continue;
    }
    if (recursive) {
      dirs.forEach((_d, i) => {
        const dir = dirs.slice(0, i + 1).join("/");
        if (entries.has(dir)) return;
        const sub = Object.fromEntries(Object.entries(files).filter(([p]) => p.startsWith(`${dir}/`)).map(([p, c]) => [p.slice(dir.length + 1), c]));
        const subSha = world.putTree(sub);
        entries.set(dir, { path: dir, mode: "040000", type: "tree", sha: subSha, url: `${base}/git/trees/${subSha}` });
      });
    }
    const blob = world.putBlob(content);
    entries.set(path, { path, mode: "100644", type: "blob", sha: blob, size: Buffer.byteLength(content), url: `${base}/git/blobs/${blob}` });
  }
  return { sha, url: `${base}/git/trees/${sha}`, tree: [...entries.values()], truncated: false };
}

function createTree(ctx: RequestContext, repo: RepoState): Record<string, unknown> {
  const world = ctx.core.world;
  const baseTree = optString(ctx.body, "base_tree");
  if (baseTree !== undefined && !world.trees.has(baseTree)) throw new HttpError(422, "Invalid tree info");
  const files: Record<string, string> = { ...(baseTree ? world.trees.get(baseTree) : {}) };
  const entries = ctx.body.tree;
  if (!Array.isArray(entries)) throw validationFailed({ resource: "Tree", code: "missing_field", field: "tree" });
  for (const raw of entries as Array<Record<string, unknown>>) {
    const path = typeof raw.path === "string" ? raw.path : "";
    if (raw.type === "tree" || raw.mode === "040000" || path === "") {
      // Sub-tree entries are not supported by the twin's flat trees.
      throw new HttpError(422, "Invalid tree info");
    }
    if (typeof raw.content === "string") files[path] = raw.content;
    else if (raw.sha === null) delete files[path];
    else if (typeof raw.sha === "string" && world.blobs.has(raw.sha)) files[path] = world.blobs.get(raw.sha) as string;
    else throw new HttpError(422, "Invalid tree info");
  }
  const sha = world.putTree(files);
  return treeJson(ctx, repo, sha, files, true);
}

function createCommit(ctx: RequestContext, repo: RepoState): Record<string, unknown> {
  const world = ctx.core.world;
  const tree = reqString(ctx.body, "tree", "Commit");
  const files = world.trees.get(tree);
  if (!files) throw new HttpError(422, "Tree SHA does not exist");
  const parents = Array.isArray(ctx.body.parents) ? (ctx.body.parents as unknown[]).map(String) : [];
  if (parents.some((p) => !world.commits.has(p))) throw new HttpError(422, "Parent SHA does not exist or is not a commit object");
  const author = signatureParam(ctx, "author");
  const committer = ctx.body.committer ? signatureParam(ctx, "committer") : author;
  const commit = world.putCommit({
    parents,
    files,
    message: reqString(ctx.body, "message", "Commit"),
    author,
    committer,
    authorLogin: ctx.body.author ? null : ctx.actor.login,
    committerLogin: ctx.body.committer || ctx.body.author ? null : ctx.actor.login,
  });
  return gitCommitJson(ctx.core, repo, commit);
}

export const gitRoutes: Route[] = [
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/git/ref/{ref}",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const ref = refParam(ctx);
      const sha = repo.refs.get(ref);
      if (!sha) throw notFound();
      return json(refJson(ctx.core, repo, ref, sha));
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/git/matching-refs/{ref}",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const prefix = refParam(ctx);
      const matching = [...repo.refs.entries()].filter(([ref]) => ref.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1));
      const { items, headers } = pageOf(ctx, matching);
      return { status: 200, body: items.map(([ref, sha]) => refJson(ctx.core, repo, ref, sha)), headers };
    },
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/git/refs",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const ref = reqString(ctx.body, "ref", "Reference");
      const sha = reqString(ctx.body, "sha", "Reference");
      enforceTagRules(repo, ref, "creation", ctx.core.app.id);
      createRef(ctx.core, repo, ref, sha, ctx.actor);
      return json(refJson(ctx.core, repo, ref, sha), 201);
    },
  },
  {
    method: "PATCH",
    path: "/repos/{owner}/{repo}/git/refs/{ref}",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const ref = refParam(ctx);
      const sha = reqString(ctx.body, "sha", "Reference");
      enforceTagRules(repo, ref, "update", ctx.core.app.id);
      updateRef(ctx.core, repo, ref, sha, optBool(ctx.body, "force") ?? false, ctx.actor);
      return json(refJson(ctx.core, repo, ref, sha));
    },
  },
  {
    method: "DELETE",
    path: "/repos/{owner}/{repo}/git/refs/{ref}",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      enforceTagRules(repo, refParam(ctx), "deletion", ctx.core.app.id);
      deleteRef(ctx.core, repo, refParam(ctx), ctx.actor);
      return noContent();
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/git/commits/{commit_sha}",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const commit = ctx.core.world.commits.get(ctx.params.commit_sha ?? "");
      if (!commit) throw notFound();
      return json(gitCommitJson(ctx.core, repo, commit));
    },
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/git/commits",
    auth: "installation",
    handler: (ctx) => json(createCommit(ctx, repoParam(ctx)), 201),
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/git/trees",
    auth: "installation",
    handler: (ctx) => json(createTree(ctx, repoParam(ctx)), 201),
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/git/trees/{tree_sha}",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const world = ctx.core.world;
      const requested = ctx.params.tree_sha ?? "";
      const commit = world.commits.get(requested);
      const sha = commit ? commit.tree : requested;
      const files = world.trees.get(sha);
      if (!files) throw notFound();
      const recursive = ctx.query.has("recursive") && !["0", "false"].includes(ctx.query.get("recursive") ?? "");
      return json(treeJson(ctx, repo, sha, files, recursive));
    },
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/git/blobs",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const content = reqString(ctx.body, "content", "Blob");
      const text = optString(ctx.body, "encoding") === "base64" ? Buffer.from(content, "base64").toString("utf8") : content;
      const sha = ctx.core.world.putBlob(text);
      return json({ sha, url: `${repoApiUrl(ctx.core, repo)}/git/blobs/${sha}` }, 201);
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/git/blobs/{file_sha}",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const sha = ctx.params.file_sha ?? "";
      const content = ctx.core.world.blobs.get(sha);
      if (content === undefined) throw notFound();
      return json({
        sha,
        node_id: nodeId("Blob", sha),
        size: Buffer.byteLength(content),
        url: `${repoApiUrl(ctx.core, repo)}/git/blobs/${sha}`,
        content: Buffer.from(content).toString("base64"),
        encoding: "base64",
      });
    },
  },
  {
    method: "POST",
    path: "/repos/{owner}/{repo}/git/tags",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const world = ctx.core.world;
      const object = reqString(ctx.body, "object", "Tag");
      if (!world.commits.has(object)) throw new HttpError(422, "Object does not exist");
      const tag = world.putTag({
        tag: reqString(ctx.body, "tag", "Tag"),
        message: optString(ctx.body, "message") ?? "",
        object,
        tagger: signatureParam(ctx, "tagger"),
      });
      return json(tagObjectJson(ctx.core, repo, tag), 201);
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/git/tags/{tag_sha}",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const tag = ctx.core.world.tags.get(ctx.params.tag_sha ?? "");
      if (!tag) throw notFound();
      return json(tagObjectJson(ctx.core, repo, tag));
    },
  },
];
