/**
 * A repository's configuration file, read raw from its default branch (never a PR head).
 */
import { httpStatus } from "./errors.js";
import type { Octokit, RepoRef } from "./types.js";

export interface ConfigFileRef extends RepoRef {
  readonly path: string;
}

export type ConfigFileContent =
  | { readonly kind: "file"; readonly text: string }
  | { readonly kind: "missing" }
  /** The path is a directory or a submodule. */
  | { readonly kind: "not-a-file" };

export async function readConfigFile(octokit: Octokit, file: ConfigFileRef): Promise<ConfigFileContent> {
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { ...file, mediaType: { format: "raw" } });
    // With the raw media type a file comes back as text; a directory still answers a JSON listing.
    return typeof data === "string" ? { kind: "file", text: data } : { kind: "not-a-file" };
  } catch (error) {
    if (httpStatus(error) === 404) return { kind: "missing" };
    throw error;
  }
}
