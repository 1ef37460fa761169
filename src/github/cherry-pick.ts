/**
 * Cherry-pick through the REST Git Data API alone (no clone), the sibling-commit technique:
 *   1. a temporary branch whose commit S has development's tree and the pick's base as parent;
 *   2. POST /merges the picked commit into it: a 3-way merge of (base → picked) onto
 *      development's tree, which is exactly a cherry-pick (409 = conflict);
 *   3. a final commit with the merged tree and development's head as its only parent.
 * Temporary commits carry `[skip ci]`; the temporary branch is always deleted.
 */
import { randomBytes } from "node:crypto";
import { httpStatus } from "./errors.js";
import type { Octokit, RepoRef } from "./types.js";

export type PickResult =
  | { readonly kind: "picked"; readonly sha: string }
  | { readonly kind: "empty" }
  | { readonly kind: "conflict" };


async function treeOf(octokit: Octokit, repo: RepoRef, sha: string): Promise<{ tree: string; parents: string[] }> {
  const { data } = await octokit.rest.git.getCommit({ ...repo, commit_sha: sha });
  return { tree: data.tree.sha, parents: data.parents.map((p) => p.sha) };
}

/**
 * Production as it was before the merge: the merge commit's first parent for merge and squash
 * merges; for a rebase merge of n commits, n first parents back. A rebase is recognised by the
 * merge commit's parent carrying the PR's next-to-last commit title.
 */
export async function pickBase(octokit: Octokit, repo: RepoRef, mergeSha: string, prCommitTitles: readonly string[]): Promise<string> {
  const parentOf = async (sha: string): Promise<string> => {
    const parent = (await treeOf(octokit, repo, sha)).parents[0];
    if (!parent) throw new Error(`commit ${sha} has no parent to pick against`);
    return parent;
  };
  const first = await parentOf(mergeSha);
  const n = prCommitTitles.length;
  if (n < 2 || (await treeOf(octokit, repo, mergeSha)).parents.length > 1) return first;
  const { data } = await octokit.rest.git.getCommit({ ...repo, commit_sha: first });
  if ((data.message.split("\n")[0] ?? "") !== prCommitTitles[n - 2]) return first; // squash
  let sha = first;
  for (let i = 1; i < n; i++) sha = await parentOf(sha);
  return sha;
}

export async function cherryPick(
  octokit: Octokit,
  repo: RepoRef,
  pick: { sha: string; base: string; onto: string; message: string; tempPrefix: string },
): Promise<PickResult> {
  const { data: target } = await octokit.rest.git.getRef({ ...repo, ref: `heads/${pick.onto}` });
  const head = target.object.sha;
  const headTree = (await treeOf(octokit, repo, head)).tree;
  const temp = `${pick.tempPrefix}-pick-${randomBytes(4).toString("hex")}`;
  const { data: sibling } = await octokit.rest.git.createCommit({
    ...repo,
    message: `[skip ci] branch-steward cherry-pick scratch`,
    tree: headTree,
    parents: [pick.base],
  });
  await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${temp}`, sha: sibling.sha });
  try {
    let mergedTree: string;
    try {
      const res = await octokit.rest.repos.merge({
        ...repo,
        base: temp,
        head: pick.sha,
        commit_message: `[skip ci] branch-steward cherry-pick of ${pick.sha}`,
        request: { retries: 0 }, // 409 is a conflict, an answer: the retry plugin would retry it
      });
      if ((res.status as number) === 204) return { kind: "empty" };
      mergedTree = res.data.commit.tree.sha;
    } catch (error) {
      if (httpStatus(error) === 409) return { kind: "conflict" };
      throw error;
    }
    if (mergedTree === headTree) return { kind: "empty" };
    const { data: picked } = await octokit.rest.git.createCommit({ ...repo, message: pick.message, tree: mergedTree, parents: [head] });
    return { kind: "picked", sha: picked.sha };
  } finally {
    await octokit.rest.git.deleteRef({ ...repo, ref: `heads/${temp}` }).catch(() => undefined);
  }
}
