/**
 * `installation` and `installation_repositories`: the first verdicts arrive at install time.
 *
 * - `installation.created`, `installation_repositories.added`: every open governed PR of each
 *   added repository is evaluated at once (workflows/first-verdicts.ts), a few repositories at a
 *   time; a repository that cannot be read (404/403, e.g. removed a moment later) is logged and
 *   skipped, and the others go on. Then the hooks in INSTALLED_REPOSITORY_HOOKS run.
 * - `installation.deleted`, `installation.suspend`, `installation_repositories.removed`: nothing
 *   scheduled is kept per repository. The sweep lists installations (skipping suspended ones) and
 *   their repositories afresh every time, so it stops by itself; the hooks in
 *   REMOVED_REPOSITORY_HOOKS drop whatever in-process state names those repositories.
 * These payloads name repositories in `repositories` / `repositories_added`, not `repository`.
 */
import { Context } from "probot";
import type { ConfigResult } from "../config/parse.js";
import { httpStatus } from "../github/errors.js";
import type { RepoRef } from "../github/types.js";
import { forgetRepository } from "../workflows/evaluate-and-report.js";
import { reportOpenPulls } from "../workflows/first-verdicts.js";
import type { WorkflowIo } from "../workflows/io.js";
import { eventIo, type HandlerDeps } from "./event.js";
import { refreshDashboard } from "../workflows/dashboard.js";

/** Repositories evaluated side by side (each one's PRs go one after another). */
export const INSTALL_CONCURRENCY = 4;

/** Runs for each repository once its first verdicts are written: the dashboard is created here. */
export type InstalledRepositoryHook = (io: WorkflowIo, config: () => Promise<ConfigResult>) => Promise<void>;
export const INSTALLED_REPOSITORY_HOOKS: InstalledRepositoryHook[] = [
  // The dashboard, with the audit's findings: the first thing a maintainer sees is what to fix.
  async (io, config) => void (await refreshDashboard(io, await config(), { freshAudit: true })),
];
/** Runs for each repository the app lost (uninstalled, suspended, removed from the installation). */
export type RemovedRepositoryHook = (repo: RepoRef) => void;
export const REMOVED_REPOSITORY_HOOKS: RemovedRepositoryHook[] = [forgetRepository];

interface PayloadRepo {
  readonly name: string;
  readonly full_name: string;
}
interface InstallationPayload {
  readonly action: string;
  readonly installation: { readonly id: number; readonly account?: { readonly login?: string; readonly html_url?: string } | null };
  readonly repositories?: readonly PayloadRepo[];
  readonly repositories_added?: readonly PayloadRepo[];
  readonly repositories_removed?: readonly PayloadRepo[];
}

/** The repositories a payload lists; anything that is not `{ name, full_name: "owner/name" }` is left out. */
function refsOf(list: unknown): RepoRef[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((r: Partial<PayloadRepo> | null) => {
    const [owner, name] = typeof r?.full_name === "string" ? r.full_name.split("/") : [];
    return owner && name && name === r?.name ? [{ owner, repo: name }] : [];
  });
}

export const INSTALLATION_ACTIONS = ["installation.created", "installation.deleted", "installation.suspend"] as const;
export const INSTALLATION_REPOSITORIES_ACTIONS = ["installation_repositories.added", "installation_repositories.removed"] as const;

export async function onInstallation(context: Context<(typeof INSTALLATION_ACTIONS)[number]>, deps: HandlerDeps): Promise<void> {
  const payload = context.payload as unknown as InstallationPayload;
  const repos = refsOf(payload.repositories);
  if (payload.action === "created") return firstVerdicts(context, deps, repos, "installed");
  if (payload.action === "deleted" || payload.action === "suspend") forget(context, payload, repos);
}

export async function onInstallationRepositories(context: Context<(typeof INSTALLATION_REPOSITORIES_ACTIONS)[number]>, deps: HandlerDeps): Promise<void> {
  const payload = context.payload as unknown as InstallationPayload;
  forget(context, payload, refsOf(payload.repositories_removed));
  await firstVerdicts(context, deps, refsOf(payload.repositories_added), "added to the installation");
}

function forget(context: Context, payload: InstallationPayload, repos: readonly RepoRef[]): void {
  for (const repo of repos) for (const hook of REMOVED_REPOSITORY_HOOKS) hook(repo);
  if (repos.length || payload.action !== "removed") {
    const names = repos.map((r) => `${r.owner}/${r.repo}`);
    context.log.info({ delivery: context.id, event: `${context.name}.${payload.action}`, installation: payload.installation.id, repositories: names }, "no more work for these repositories: the sweep lists installations and repositories afresh");
  }
}

async function firstVerdicts(context: Context, deps: HandlerDeps, repos: readonly RepoRef[], why: string): Promise<void> {
  const failures: unknown[] = [];
  await eachLimited(repos, INSTALL_CONCURRENCY, async (repo) => {
    const { io, config } = await eventIo(repoContext(context, repo), deps);
    try {
      const verdicts = await reportOpenPulls(io, config, why);
      io.log.info({ ...verdicts, why }, "first verdicts written");
    } catch (error) {
      const status = httpStatus(error);
      if (status === 404 || status === 403 || status === 410) {
        io.log.warn({ status, err: error }, "skipped: the repository cannot be read (removed or not accessible); the others go on");
        return;
      }
      io.log.error({ err: error }, "first verdicts failed; the others go on and the delivery fails so that it is redelivered");
      failures.push(error);
      return;
    }
    for (const hook of INSTALLED_REPOSITORY_HOOKS) await hook(io, config).catch((error: unknown) => io.log.warn({ err: error }, "an install hook failed; the verdicts stand"));
  });
  if (failures.length) throw failures[0];
}

/** The delivery seen as an event of one repository, so the usual io, log and config loader apply. */
function repoContext(context: Context, repo: RepoRef): Context {
  const payload = context.payload as unknown as InstallationPayload;
  const base = payload.installation.account?.html_url ?? `https://github.com/${repo.owner}`;
  const repository = { name: repo.repo, full_name: `${repo.owner}/${repo.repo}`, owner: { login: repo.owner }, html_url: `${base}/${repo.repo}` };
  return new Context({ id: context.id, name: context.name, payload: { ...payload, repository } } as never, context.octokit, context.log);
}

async function eachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
