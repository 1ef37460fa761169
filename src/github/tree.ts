/** `GET /git/trees/{sha}?recursive=1`: every file path of a commit, in one request (GitHub may truncate it). */
import type { Octokit, RepoRef } from "./types.js";

export type TreePaths = { readonly kind: "listed"; readonly paths: readonly string[] } | { readonly kind: "truncated" };

export async function treePaths(octokit: Octokit, repo: RepoRef, sha: string): Promise<TreePaths> {
  const { data } = await octokit.rest.git.getTree({ ...repo, tree_sha: sha, recursive: "1" });
  if (data.truncated) return { kind: "truncated" };
  return { kind: "listed", paths: data.tree.filter((e) => e.type === "blob" && typeof e.path === "string").map((e) => e.path as string) };
}
