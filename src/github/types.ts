import type { Context } from "probot";

/** The installation-authenticated client every handler gets from Probot. */
export type Octokit = Context["octokit"];

export interface RepoRef {
  readonly owner: string;
  readonly repo: string;
}
