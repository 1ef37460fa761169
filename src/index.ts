/**
 * branch-steward: the Probot app function. It wires webhook events to handlers; every
 * decision lives in src/policy, every GitHub call in src/github, every text in src/render.
 */
import type { ApplicationFunction } from "probot";
import { appIdentity } from "./github/identity.js";
import { KeyedLock } from "./github/keyed-lock.js";
import { onBackportCommand, onPullRequestClosed } from "./handlers/backport.js";
import { onCheckRunRerequested } from "./handlers/check-run.js";
import { onPullRequestClosed as onProductionMerge, onReleaseEvidence } from "./handlers/release.js";
import { onPullRequest, PULL_REQUEST_EVENTS } from "./handlers/pull-request.js";
import { onCheckRun, onCheckSuite, onPush, onRecheckComment, onStatus } from "./handlers/reevaluate.js";
import { registerObservability } from "./observability/routes.js";

const app: ApplicationFunction = (probot, options) => {
  registerObservability(probot, options?.addHandler); // /ready, /metrics, webhook counters
  const identity = appIdentity(probot);
  const releases = new KeyedLock(); // per app instance: serializes releases of one repository
  probot.on([...PULL_REQUEST_EVENTS], (context) => onPullRequest(context, identity));
  probot.on("check_run.rerequested", (context) => onCheckRunRerequested(context, identity));
  probot.on(["check_run.created", "check_run.completed"], (context) => onCheckRun(context, identity));
  probot.on("check_suite.completed", (context) => onCheckSuite(context, identity));
  probot.on("status", (context) => onStatus(context, identity));
  probot.on("push", (context) => onPush(context, identity));
  probot.on("issue_comment.created", (context) => onRecheckComment(context, identity));
  probot.on("pull_request.closed", (context) => onPullRequestClosed(context, identity));
  probot.on("issue_comment.created", (context) => onBackportCommand(context, identity));
  probot.on("pull_request.closed", (context) => onProductionMerge(context, identity, releases));
  probot.on("check_run.completed", (context) => onReleaseEvidence(context, identity, releases));
};

export default app;
