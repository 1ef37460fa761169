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

/** A source a flow into the target accepts: its `from` pattern with the placeholders filled in. */
export interface AllowedSource {
  readonly from: string;
  readonly flow: string;
  readonly allowForks: boolean;
}

/** Why a governed pair is denied, as data; render/flow.ts says it and what to do. */
export type FlowDenial =
  /** The source matches a flow that refuses forks. */
  | { readonly kind: "fork"; readonly flow: { readonly name: string; readonly kind: FlowKind; readonly from: string } }
  /** Production or a hotfix into development: that is the backport PR's job. */
  | { readonly kind: "via-backport"; readonly from: "production" | "hotfix"; readonly production: string; readonly hotfixPrefix: string }
  /** The source differs from production or development only in letter case. */
  | { readonly kind: "case-twin"; readonly twin: string; readonly development: string }
  /** No flow matches; `suggestion` is a literal target some flow would accept this source into. */
  | { readonly kind: "no-flow"; readonly suggestion?: { readonly target: string; readonly flow: string; readonly kind: FlowKind } };

interface GovernedPair {
  readonly governed: true;
  readonly target: string;
  readonly source: string;
  readonly fromFork: boolean;
  readonly baseRepo: string;
  /** The head branch's repository; null when the fork was deleted. */
  readonly headRepo: string | null;
}

export type FlowVerdict =
  | { readonly governed: false; readonly target: string }
  | (GovernedPair & { readonly allowed: true; readonly flow: { readonly name: string; readonly kind: FlowKind } })
  | (GovernedPair & { readonly allowed: false; readonly denial: FlowDenial; readonly allowedSources: readonly AllowedSource[] });

export function isGoverned(target: string, config: CompiledConfig): boolean {
  return config.compiled.governed.some((g) => matches(g, target));
}

/** True when the head branch lives in another repository (or its repository is gone). */
export function isFromFork(route: PullRequestRoute): boolean {
  return route.headRepo === null || route.headRepo.toLowerCase() !== route.baseRepo.toLowerCase();
}

export function evaluateFlow(route: PullRequestRoute, config: CompiledConfig): FlowVerdict {
  const { source, target } = route;
  if (!isGoverned(target, config)) return { governed: false, target };

  const fromFork = isFromFork(route);
  const pair: GovernedPair = { governed: true, target, source, fromFork, baseRepo: route.baseRepo, headRepo: route.headRepo };
  const flows = config.compiled.flows;
  const sourceMatches = (f: CompiledFlow): boolean => matches(f.from, source) && !f.except.some((e) => matches(e, source));
  const into = flows.filter((f) => matches(f.into, target));

  const allowed = into.find((f) => sourceMatches(f) && (!fromFork || f.flow.allow_forks));
  if (allowed) return { ...pair, allowed: true, flow: { name: allowed.flow.name, kind: allowed.flow.kind } };
  const expand = (pattern: string): string => pattern.replace(/\{([a-z_]+)\}/g, (whole, key: string) => config.compiled.placeholders[key] ?? whole);
  const allowedSources = into.map((f) => ({ from: expand(f.flow.from), flow: f.flow.name, allowForks: f.flow.allow_forks }));
  return { ...pair, allowed: false, denial: denialOf(route, config, { flows, into, fromFork, sourceMatches, expand }), allowedSources };
}

interface DenialContext {
  readonly flows: readonly CompiledFlow[];
  readonly into: readonly CompiledFlow[];
  readonly fromFork: boolean;
  readonly sourceMatches: (f: CompiledFlow) => boolean;
  readonly expand: (pattern: string) => string;
}

function denialOf(route: PullRequestRoute, config: CompiledConfig, c: DenialContext): FlowDenial {
  const { source, target } = route;
  const { production, development, hotfix_prefix: hotfixPrefix } = config.branches;

  const forkBlocked = c.into.find((f) => c.sourceMatches(f) && c.fromFork && !f.flow.allow_forks);
  if (forkBlocked) return { kind: "fork", flow: { name: forkBlocked.flow.name, kind: forkBlocked.flow.kind, from: c.expand(forkBlocked.flow.from) } };

  if (target === development && (source === production || source.startsWith(hotfixPrefix))) {
    return { kind: "via-backport", from: source === production ? "production" : "hotfix", production, hotfixPrefix };
  }

  const twin = [production, development].find((b) => b !== source && b.toLowerCase() === source.toLowerCase());
  if (twin) return { kind: "case-twin", twin, development };

  const suggestion = retargetSuggestion(route, c);
  return suggestion ? { kind: "no-flow", suggestion } : { kind: "no-flow" };
}

/** The literal target some flow would accept this source into. */
function retargetSuggestion(route: PullRequestRoute, c: DenialContext): { target: string; flow: string; kind: FlowKind } | undefined {
  for (const f of c.flows) {
    if (!c.sourceMatches(f) || (c.fromFork && !f.flow.allow_forks)) continue;
    const literal = literalTarget(f.into);
    if (literal && literal !== route.target) return { target: literal, flow: f.flow.name, kind: f.flow.kind };
  }
  return undefined;
}

/** The branch a pattern names when it matches exactly one branch, e.g. `{development}`. */
function literalTarget(p: CompiledPattern): string | undefined {
  return p.literal;
}
