/** `GET /issues/{n}/events`: who applied a label to an issue or PR (the latest `labeled` event's actor). */
import type { Octokit, RepoRef } from "./types.js";

/** The login of whoever applied `label` last, or null when no event says so (case-insensitive name). */
export async function labeledBy(octokit: Octokit, repo: RepoRef, number: number, label: string): Promise<string | null> {
  const events = await octokit.paginate(octokit.rest.issues.listEvents, { ...repo, issue_number: number, per_page: 100 });
  const wanted = label.toLowerCase();
  let actor: string | null = null;
  for (const e of events) {
    const name = (e as { label?: { name?: string } }).label?.name;
    if (e.event === "labeled" && name?.toLowerCase() === wanted) actor = e.actor?.login ?? null;
  }
  return actor;
}
