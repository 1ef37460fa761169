/** Repository-level reads and writes: repo, contents, branches, commits, compare, merges, tags, collaborators. */
import { now } from "../core.js";
import { HttpError, notFound } from "../errors.js";
import { aheadBehind, commitsBetween, diffFiles, isAncestor } from "../git.js";
import type { RequestContext, Route } from "../http.js";
import { json, noContent, optString, paginated, repoParam, reqString } from "../http.js";
import { mergeCommits } from "../ops/mergeability.js";
import { applyRefChange, resolveCommit } from "../ops/refs.js";
import { branchTip, commitJson, filesJson, gitCommitJson, pullListJson, repoApiUrl, repoHtmlUrl, repoJson, userJson } from "../serialize.js";
import type { RepoState } from "../state.js";
import { nodeId, permissionOf } from "../state.js";

function commitOr404(ctx: RequestContext, repo: RepoState, ref: string): string {
  const sha = resolveCommit(ctx.core, repo, ref);
  if (!sha) throw new HttpError(422, `No commit found for SHA: ${ref}`);
  return sha;
}

function contentJson(ctx: RequestContext, repo: RepoState, path: string, ref: string, content: string | null): Record<string, unknown> {
  const base = repoApiUrl(ctx.core, repo);
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  const name = path.split("/").pop() ?? path;
  const type = content === null ? "dir" : "file";
  const sha = content === null ? nodeId("Tree", path) : ctx.core.world.putBlob(content);
  const self = `${base}/contents/${encoded}?ref=${encodeURIComponent(ref)}`;
  const html = `${repoHtmlUrl(ctx.core, repo)}/${type === "dir" ? "tree" : "blob"}/${ref}/${encoded}`;
  const git = `${base}/git/${type === "dir" ? "trees" : "blobs"}/${sha}`;
  return {
    type,
    ...(content === null ? {} : { encoding: "base64" }),
    size: content === null ? 0 : Buffer.byteLength(content),
    name,
    path,
    ...(content === null ? {} : { content: (Buffer.from(content).toString("base64").match(/.{1,60}/g) ?? []).join("\n") + "\n" }),
    sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: content === null ? null : `https://raw.githubusercontent.com/${repo.fullName}/${ref}/${encoded}`,
    _links: { self, git, html },
  };
}

function getContents(ctx: RequestContext) {
  const repo = repoParam(ctx);
  const ref = ctx.query.get("ref") ?? repo.defaultBranch;
  const sha = resolveCommit(ctx.core, repo, ref);
  if (!sha) throw new HttpError(404, `No commit found for the ref ${ref}`);
  const files = ctx.core.world.commitFiles(sha);
  const path = (ctx.params.path ?? "").replace(/^\/+|\/+$/g, "");
  const content = files[path];
  if (content !== undefined) {
    const accept = String(ctx.headers.accept ?? "");
    if (/application\/vnd\.github(\.v3)?\.raw/.test(accept)) {
      return { status: 200, text: content, contentType: "application/vnd.github.raw; charset=utf-8" };
    }
    return json(contentJson(ctx, repo, path, ref, content));
  }
  const children = new Map<string, string | null>();
  for (const [file, text] of Object.entries(files)) {
    if (!file.startsWith(`${path}/`)) continue;
    const rest = file.slice(path.length + 1);
    const [first] = rest.split("/");
    children.set(first as string, rest.includes("/") ? null : text);
  }
  if (children.size === 0) throw notFound();
  return json([...children.entries()].sort().map(([name, text]) => contentJson(ctx, repo, `${path}/${name}`, ref, text)));
}

function putContents(ctx: RequestContext) {
  const repo = repoParam(ctx);
  const world = ctx.core.world;
  const path = (ctx.params.path ?? "").replace(/^\/+|\/+$/g, "");
  const branch = optString(ctx.body, "branch") ?? repo.defaultBranch;
  const tip = branchTip(repo, branch);
  if (!tip) throw new HttpError(404, `Branch ${branch} not found`);
  const files = { ...world.commitFiles(tip) };
  const existing = files[path];
  const sha = optString(ctx.body, "sha");
  if (existing !== undefined && sha === undefined) throw new HttpError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
  if (existing !== undefined && sha !== world.putBlob(existing)) throw new HttpError(409, `${path} does not match ${sha ?? ""}`);
  files[path] = Buffer.from(reqString(ctx.body, "content", "Content"), "base64").toString("utf8");
  const signature = world.signature(ctx.actor, now(ctx.core));
  const commit = world.putCommit({
    parents: [tip],
    files,
    message: reqString(ctx.body, "message", "Content"),
    author: signature,
    committer: signature,
    authorLogin: ctx.actor.login,
    committerLogin: ctx.actor.login,
  });
  applyRefChange(ctx.core, repo, `refs/heads/${branch}`, commit.sha, ctx.actor);
  return json(
    { content: contentJson(ctx, repo, path, branch, files[path] as string), commit: gitCommitJson(ctx.core, repo, commit) },
    existing === undefined ? 201 : 200,
  );
}

/** `base...head`; each side may be `ref`, `owner:ref` or `owner:repo:ref` (fork network). */
function compareSide(ctx: RequestContext, repo: RepoState, side: string): { repo: RepoState; sha: string } {
  const parts = side.split(":");
  let target = repo;
  if (parts.length > 1) {
    const owner = parts[0] as string;
    const name = parts.length > 2 ? (parts[1] as string) : undefined;
    const found = [...ctx.core.world.repos.values()].find(
      (r) => r.owner.login.toLowerCase() === owner.toLowerCase() && (name ? r.name === name : r === repo || r.parent === repo || repo.parent === r),
    );
    if (!found) throw notFound();
    target = found;
  }
  const sha = resolveCommit(ctx.core, target, parts[parts.length - 1] as string);
  if (!sha) throw notFound();
  return { repo: target, sha };
}

function compare(ctx: RequestContext) {
  const repo = repoParam(ctx);
  const basehead = ctx.params.basehead ?? "";
  const split = basehead.indexOf("...");
  if (split < 0) throw notFound();
  const base = compareSide(ctx, repo, basehead.slice(0, split));
  const head = compareSide(ctx, repo, basehead.slice(split + 3));
  const world = ctx.core.world;
  const result = aheadBehind(world, base.sha, head.sha);
  const mergeBaseSha = result.mergeBase ?? base.sha;
  const commit = (sha: string) => commitJson(ctx.core, repo, world.commits.get(sha) as NonNullable<ReturnType<typeof world.commits.get>>);
  const html = `${repoHtmlUrl(ctx.core, repo)}/compare/${basehead}`;
  return json({
    url: `${repoApiUrl(ctx.core, repo)}/compare/${basehead}`,
    html_url: html,
    permalink_url: `${repoHtmlUrl(ctx.core, repo)}/compare/${base.sha}...${head.sha}`,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    base_commit: commit(base.sha),
    merge_base_commit: commit(mergeBaseSha),
    status: result.status,
    ahead_by: result.ahead.length,
    behind_by: result.behind.length,
    total_commits: result.ahead.length,
    commits: result.ahead.slice(0, 250).map(commit),
    files: filesJson(ctx.core, repo, world.commitFiles(mergeBaseSha), world.commitFiles(head.sha), head.sha),
  });
}

/** `POST /merges`: always a merge commit (no fast-forward); 204 when head is already in base. */
function mergeBranches(ctx: RequestContext) {
  const repo = repoParam(ctx);
  const world = ctx.core.world;
  const baseName = reqString(ctx.body, "base", "Merge");
  const baseTip = branchTip(repo, baseName);
  if (!baseTip) throw new HttpError(404, "Base does not exist");
  const headName = reqString(ctx.body, "head", "Merge");
  const head = resolveCommit(ctx.core, repo, headName);
  if (!head) throw new HttpError(404, "Head does not exist");
  if (isAncestor(world, head, baseTip)) return noContent();
  const merged = mergeCommits(ctx.core, baseTip, head);
  if (merged.conflicts.length > 0) throw new HttpError(409, "Merge conflict");
  const date = now(ctx.core);
  const commit = world.putCommit({
    parents: [baseTip, head],
    files: merged.files,
    message: optString(ctx.body, "commit_message") ?? `Merge ${headName} into ${baseName}`,
    author: world.signature(ctx.actor, date),
    committer: { name: "GitHub", email: "noreply@github.com", date },
    authorLogin: ctx.actor.login,
    committerLogin: null,
  });
  applyRefChange(ctx.core, repo, `refs/heads/${baseName}`, commit.sha, ctx.actor);
  return json(commitJson(ctx.core, repo, commit, true), 201);
}

function branchJson(ctx: RequestContext, repo: RepoState, name: string, sha: string): Record<string, unknown> {
  const commit = ctx.core.world.commits.get(sha) as NonNullable<ReturnType<typeof ctx.core.world.commits.get>>;
  const url = `${repoApiUrl(ctx.core, repo)}/branches/${encodeURIComponent(name)}`;
  const rules = repo.protection.get(name);
  return {
    name,
    commit: commitJson(ctx.core, repo, commit),
    _links: { self: url, html: `${repoHtmlUrl(ctx.core, repo)}/tree/${name}` },
    protected: rules !== undefined,
    protection: {
      enabled: rules !== undefined,
      required_status_checks: { enforcement_level: rules ? "everyone" : "off", contexts: rules?.requiredChecks ?? [], checks: [] },
    },
    protection_url: `${url}/protection`,
  };
}

/** PRs that contain `sha` (merged ones only once it is on the default branch), per GitHub's docs. */
function pullsForCommit(ctx: RequestContext) {
  const repo = repoParam(ctx);
  const world = ctx.core.world;
  const sha = commitOr404(ctx, repo, ctx.params.commit_sha ?? "");
  const defaultTip = branchTip(repo, repo.defaultBranch);
  const onDefault = defaultTip !== null && isAncestor(world, sha, defaultTip);
  const pulls = [...repo.issues.values()].filter((issue) => {
    const pull = issue.pull;
    if (!pull) return false;
    if (pull.landedShas.includes(sha)) return true;
    if (onDefault && !pull.merged) return false;
    return commitsBetween(world, pull.baseSha, pull.headSha).includes(sha);
  });
  return paginated(ctx, pulls.reverse(), (issue) => pullListJson(ctx.core, repo, issue));
}

export const repoRoutes: Route[] = [
  { method: "GET", path: "/repos/{owner}/{repo}", auth: "installation", handler: (ctx) => json(repoJson(ctx.core, repoParam(ctx))) },
  { method: "GET", path: "/repos/{owner}/{repo}/contents/{path}", auth: "installation", handler: getContents },
  { method: "PUT", path: "/repos/{owner}/{repo}/contents/{path}", auth: "installation", handler: putContents },
  { method: "GET", path: "/repos/{owner}/{repo}/compare/{basehead}", auth: "installation", handler: compare },
  { method: "POST", path: "/repos/{owner}/{repo}/merges", auth: "installation", handler: mergeBranches },
  { method: "GET", path: "/repos/{owner}/{repo}/commits/{commit_sha}/pulls", auth: "installation", handler: pullsForCommit },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/branches",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const branches = [...repo.refs.entries()].filter(([ref]) => ref.startsWith("refs/heads/")).sort(([a], [b]) => (a < b ? -1 : 1));
      return paginated(ctx, branches, ([ref, sha]) => {
        const name = ref.slice("refs/heads/".length);
        return { name, commit: { sha, url: `${repoApiUrl(ctx.core, repo)}/commits/${sha}` }, protected: repo.protection.has(name) };
      });
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/branches/{branch}",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const name = ctx.params.branch ?? "";
      const sha = branchTip(repo, name);
      if (!sha) throw new HttpError(404, "Branch not found");
      return json(branchJson(ctx, repo, name, sha));
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/commits",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const world = ctx.core.world;
      const tip = commitOr404(ctx, repo, ctx.query.get("sha") ?? repo.defaultBranch);
      const path = ctx.query.get("path");
      const shas = commitsBetween(world, null, tip)
        .reverse()
        .filter((sha) => {
          if (!path) return true;
          const parent = world.commits.get(sha)?.parents[0];
          return diffFiles(parent ? world.commitFiles(parent) : {}, world.commitFiles(sha)).some((c) => c.filename === path);
        });
      return paginated(ctx, shas, (sha) => commitJson(ctx.core, repo, world.commits.get(sha) as NonNullable<ReturnType<typeof world.commits.get>>));
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/commits/{ref}",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const sha = commitOr404(ctx, repo, ctx.params.ref ?? "");
      return json(commitJson(ctx.core, repo, ctx.core.world.commits.get(sha) as NonNullable<ReturnType<typeof ctx.core.world.commits.get>>, true));
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/tags",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      // GitHub does not document this order; the twin sorts by name, descending.
      const tags = [...repo.refs.entries()].filter(([ref]) => ref.startsWith("refs/tags/")).sort(([a], [b]) => (a < b ? 1 : -1));
      return paginated(ctx, tags, ([ref, sha]) => {
        const name = ref.slice("refs/tags/".length);
        const commit = ctx.core.world.peel(sha);
        return {
          name,
          commit: { sha: commit, url: `${repoApiUrl(ctx.core, repo)}/commits/${commit}` },
          zipball_url: `${repoApiUrl(ctx.core, repo)}/zipball/refs/tags/${name}`,
          tarball_url: `${repoApiUrl(ctx.core, repo)}/tarball/refs/tags/${name}`,
          node_id: nodeId("Ref", `${repo.id}:${ref}`),
        };
      });
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/collaborators/{username}/permission",
    auth: "installation",
    handler: (ctx) => {
      const repo = repoParam(ctx);
      const user = ctx.core.world.account(ctx.params.username ?? "");
      // For users without access GitHub answers "none" (private) — the twin always does.
      const permission = permissionOf(repo, user.login);
      const legacy = permission === "maintain" ? "write" : permission === "triage" ? "read" : (permission ?? "none");
      return json({ permission: legacy, role_name: permission ?? "none", user: userJson(ctx.core, user) });
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/collaborators/{username}",
    auth: "installation",
    handler: (ctx) => {
      if (!permissionOf(repoParam(ctx), ctx.params.username ?? "")) throw notFound();
      return noContent();
    },
  },
];
