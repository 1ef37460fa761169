/**
 * A loaded config as plain JSON, so a job on the queue (possibly run by another replica) can
 * carry the config its parent event read: a push with N open PRs reads the file once, not N
 * times. The patterns are compiled again where the job runs (once per distinct config per process).
 */
import { compileConfig, type CompiledConfig } from "./compile.js";
import type { ConfigIssue, ConfigResult } from "./parse.js";
import type { Config } from "./schema.js";

export type PortableConfig =
  | { readonly ok: true; readonly fromFile: boolean; readonly config: Config }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[]; readonly config: Config };

function plain(config: CompiledConfig): Config {
  const { compiled: _compiled, ...rest } = config;
  return rest;
}

export function toPortable(result: ConfigResult): PortableConfig {
  return result.ok ? { ok: true, fromFile: result.fromFile, config: plain(result.config) } : { ok: false, issues: result.issues, config: plain(result.config) };
}

const restored = new Map<string, ConfigResult>();
const RESTORED_LIMIT = 50;

/** The ConfigResult again, patterns compiled; the same JSON compiles once per process. */
export function fromPortable(portable: PortableConfig): ConfigResult {
  const key = JSON.stringify(portable);
  const hit = restored.get(key);
  if (hit) return hit;
  const config = compileConfig(portable.config);
  const result: ConfigResult = portable.ok ? { ok: true, fromFile: portable.fromFile, config } : { ok: false, issues: portable.issues, config };
  if (restored.size >= RESTORED_LIMIT) restored.delete(restored.keys().next().value as string);
  restored.set(key, result);
  return result;
}
