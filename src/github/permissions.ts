/** Who may run slash commands: people with write access to the repository, checked through the API. */
import { httpStatus } from "./errors.js";
import type { Octokit, RepoRef } from "./types.js";

const WRITERS = new Set(["admin", "maintain", "write"]);

export async function isWriter(octokit: Octokit, repo: RepoRef, username: string): Promise<boolean> {
  if (!username) return false;
  const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
  return WRITERS.has(data.permission) || WRITERS.has(data.role_name ?? "");
}

/** Like isWriter, but a login GitHub does not know (404) has no access instead of an error. */
export async function hasWriteAccess(octokit: Octokit, repo: RepoRef, username: string): Promise<boolean> {
  try {
    return await isWriter(octokit, repo, username);
  } catch (error) {
    if (httpStatus(error) === 404) return false;
    throw error;
  }
}
