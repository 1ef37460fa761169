/** Issues, issue comments, labels and assignees (shared by issues and pull requests). */
import type { Core } from "../core.js";
import { now } from "../core.js";
import { HttpError, notFound, validationFailed } from "../errors.js";
import { emitEvent } from "../events.js";
import { TEXT_LIMITS, checkIssueText, checkLength } from "../limits.js";
import { commentJson, issueJson, labelJson, pullJson, userJson } from "../serialize.js";
import type { Account, AppRef, IssueComment, IssueState, Label, RepoState } from "../state.js";
import { permissionOf } from "../state.js";
import { recordLabelEvent } from "./issue-events.js";
import { closePull, reopenPull } from "./pulls.js";

/** Color GitHub gives labels created implicitly through the issues API. */
const DEFAULT_LABEL_COLOR = "ededed";

/** Emits `pull_request.<action>` for PRs, `issues.<action>` for issues. */
function emitIssue(core: Core, repo: RepoState, issue: IssueState, action: string, sender: Account, extra: Record<string, unknown> = {}): void {
  if (issue.pull) {
    emitEvent(core, "pull_request", action, repo, sender, { number: issue.number, pull_request: pullJson(core, repo, issue), ...extra });
  } else {
    emitEvent(core, "issues", action, repo, sender, { issue: issueJson(core, repo, issue), ...extra });
  }
}

export function ensureLabel(core: Core, repo: RepoState, name: string): Label {
  const key = name.toLowerCase();
  let label = repo.labels.get(key);
  if (!label) {
    checkLength("Label", "name", name, TEXT_LIMITS.labelName);
    label = { id: core.world.newId(), name, color: DEFAULT_LABEL_COLOR, description: null, default: false };
    repo.labels.set(key, label);
  }
  return label;
}

export interface IssueInput {
  title: string;
  body?: string | null;
  labels?: string[];
  assignees?: string[];
}

export function createIssue(core: Core, repo: RepoState, input: IssueInput, actor: Account): IssueState {
  if (!input.title) throw validationFailed({ resource: "Issue", code: "missing_field", field: "title" });
  checkIssueText(input);
  for (const name of input.labels ?? []) checkLength("Label", "name", name, TEXT_LIMITS.labelName);
  const timestamp = now(core);
  const issue: IssueState = {
    id: core.world.newId(),
    number: repo.nextNumber++,
    title: input.title,
    body: input.body ?? null,
    user: actor,
    state: "open",
    labels: (input.labels ?? []).map((name) => ensureLabel(core, repo, name).name),
    assignees: assignable(repo, input.assignees ?? []),
    createdAt: timestamp,
    updatedAt: timestamp,
    closedAt: null,
    closedBy: null,
    pull: null,
  };
  repo.issues.set(issue.number, issue);
  emitIssue(core, repo, issue, "opened", actor);
  return issue;
}

export function updateIssue(
  core: Core,
  repo: RepoState,
  issue: IssueState,
  input: { title?: string; body?: string | null; state?: "open" | "closed" },
  actor: Account,
): void {
  checkIssueText(input);
  if (issue.pull) {
    if (input.state === "closed") closePull(core, repo, issue, actor);
    if (input.state === "open") reopenPull(core, repo, issue, actor);
  }
  const changes: Record<string, unknown> = {};
  if (input.title !== undefined && input.title !== issue.title) {
    changes.title = { from: issue.title };
    issue.title = input.title;
  }
  if (input.body !== undefined && input.body !== issue.body) {
    changes.body = { from: issue.body ?? "" };
    issue.body = input.body;
  }
  if (Object.keys(changes).length > 0) {
    issue.updatedAt = now(core);
    emitIssue(core, repo, issue, "edited", actor, { changes });
  }
  if (issue.pull) return;
  if (input.state !== undefined && input.state !== issue.state) {
    issue.state = input.state;
    issue.updatedAt = now(core);
    issue.closedAt = input.state === "closed" ? issue.updatedAt : null;
    issue.closedBy = input.state === "closed" ? actor : null;
    emitIssue(core, repo, issue, input.state === "closed" ? "closed" : "reopened", actor);
  }
}

export function addComment(core: Core, repo: RepoState, issue: IssueState, body: string, actor: Account, viaApp: AppRef | null): IssueComment {
  if (!body) throw validationFailed({ resource: "IssueComment", code: "missing_field", field: "body" });
  checkLength("IssueComment", "body", body, TEXT_LIMITS.body);
  const timestamp = now(core);
  const comment: IssueComment = { id: core.world.newId(), issueNumber: issue.number, user: actor, body, createdAt: timestamp, updatedAt: timestamp, viaApp };
  repo.comments.set(comment.id, comment);
  emitComment(core, repo, comment, "created", actor);
  return comment;
}

export function editComment(core: Core, repo: RepoState, comment: IssueComment, body: string, actor: Account): void {
  checkLength("IssueComment", "body", body, TEXT_LIMITS.body);
  const from = comment.body;
  comment.body = body;
  comment.updatedAt = now(core);
  emitComment(core, repo, comment, "edited", actor, { changes: { body: { from } } });
}

export function deleteComment(core: Core, repo: RepoState, comment: IssueComment, actor: Account): void {
  repo.comments.delete(comment.id);
  emitComment(core, repo, comment, "deleted", actor);
}

function emitComment(core: Core, repo: RepoState, comment: IssueComment, action: string, actor: Account, extra: Record<string, unknown> = {}): void {
  const issue = repo.issues.get(comment.issueNumber);
  if (!issue) return;
  emitEvent(core, "issue_comment", action, repo, actor, {
    ...extra,
    issue: issueJson(core, repo, issue),
    comment: commentJson(core, repo, comment),
  });
}

export function addLabels(core: Core, repo: RepoState, issue: IssueState, names: string[], actor: Account): void {
  // All or nothing: a name over the limit refuses the whole request.
  for (const name of names) if (!repo.labels.has(name.toLowerCase())) checkLength("Label", "name", name, TEXT_LIMITS.labelName);
  for (const name of names) {
    const label = ensureLabel(core, repo, name);
    if (issue.labels.some((l) => l.toLowerCase() === label.name.toLowerCase())) continue;
    issue.labels.push(label.name);
    issue.updatedAt = now(core);
    recordLabelEvent(core, repo, issue, "labeled", actor, label);
    emitIssue(core, repo, issue, "labeled", actor, { label: labelJson(core, repo, label) });
  }
}

export function removeLabel(core: Core, repo: RepoState, issue: IssueState, name: string, actor: Account): void {
  const present = issue.labels.find((l) => l.toLowerCase() === name.toLowerCase());
  const label = repo.labels.get(name.toLowerCase());
  if (!present || !label) throw new HttpError(404, "Label does not exist");
  issue.labels = issue.labels.filter((l) => l !== present);
  issue.updatedAt = now(core);
  recordLabelEvent(core, repo, issue, "unlabeled", actor, label);
  emitIssue(core, repo, issue, "unlabeled", actor, { label: labelJson(core, repo, label) });
}

/** GitHub silently ignores assignees without access to the repository. */
function assignable(repo: RepoState, logins: string[]): string[] {
  return logins.filter((login) => permissionOf(repo, login) !== null);
}

export function addAssignees(core: Core, repo: RepoState, issue: IssueState, logins: string[], actor: Account): void {
  for (const login of assignable(repo, logins)) {
    if (issue.assignees.some((a) => a.toLowerCase() === login.toLowerCase())) continue;
    const user = core.world.account(login);
    issue.assignees.push(user.login);
    issue.updatedAt = now(core);
    emitIssue(core, repo, issue, "assigned", actor, { assignee: userJson(core, user) });
  }
}

/** Deletes an issue (not a PR): GitHub answers 410 Gone for its number afterwards. */
export function deleteIssue(core: Core, repo: RepoState, issue: IssueState, actor: Account): void {
  if (issue.pull) throw new HttpError(422, "Pull requests cannot be deleted");
  emitIssue(core, repo, issue, "deleted", actor);
  repo.issues.delete(issue.number);
  repo.deletedIssues.add(issue.number);
  for (const [id, comment] of repo.comments) if (comment.issueNumber === issue.number) repo.comments.delete(id);
}

export function findIssue(repo: RepoState, number: number): IssueState {
  const issue = repo.issues.get(number);
  if (!issue) throw repo.deletedIssues.has(number) ? new HttpError(410, "This issue was deleted") : notFound();
  return issue;
}
