/** The words of `branch-steward protect --rulesets`: one line per ruleset change. */
import type { BypassActor, RulesetChange } from "../policy/rulesets.js";

const list = (xs: readonly string[]): string => (xs.length === 0 ? "none" : xs.join(", "));
const value = (v: unknown): string => (v === undefined ? "unset" : JSON.stringify(v));
const source = (id: number | null): string => (id === null ? "any source" : `app ${id}`);

export function actorText(a: BypassActor): string {
  const who = a.actorType === "Integration" ? `app ${a.actorId ?? "?"}` : a.actorId === null ? a.actorType : `${a.actorType} ${a.actorId}`;
  return `${who} (${a.bypassMode})`;
}

export function rulesetChangeText(change: RulesetChange): string {
  switch (change.kind) {
    case "create":
      return "create the ruleset";
    case "target":
      return `target: ${change.from} → ${change.to}`;
    case "enforcement":
      return `enforcement: ${change.from} → ${change.to}`;
    case "refs":
      return `${change.field}d refs: ${list(change.from)} → ${list(change.to)}`;
    case "add-rule":
      return `add rule ${change.type}`;
    case "rule-parameter":
      return `${change.type}.${change.key}: ${value(change.from)} → ${value(change.to)}`;
    case "add-check":
      return `add required check "${change.context}" (${source(change.integrationId)})`;
    case "pin-check":
      return `pin required check "${change.context}" to ${source(change.to)} (was ${source(change.from)})`;
    case "add-bypass":
      return `add bypass actor ${actorText(change.actor)}`;
    case "bypass-mode":
      return `bypass actor ${actorText(change.actor)}: mode ${change.from} → ${change.actor.bypassMode}`;
  }
}
