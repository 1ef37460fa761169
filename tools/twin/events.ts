/** Builds webhook envelopes (repository, organization, sender, installation) and queues them. */
import type { Core } from "./core.js";
import { orgJson, repoJson, userJson } from "./serialize.js";
import type { Account, RepoState } from "./state.js";
import { nodeId } from "./state.js";

/**
 * Queue `event` for the app if it is installed on `repo`. `body` holds the event-specific
 * fields (`pull_request`, `number`, …); `action` is omitted for events without one (push).
 */
export function emitEvent(
  core: Core,
  event: string,
  action: string | null,
  repo: RepoState,
  sender: Account,
  body: Record<string, unknown>,
): void {
  if (!repo.installed) return;
  core.emit(event, {
    ...(action === null ? {} : { action }),
    ...body,
    repository: repoJson(core, repo),
    ...(repo.owner.type === "Organization" ? { organization: orgJson(core, repo.owner) } : {}),
    sender: userJson(core, sender),
    installation: { id: core.installationId, node_id: nodeId("Installation", core.installationId) },
  });
}
