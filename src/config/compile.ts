/**
 * The config value every layer receives: the parsed file plus all its patterns, compiled once
 * (when the file is parsed), so no decision compiles a pattern again.
 */
import { compilePattern, type CompiledPattern, type Placeholders } from "../policy/patterns.js";
import type { Config, FlowConfig } from "./schema.js";

export interface CompiledFlow {
  readonly flow: FlowConfig;
  readonly from: CompiledPattern;
  readonly into: CompiledPattern;
  readonly except: readonly CompiledPattern[];
}

export interface CompiledCheck {
  readonly name: string;
  readonly app: string | undefined;
  /** Maximum age of a passing result, in seconds. */
  readonly maxAgeSeconds: number | undefined;
  readonly pattern: CompiledPattern;
}

export interface CompiledProtection {
  readonly key: string;
  readonly requiredApprovals: number;
  readonly pattern: CompiledPattern;
}

/** A coupling group with its path patterns compiled (see policy/coupling.ts). */
export interface CompiledCouplingGroup {
  readonly name: string;
  readonly when: readonly CompiledPattern[];
  readonly then: readonly CompiledPattern[];
  readonly require: "any" | "all";
  readonly direction: "both" | "one_way";
  readonly appliesTo: readonly FlowConfig["kind"][];
}

export interface CompiledPatterns {
  readonly placeholders: Placeholders;
  readonly governed: readonly CompiledPattern[];
  readonly upToDate: readonly CompiledPattern[];
  readonly flows: readonly CompiledFlow[];
  /** Required checks by flow name. */
  readonly required: Readonly<Record<string, readonly CompiledCheck[]>>;
  /** Every flow's required checks: what counts as release evidence. */
  readonly evidence: readonly CompiledCheck[];
  readonly protection: readonly CompiledProtection[];
  readonly copyLabels: readonly CompiledPattern[];
  readonly coupling: readonly CompiledCouplingGroup[];
}

export type CompiledConfig = Config & { readonly compiled: CompiledPatterns };

/** `{production}`, `{development}`, `{hotfix}` and `{backport}` in patterns. */
export function placeholdersOf(config: Config): Placeholders {
  return {
    production: config.branches.production,
    development: config.branches.development,
    hotfix: config.branches.hotfix_prefix,
    backport: config.branches.backport_prefix,
  };
}

export function compileConfig(config: Config): CompiledConfig {
  const p = placeholdersOf(config);
  const check = (r: { name: string; app?: string | undefined; max_age?: number | undefined }): CompiledCheck => ({
    name: r.name,
    app: r.app,
    maxAgeSeconds: r.max_age,
    pattern: compilePattern(r.name, {}),
  });
  const required = Object.fromEntries(Object.entries(config.validation).map(([flow, v]) => [flow, v.required.map(check)]));
  return {
    ...config,
    compiled: {
      placeholders: p,
      governed: config.governed.map((g) => compilePattern(g, p)),
      upToDate: config.up_to_date.map((u) => compilePattern(u, p)),
      flows: config.flows.map((flow) => ({
        flow,
        from: compilePattern(flow.from, p),
        into: compilePattern(flow.into, p),
        except: flow.except.map((e) => compilePattern(e, p)),
      })),
      required,
      evidence: Object.values(required).flat(),
      protection: Object.entries(config.protection).map(([key, r]) => ({ key, requiredApprovals: r.required_approvals, pattern: compilePattern(key, p) })),
      copyLabels: config.backport.copy_labels.map((l) => compilePattern(l, {})),
      coupling: config.coupling.groups.map((g) => ({
        name: g.name,
        when: g.when.map((w) => compilePattern(w, {})),
        then: g.then.map((t) => compilePattern(t, {})),
        require: g.require,
        direction: g.direction,
        appliesTo: g.applies_to,
      })),
    },
  };
}
