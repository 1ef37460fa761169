/** The event table: which webhook events run which handler. src/index.ts registers it. */
import type { Context } from "probot";
import { onCheckRun, onCheckRunRerequested } from "./check-run.js";
import { onCheckSuite, onPush, onStatus } from "./commit-signals.js";
import { DASHBOARD_ISSUE_EVENTS, FLOW_EVENTS, onDashboardIssue, onFlowEvent } from "./dashboard.js";
import type { HandlerDeps } from "./event.js";
import { INSTALLATION_ACTIONS, INSTALLATION_REPOSITORIES_ACTIONS, onInstallation, onInstallationRepositories } from "./installation.js";
import { onIssueComment } from "./issue-comment.js";
import { onMergeGroupChecksRequested, onMergeGroupDestroyed } from "./merge-group.js";
import { onPullRequest, PULL_REQUEST_EVENTS } from "./pull-request.js";
import { onPullRequestClosed } from "./pull-request-closed.js";

/** A webhook event name, `push` or `pull_request.closed`. */
export type EventName = Context["name"];

export interface Route {
  readonly events: readonly EventName[];
  readonly run: (context: Context, deps: HandlerDeps) => Promise<void>;
}

const route = <E extends EventName>(events: readonly E[], run: (context: Context<E>, deps: HandlerDeps) => Promise<void>): Route => ({
  events,
  run: run as Route["run"],
});

/** The dashboard's routes: the app's `dashboards: false` option leaves them out (handler tests that mock every request). */
export const DASHBOARD_ROUTES: readonly Route[] = [
  route(FLOW_EVENTS, onFlowEvent), //                                            dashboard + scheduled sync PR, debounced
  route(DASHBOARD_ISSUE_EVENTS, onDashboardIssue), //                            dashboard ticked, closed or deleted
];

export const HANDLERS: readonly Route[] = [
  route(PULL_REQUEST_EVENTS, onPullRequest), //                                  evaluate-and-report (+ retarget)
  route(["pull_request.closed"], onPullRequestClosed), //                        backport | mark backported, release
  route(["check_run.created", "check_run.completed"], onCheckRun), //            re-evaluate heads; release evidence
  route(["check_run.rerequested"], onCheckRunRerequested), //                    our check: re-evaluate
  route(["check_suite.completed"], onCheckSuite), //                             re-evaluate heads
  route(["status"], onStatus), //                                               re-evaluate heads
  route(["push"], onPush), //                                                   target moved / config changed
  route(["issue_comment.created"], onIssueComment), //                          recheck, /backport
  route(["merge_group.checks_requested"], onMergeGroupChecksRequested), //       the group's check
  route(["merge_group.destroyed"], onMergeGroupDestroyed), //                    nothing to write
  route(INSTALLATION_ACTIONS, onInstallation), //                                first verdicts | forget the repositories
  route(INSTALLATION_REPOSITORIES_ACTIONS, onInstallationRepositories), //      first verdicts | forget the repositories
  ...DASHBOARD_ROUTES,
];
