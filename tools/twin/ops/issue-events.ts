/**
 * The issue events GitHub records (`GET /repos/{o}/{r}/issues/{n}/events`): the twin keeps the
 * `labeled` and `unlabeled` ones, with their actor, per repository.
 */
import type { Core } from "../core.js";
import { now } from "../core.js";
import { labelJson, repoApiUrl, userJson } from "../serialize.js";
import type { Account, IssueState, Label, RepoState } from "../state.js";

interface IssueEvent {
  readonly id: number;
  readonly issueNumber: number;
  readonly event: "labeled" | "unlabeled";
  readonly actor: Account;
  readonly label: Label;
  readonly createdAt: string;
}

const events = new WeakMap<RepoState, IssueEvent[]>();

export function recordLabelEvent(core: Core, repo: RepoState, issue: IssueState, event: IssueEvent["event"], actor: Account, label: Label): void {
  const list = events.get(repo) ?? [];
  events.set(repo, list);
  list.push({ id: core.world.newId(), issueNumber: issue.number, event, actor, label: { ...label }, createdAt: now(core) });
}

/** The events of one issue or PR, oldest first, as GitHub serializes them. */
export function issueEventsJson(core: Core, repo: RepoState, issue: IssueState): Record<string, unknown>[] {
  return (events.get(repo) ?? [])
    .filter((e) => e.issueNumber === issue.number)
    .map((e) => ({
      id: e.id,
      node_id: `IE_${e.id}`,
      url: `${repoApiUrl(core, repo)}/issues/events/${e.id}`,
      actor: userJson(core, e.actor),
      event: e.event,
      commit_id: null,
      commit_url: null,
      created_at: e.createdAt,
      label: { name: labelJson(core, repo, e.label).name, color: e.label.color },
      performed_via_github_app: null,
    }));
}
