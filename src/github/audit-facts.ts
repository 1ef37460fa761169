/**
 * The facts `branch-steward audit` judges (policy/audit.ts), read with any installation or token
 * client: the rules in effect on both branches, classic protection where readable, the rulesets,
 * the tags, the latest merges into production, the hotfixes' backports and what development
 * lacks. A part that cannot be read becomes `{ ok: false, status, reason }`: never a crash.
 *
 * Bounded: at most MAX_MERGES merged PRs and MAX_TAGS version tags are checked (a few requests each).
 */
import type { CompiledConfig } from "../config/compile.js";
import { parsePullRequest, type PullRequestFacts } from "../model/pull-request.js";
import type { AuditFacts, BranchFacts, HotfixFact, MergeFact, Readable, TagFacts } from "../policy/audit.js";
import { backportBranch, backportTrigger } from "../policy/backport.js";
import { fromGitHub, type Protection } from "../policy/protection.js";
import { parseVersionTags, relationOfCompareStatus, type Relation } from "../policy/version.js";
import { findPullsForBranch } from "./backport.js";
import { compare } from "./compare.js";
import { httpStatus } from "./errors.js";
import { branchRules, listRulesets } from "./rulesets.js";
import { dereference, listTags } from "./tags.js";
import type { Octokit, RepoRef } from "./types.js";

/** Merged PRs into production read at most (the newest). */
export const MAX_MERGES = 20;
/** Version tags checked at most (the highest): each costs a compare, and a read when annotated. */
export const MAX_TAGS = 20;

export interface AuditReadOptions {
  /** The app the check must come from; null when not known. */
  readonly appId: number | null;
  /** The app's webhook events (e.g. from `GET /app`, or the installation); absent: `appEventsUnknown`. */
  readonly appEvents?: () => Promise<readonly string[]>;
  /** Why the events are unknown when `appEvents` is absent. */
  readonly appEventsUnknown?: string;
  readonly now?: () => Date;
  /**
   * false: never ask for classic protection (the app has no Administration permission, so the
   * answer is always a 403, which no ETag makes free); the branch's own JSON still says whether it
   * is protected at all. Default true.
   */
  readonly readClassicProtection?: boolean;
}

/** GitHub's own message for a failed request, else the error's. */
export function failureMessage(error: unknown): string {
  const data = (error as { response?: { data?: { message?: unknown } } }).response?.data;
  return typeof data?.message === "string" ? data.message : error instanceof Error ? error.message : String(error);
}

async function readable<T>(read: () => Promise<T>): Promise<Readable<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, status: httpStatus(error) ?? null, reason: failureMessage(error) };
  }
}

/**
 * Classic protection: `GET …/protection` needs admin rights. Without them, the branch's own JSON
 * (read access) still says whether the branch is protected at all: an unprotected branch is a known fact.
 */
async function classicProtection(octokit: Octokit, repo: RepoRef, branch: string, read = true): Promise<Readable<Protection | null>> {
  if (!read) {
    const branchJson = await readable(async () => (await octokit.rest.repos.getBranch({ ...repo, branch })).data);
    if (branchJson.ok && branchJson.value.protected === false) return { ok: true, value: null };
    return { ok: false, status: null, reason: "the app does not read classic branch protection (it needs admin rights); run `branch-steward audit` with an admin's token to check it" };
  }
  try {
    const { data } = await octokit.rest.repos.getBranchProtection({ ...repo, branch });
    return { ok: true, value: fromGitHub(data) };
  } catch (error) {
    const status = httpStatus(error) ?? null;
    const reason = failureMessage(error);
    if (status === 404 && reason === "Branch not protected") return { ok: true, value: null };
    if (status !== 403 && status !== 404) return { ok: false, status, reason };
    const branchJson = await readable(async () => (await octokit.rest.repos.getBranch({ ...repo, branch })).data);
    if (branchJson.ok && branchJson.value.protected === false) return { ok: true, value: null };
    return { ok: false, status, reason: `${reason} (reading classic branch protection needs admin rights on the repository)` };
  }
}

async function recentMerges(octokit: Octokit, repo: RepoRef, base: string): Promise<PullRequestFacts[]> {
  const { data } = await octokit.rest.pulls.list({ ...repo, state: "closed", base, sort: "updated", direction: "desc", per_page: 50 });
  return data
    .map(parsePullRequest)
    .filter((p): p is PullRequestFacts => !("error" in p) && p.merged && p.mergedAt !== null)
    .sort((a, b) => Date.parse(b.mergedAt ?? "") - Date.parse(a.mergedAt ?? ""))
    .slice(0, MAX_MERGES);
}

const mergeFact = (p: PullRequestFacts): MergeFact => ({ number: p.number, source: p.route.source, mergedAt: p.mergedAt ?? "", mergeCommitSha: p.mergeCommitSha });

async function tagFacts(octokit: Octokit, repo: RepoRef, config: CompiledConfig): Promise<TagFacts> {
  const refs = await listTags(octokit, repo);
  const { versions } = parseVersionTags(
    refs.map((t) => t.name),
    { prefix: config.release.tag_prefix, includePrereleases: config.release.include_prereleases },
  );
  const byName = new Map(refs.map((t) => [t.name, t]));
  const commits: Record<string, string> = {};
  const relations: Record<string, Relation> = {};
  for (const v of versions.slice(0, MAX_TAGS)) {
    const ref = byName.get(v.tag);
    if (!ref) continue;
    commits[v.tag] = ref.type === "tag" ? (await dereference(octokit, repo, ref)).commitSha : ref.sha;
    const comparison = await compare(octokit, repo, commits[v.tag] as string, config.branches.production, { maxPages: 1 });
    relations[v.tag] = relationOfCompareStatus(comparison.status);
  }
  return { names: refs.map((t) => t.name), commits, relations };
}

async function hotfixFacts(octokit: Octokit, repo: RepoRef, config: CompiledConfig, merges: readonly PullRequestFacts[]): Promise<HotfixFact[]> {
  const out: HotfixFact[] = [];
  for (const pr of merges) {
    const trigger = backportTrigger(pr, config);
    if (!trigger.backport || trigger.kind !== "hotfix") continue;
    const pulls = await findPullsForBranch(octokit, repo, backportBranch(config, pr.number));
    const backport = pulls.find((p) => p.merged) ?? pulls.find((p) => p.state === "open") ?? pulls[0];
    out.push({ ...mergeFact(pr), backport: backport ? { number: backport.number, merged: backport.merged } : null });
  }
  return out;
}

/** Everything the audit judges, read in parallel where independent. */
export async function readAuditFacts(octokit: Octokit, repo: RepoRef, config: CompiledConfig, options: AuditReadOptions): Promise<AuditFacts> {
  const { production, development } = config.branches;
  const roles = [
    { role: "production" as const, branch: production },
    { role: "development" as const, branch: development },
  ].filter((r, i, all) => all.findIndex((o) => o.branch === r.branch) === i);

  const branchesP = Promise.all(
    roles.map(
      async ({ role, branch }): Promise<BranchFacts> => ({
        role,
        branch,
        rules: await readable(() => branchRules(octokit, repo, branch)),
        classic: await classicProtection(octokit, repo, branch, options.readClassicProtection ?? true),
      }),
    ),
  );
  const rulesetsP = readable(() => listRulesets(octokit, repo));
  const eventsP: Promise<Readable<readonly string[]>> = options.appEvents
    ? readable(options.appEvents)
    : Promise.resolve({ ok: false, status: null, reason: options.appEventsUnknown ?? "the app's webhook events were not available" });
  const mergesP = readable(() => recentMerges(octokit, repo, production));
  const tagsP = readable(() => tagFacts(octokit, repo, config));
  const missingP = readable(async () => (await compare(octokit, repo, development, production, { maxPages: 1 })).aheadBy);

  const merges = await mergesP;
  const hotfixes: Readable<readonly HotfixFact[]> = merges.ok ? await readable(() => hotfixFacts(octokit, repo, config, merges.value)) : merges;
  return {
    repo: `${repo.owner}/${repo.repo}`,
    now: (options.now?.() ?? new Date()).toISOString(),
    appId: options.appId,
    branches: await branchesP,
    rulesets: await rulesetsP,
    appEvents: await eventsP,
    tags: await tagsP,
    productionMerges: merges.ok ? { ok: true, value: merges.value.map(mergeFact) } : merges,
    hotfixes,
    missingFromDevelopment: await missingP,
  };
}
