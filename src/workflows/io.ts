/** What every workflow step needs; handlers and reconcilers build it once per event or repository. */
import type { Logger } from "pino";
import type { AppIdentity } from "../github/identity.js";
import type { Octokit, RepoRef } from "../github/types.js";
import type { WorkLock } from "../infra/work-lock.js";

export interface WorkflowIo {
  readonly octokit: Octokit;
  readonly repo: RepoRef;
  readonly me: AppIdentity;
  readonly log: Logger;
  readonly repoHtmlUrl: string;
  readonly lock?: Pick<WorkLock, "run"> | undefined;
  readonly now: () => Date;
}
