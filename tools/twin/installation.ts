/**
 * The installation's life, as GitHub delivers it: `installation` (created with its repositories,
 * deleted, suspend, unsuspend) and `installation_repositories` (added, removed). Payload shapes
 * follow GitHub's webhook reference (@octokit/webhooks-examples): these events carry
 * `installation` in full and name repositories in `repositories` / `repositories_added` /
 * `repositories_removed`, never `repository`.
 */
import { isoSeconds } from "./clock.js";
import type { Core } from "./core.js";
import { installationJson } from "./routes/app.js";
import { orgJson, userJson } from "./serialize.js";
import type { Account, RepoState } from "./state.js";
import { nodeId } from "./state.js";

const listed = (repo: RepoState) => ({ id: repo.id, node_id: nodeId("Repository", repo.id), name: repo.name, full_name: repo.fullName, private: repo.private });

function repos(core: Core, fullNames: readonly string[]): RepoState[] {
  return fullNames.map((fullName) => {
    const [owner, name] = fullName.split("/");
    const repo = core.world.repo(owner ?? "", name ?? "");
    if (!repo) throw new Error(`twin: no repository ${fullName}`);
    return repo;
  });
}

function envelope(core: Core, action: string, sender: Account, account: Account | undefined, body: Record<string, unknown>): Record<string, unknown> {
  return {
    action,
    installation: installationJson(core),
    ...body,
    requester: null,
    ...(account?.type === "Organization" ? { organization: orgJson(core, account) } : {}),
    sender: userJson(core, sender),
  };
}

/** The app is installed on `fullNames` (a fresh installation): `installation.created`. */
export function install(core: Core, fullNames: readonly string[], sender: Account): void {
  const added = repos(core, fullNames);
  core.installation.deleted = false;
  core.installation.suspendedAt = null;
  for (const repo of added) repo.installed = true;
  core.emit("installation", envelope(core, "created", sender, added[0]?.owner, { repositories: added.map(listed) }));
}

/** Repositories added to or removed from the installation: `installation_repositories`. */
export function changeRepositories(core: Core, change: { add?: readonly string[]; remove?: readonly string[] }, sender: Account): void {
  const added = repos(core, change.add ?? []);
  const removed = repos(core, change.remove ?? []);
  for (const repo of added) repo.installed = true;
  for (const repo of removed) repo.installed = false;
  core.emit(
    "installation_repositories",
    envelope(core, added.length ? "added" : "removed", sender, (added[0] ?? removed[0])?.owner, {
      repository_selection: "selected",
      repositories_added: added.map(listed),
      repositories_removed: removed.map(listed),
    }),
  );
}

/** Uninstalled: not listed any more, no tokens, no repository access: `installation.deleted`. */
export function uninstall(core: Core, sender: Account): void {
  const had = [...core.world.repos.values()].filter((r) => r.installed);
  const payload = envelope(core, "deleted", sender, had[0]?.owner, { repositories: had.map(listed) });
  for (const repo of had) repo.installed = false;
  core.installation.deleted = true;
  core.emit("installation", payload);
}

/** Suspended (or unsuspended): still listed, with `suspended_at`; no tokens while suspended. */
export function suspend(core: Core, suspended: boolean, sender: Account): void {
  core.installation.suspendedAt = suspended ? isoSeconds(core.clock.now()) : null;
  const had = [...core.world.repos.values()].filter((r) => r.installed);
  core.emit("installation", envelope(core, suspended ? "suspend" : "unsuspend", sender, had[0]?.owner, { repositories: had.map(listed) }));
}
