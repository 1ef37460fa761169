/**
 * The flow rule: may a PR from this source branch target this branch?
 *
 * Pure: plain data in (the PR's route and the config), a verdict out. Pairs into governed
 * branches are denied unless a configured flow allows them; the first matching flow wins.
 */
import type { CompiledConfig, CompiledFlow } from "../config/compile.js";
import type { FlowKind } from "../config/schema.js";
import type { PullRequestRoute } from "../model/pull-request.js";
import { matches, type CompiledPattern } from "./patterns.js";

export type FlowVerdict =
  | { readonly governed: false; readonly target: string }
  | {
      readonly governed: true;
      readonly allowed: true;
      readonly target: string;
      readonly source: string;
      readonly fromFork: boolean;
      readonly flow: { readonly name: string; readonly kind: FlowKind };
      readonly reason: string;
    }
  | {
      readonly governed: true;
      readonly allowed: false;
      readonly target: string;
      readonly source: string;
      readonly fromFork: boolean;
      readonly reason: string;
      readonly fix: string;
    };

export function isGoverned(target: string, config: CompiledConfig): boolean {
  return config.compiled.governed.some((g) => matches(g, target));
}

/** True when the head branch lives in another repository (or its repository is gone). */
export function isFromFork(route: PullRequestRoute): boolean {
  return route.headRepo === null || route.headRepo.toLowerCase() !== route.baseRepo.toLowerCase();
}

const code = (s: string): string => `\`${s.replace(/`/g, "ˋ")}\``;

export function evaluateFlow(route: PullRequestRoute, config: CompiledConfig): FlowVerdict {
  const { source, target } = route;
  if (!isGoverned(target, config)) return { governed: false, target };

  const fromFork = isFromFork(route);
  const flows = config.compiled.flows;
  const sourceMatches = (f: CompiledFlow): boolean => matches(f.from, source) && !f.except.some((e) => matches(e, source));
  const into = flows.filter((f) => matches(f.into, target));

  const allowed = into.find((f) => sourceMatches(f) && (!fromFork || f.flow.allow_forks));
  if (allowed) {
    const origin = fromFork ? `a fork (${route.headRepo})` : "this repository";
    return {
      governed: true,
      allowed: true,
      target,
      source,
      fromFork,
      flow: { name: allowed.flow.name, kind: allowed.flow.kind },
      reason: `${code(source)} from ${origin} → ${code(target)} is the ${allowed.flow.name} flow.`,
    };
  }
  const { reason, fix } = explainDenial(route, config, flows, into, fromFork, sourceMatches);
  return { governed: true, allowed: false, target, source, fromFork, reason, fix };
}

function explainDenial(
  route: PullRequestRoute,
  config: CompiledConfig,
  flows: readonly CompiledFlow[],
  into: readonly CompiledFlow[],
  fromFork: boolean,
  sourceMatches: (f: CompiledFlow) => boolean,
): { reason: string; fix: string } {
  const { source, target } = route;
  const { production, development, hotfix_prefix: hotfix } = config.branches;
  const p = config.compiled.placeholders;
  const shown = (pattern: string): string => code(pattern.replace(/\{([a-z_]+)\}/g, (whole, key: string) => p[key] ?? whole));
  const allowedSources = into.map((f) => `${shown(f.flow.from)} (${f.flow.name}${f.flow.allow_forks ? "" : ", same repository only"})`);
  const allowedList = allowedSources.length ? allowedSources.join(", ") : "nothing (no flow targets this branch)";
  const base = `No flow allows ${code(source)} → ${code(target)}. Allowed into ${code(target)}: ${allowedList}.`;

  const forkBlocked = into.find((f) => sourceMatches(f) && fromFork && !f.flow.allow_forks);
  if (forkBlocked) {
    return {
      reason: `${code(source)} comes from the fork ${route.headRepo ?? "(deleted repository)"}. A fork's branch is never the ${forkBlocked.flow.name} flow, even with the same name: only ${shown(forkBlocked.flow.from)} in ${route.baseRepo} is.`,
      fix:
        forkBlocked.flow.kind === "hotfix" || forkBlocked.flow.kind === "sync"
          ? `Push the branch to ${route.baseRepo} (a maintainer can do this) and open the PR from there.`
          : `Open the PR from a branch in ${route.baseRepo}.`,
    };
  }

  if (target === development && (source === production || source.startsWith(hotfix))) {
    const what = source === production ? `${code(production)} reaches ${code(development)}` : "A hotfix reaches " + code(development);
    return {
      reason: `${what} through the backport PR that branch-steward opens after the hotfix merges into ${code(production)}. ${base}`,
      fix:
        source === production
          ? `Close this PR. Merge each hotfix into ${code(production)}; branch-steward then opens its backport PR into ${code(development)}.`
          : `Retarget this PR to ${code(production)}. Once it merges, branch-steward opens the backport PR into ${code(development)}. If the change is not a production fix, rename the branch so it does not start with ${code(hotfix)}.`,
    };
  }

  const caseTwin = [production, development].find((b) => b !== source && b.toLowerCase() === source.toLowerCase());
  if (caseTwin) {
    return {
      reason: `${code(source)} differs from ${code(caseTwin)} only in letter case; branch names are case-sensitive, so it is not the ${code(caseTwin)} branch. ${base}`,
      fix: `Open the PR from ${code(caseTwin)}, or retarget it as a feature branch into ${code(development)}.`,
    };
  }

  const suggestion = retargetSuggestion(route, flows, fromFork, sourceMatches);
  return { reason: base, fix: suggestion ?? `Open the PR from an allowed source branch, or add a flow to .github/branch-steward.yml.` };
}

/** The literal target some flow would accept this source into, phrased as a fix. */
function retargetSuggestion(
  route: PullRequestRoute,
  flows: readonly CompiledFlow[],
  fromFork: boolean,
  sourceMatches: (f: CompiledFlow) => boolean,
): string | undefined {
  for (const c of flows) {
    if (!sourceMatches(c) || (fromFork && !c.flow.allow_forks)) continue;
    const literal = literalTarget(c.into);
    if (literal && literal !== route.target) {
      return `Retarget this PR to ${code(literal)} (the ${c.flow.name} flow). ${c.flow.kind === "feature" ? "It reaches production with the next sync." : ""}`.trim();
    }
  }
  return undefined;
}

/** The branch a pattern names when it matches exactly one branch, e.g. `{development}`. */
function literalTarget(p: CompiledPattern): string | undefined {
  return p.literal;
}
