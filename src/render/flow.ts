/**
 * The flow rule in words: why a pair is allowed, or why it is denied and what to do instead.
 * policy/flow.ts decides (a FlowVerdict with a FlowDenial); this only says it.
 */
import type { FlowDenial, FlowVerdict } from "../policy/flow.js";
import { code } from "./markdown.js";

type Governed = Extract<FlowVerdict, { governed: true }>;
type Denied = Extract<FlowVerdict, { allowed: false }>;

/** The row's detail for an allowed pair: which flow it is, and where the source lives. */
export function allowedText(v: Extract<FlowVerdict, { allowed: true }>): string {
  const origin = v.fromFork ? `a fork (${v.headRepo})` : "this repository";
  return `${code(v.source)} from ${origin} → ${code(v.target)} is the ${v.flow.name} flow.`;
}

/** "No flow allows a → b. Allowed into b: …": the sources the target accepts. */
function noFlowText(v: Denied): string {
  const sources = v.allowedSources.map((s) => `${code(s.from)} (${s.flow}${s.allowForks ? "" : ", same repository only"})`);
  const list = sources.length ? sources.join(", ") : "nothing (no flow targets this branch)";
  return `No flow allows ${code(v.source)} → ${code(v.target)}. Allowed into ${code(v.target)}: ${list}.`;
}

/** Why the pair is denied and what to do, by the kind of denial. */
export function denialText(v: Denied): { reason: string; fix: string } {
  const d: FlowDenial = v.denial;
  const base = noFlowText(v);
  switch (d.kind) {
    case "fork":
      return {
        reason: `${code(v.source)} comes from the fork ${v.headRepo ?? "(deleted repository)"}. A fork's branch is never the ${d.flow.name} flow, even with the same name: only ${code(d.flow.from)} in ${v.baseRepo} is.`,
        fix:
          d.flow.kind === "hotfix" || d.flow.kind === "sync"
            ? `Push the branch to ${v.baseRepo} (a maintainer can do this) and open the PR from there.`
            : `Open the PR from a branch in ${v.baseRepo}.`,
      };
    case "via-backport": {
      const what = d.from === "production" ? `${code(d.production)} reaches ${code(v.target)}` : "A hotfix reaches " + code(v.target);
      return {
        reason: `${what} through the backport PR that branch-steward opens after the hotfix merges into ${code(d.production)}. ${base}`,
        fix:
          d.from === "production"
            ? `Close this PR. Merge each hotfix into ${code(d.production)}; branch-steward then opens its backport PR into ${code(v.target)}.`
            : `Retarget this PR to ${code(d.production)}. Once it merges, branch-steward opens the backport PR into ${code(v.target)}. If the change is not a production fix, rename the branch so it does not start with ${code(d.hotfixPrefix)}.`,
      };
    }
    case "case-twin":
      return {
        reason: `${code(v.source)} differs from ${code(d.twin)} only in letter case; branch names are case-sensitive, so it is not the ${code(d.twin)} branch. ${base}`,
        fix: `Open the PR from ${code(d.twin)}, or retarget it as a feature branch into ${code(d.development)}.`,
      };
    case "no-flow":
      return { reason: base, fix: d.suggestion ? retargetText(d.suggestion) : "Open the PR from an allowed source branch, or add a flow to .github/branch-steward.yml." };
  }
}

function retargetText(s: NonNullable<Extract<FlowDenial, { kind: "no-flow" }>["suggestion"]>): string {
  return `Retarget this PR to ${code(s.target)} (the ${s.flow} flow). ${s.kind === "feature" ? "It reaches production with the next sync." : ""}`.trim();
}

/** `development → production`: the pair as plain text (titles and headlines). */
export const pairText = (v: Governed): string => `${v.source} → ${v.target}`;
