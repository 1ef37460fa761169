/** What every workflow step needs; handlers and reconcilers build it once per event or repository. */
import type { Logger } from "pino";
import type { AppIdentity } from "../github/identity.js";
import type { Octokit, RepoRef } from "../github/types.js";
import type { WorkLock } from "../infra/work-lock.js";
import type { ConfigResult } from "../config/parse.js";
import type { PullRequestFacts } from "../model/pull-request.js";

export interface WorkflowIo {
  readonly octokit: Octokit;
  readonly repo: RepoRef;
  readonly me: AppIdentity;
  readonly log: Logger;
  readonly repoHtmlUrl: string;
  readonly lock?: Pick<WorkLock, "run"> | undefined;
  readonly now: () => Date;
  /**
   * Fan-out: hands several PRs' evaluations to the job queue (one job each, run with bounded
   * concurrency per installation) instead of evaluating them here one after another. Absent in
   * the sweep and in inline mode.
   */
  readonly fanOut?: ((pulls: readonly PullRequestFacts[], config: ConfigResult, why: string) => Promise<void>) | undefined;
}
