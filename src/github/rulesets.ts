/**
 * Repository rulesets on GitHub: list every ruleset the repository sees (its own and its
 * organization's, all pages, each read in full), create or update one, and the rules in effect on
 * a branch (`GET /rules/branches/{branch}`: readable with read access, whatever their source).
 */
import { ruleFromGitHub, rulesetFromGitHub, rulesetRequest, type Ruleset, type RulesetRule } from "../policy/rulesets.js";
import type { Octokit, RepoRef } from "./types.js";

/** A rule in effect on a branch, with the ruleset it comes from. */
export interface EffectiveRule extends RulesetRule {
  readonly rulesetId: number | null;
  readonly sourceType: string;
  readonly source: string;
}

/** Every ruleset that applies to the repository (`includes_parents`), each read in full. */
export async function listRulesets(octokit: Octokit, repo: RepoRef): Promise<Ruleset[]> {
  const list = await octokit.paginate("GET /repos/{owner}/{repo}/rulesets", { ...repo, includes_parents: true, per_page: 100 });
  const out: Ruleset[] = [];
  for (const item of list) {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/rulesets/{ruleset_id}", { ...repo, ruleset_id: item.id, includes_parents: true });
    out.push(rulesetFromGitHub(data));
  }
  return out;
}

/** Writes `ruleset`: PUT when it has an id, POST otherwise; returns the ruleset as GitHub stored it. */
export async function writeRuleset(octokit: Octokit, repo: RepoRef, ruleset: Ruleset): Promise<Ruleset> {
  // The body is built from GitHub's shapes (policy/rulesets.ts); Octokit's types want each rule's literal union.
  const body = rulesetRequest(ruleset) as never;
  const { data } =
    ruleset.id === null
      ? await octokit.request("POST /repos/{owner}/{repo}/rulesets", { ...repo, ...(body as object) } as never)
      : await octokit.request("PUT /repos/{owner}/{repo}/rulesets/{ruleset_id}", { ...repo, ruleset_id: ruleset.id, ...(body as object) } as never);
  return rulesetFromGitHub(data);
}

/** The rules in effect on `branch`, from every active ruleset (repository and organization). */
export async function branchRules(octokit: Octokit, repo: RepoRef, branch: string): Promise<EffectiveRule[]> {
  const list: unknown[] = await octokit.paginate("GET /repos/{owner}/{repo}/rules/branches/{branch}", { ...repo, branch, per_page: 100 });
  return list.flatMap((raw) => {
    const rule = ruleFromGitHub(raw);
    if (!rule) return [];
    const r = raw as { ruleset_id?: unknown; ruleset_source_type?: unknown; ruleset_source?: unknown };
    return [
      {
        ...rule,
        rulesetId: typeof r.ruleset_id === "number" ? r.ruleset_id : null,
        sourceType: typeof r.ruleset_source_type === "string" ? r.ruleset_source_type : "Repository",
        source: typeof r.ruleset_source === "string" ? r.ruleset_source : "",
      },
    ];
  });
}
