/**
 * Reads `.github/branch-steward.yml` from the repository's **default branch** (never the PR head,
 * which would let a PR rewrite its own rules), with the owner's `.github` repository as fallback
 * and `_extends` support, as Probot's `context.config` does. Lists are replaced, not
 * concatenated, when one file extends another.
 *
 * Unlike Probot, `_extends` stays within the repository's owner: a file may extend only another
 * repository of the same owner. Anything else is a config error at `_extends`, decided before
 * anything is fetched, so nothing of another owner's file is ever read, let alone echoed.
 */
import type { Context } from "probot";
import { parse as parseYaml } from "yaml";
import { readConfigFile, type ConfigFileContent, type ConfigFileRef } from "../github/config-file.js";
import { CONFIG_PATH } from "./schema.js";
import { DEFAULT_COMPILED, parseConfig, type ConfigIssue, type ConfigResult } from "./parse.js";

/** Files in one chain of `_extends`, the repository's own included: a chain is short, a longer one is a mistake. */
export const MAX_EXTENDS_CHAIN = 5;

type Read = (file: ConfigFileRef) => Promise<ConfigFileContent>;
type Mapping = Record<string, unknown>;

export async function loadConfig(context: Pick<Context, "octokit" | "repo">): Promise<ConfigResult> {
  const { owner, repo } = context.repo();
  return resolveConfig((file) => readConfigFile(context.octokit, file), { owner, repo });
}

/** The configuration of `home`, reading files through `read` (GitHub in production). */
export async function resolveConfig(read: Read, home: { owner: string; repo: string }): Promise<ConfigResult> {
  const own: ConfigFileRef = { owner: home.owner, repo: home.repo, path: CONFIG_PATH };
  let file = own;
  let content = await read(own);
  if (content.kind === "missing" && home.repo !== ".github") {
    file = { owner: home.owner, repo: ".github", path: CONFIG_PATH };
    content = await read(file);
  }
  const configs: Mapping[] = []; // the repository's own file first, then what it extends
  const seen: ConfigFileRef[] = [];
  const failed = (issue: ConfigIssue): ConfigResult => {
    // Still read the files so far (a renamed production branch still receives the failing check).
    const partial = configs.length > 0 ? parseConfig(mergeConfigs(configs)).config : DEFAULT_COMPILED;
    return { ok: false, config: partial, issues: [issue] };
  };
  for (;;) {
    if (content.kind === "missing") break;
    if (content.kind === "not-a-file") return failed({ path: "", message: `${describeFile(file)} is a directory or a submodule, not a file` });
    const parsed = parseFile(content.text, file);
    if ("issue" in parsed) return failed(parsed.issue);
    seen.push(file);
    const { _extends: extendsValue, ...config } = parsed.config;
    configs.push(config);
    if (extendsValue === undefined) break;
    const where = file === own ? "" : ` (in ${describeFile(file)})`;
    const next = extendsTarget(extendsValue, home.owner);
    if ("error" in next) return failed({ path: "_extends", message: `${next.error}${where}` });
    if (seen.some((s) => sameFile(s, next))) {
      return failed({ path: "_extends", message: `${describeFile(next)} was already read: the files extend each other in a loop${where}` });
    }
    if (seen.length >= MAX_EXTENDS_CHAIN) {
      return failed({ path: "_extends", message: `more than ${MAX_EXTENDS_CHAIN} files extend one another; shorten the chain${where}` });
    }
    file = next;
    content = await read(next);
  }
  return configs.length === 0 ? parseConfig(null) : parseConfig(mergeConfigs(configs));
}

/** `repo`, `owner/repo` or either with `:path.yml`, as Probot reads `_extends`. */
const EXTENDS = /^(?:([a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38})\/)?([-_.\w]{1,100})(?::([-_./\w]{1,200}\.ya?ml))?$/i;

/** Where `_extends` points, or why it may not be followed. Pure; exported for tests. */
export function extendsTarget(value: unknown, owner: string): ConfigFileRef | { error: string } {
  const usage = "use `repo` or `repo:path/to/file.yml` (a repository of this owner)";
  if (typeof value !== "string" || value.length > 300) return { error: `not a repository name; ${usage}` };
  const m = EXTENDS.exec(value);
  if (!m) return { error: `"${value}" is not a repository name; ${usage}` };
  const [, otherOwner, repo, path] = m;
  if (otherOwner !== undefined && otherOwner.toLowerCase() !== owner.toLowerCase()) {
    return {
      error: `"${value}" names a repository of ${otherOwner}, another owner: a configuration may extend only repositories of ${owner} (such as ${owner}/.github), so it was not read`,
    };
  }
  return { owner, repo: repo as string, path: path ?? CONFIG_PATH };
}

function parseFile(text: string, file: ConfigFileRef): { config: Mapping } | { issue: ConfigIssue } {
  let value: unknown;
  try {
    value = parseYaml(text, { logLevel: "error" }) ?? {};
  } catch (error) {
    const detail = error instanceof Error ? ` ${firstLine(error.message)}` : "";
    return { issue: { path: "", message: `Configuration could not be parsed from ${describeFile(file)} (invalid YAML)${detail}` } };
  }
  if (!isMapping(value)) return { issue: { path: "", message: `${describeFile(file)} must be a YAML mapping of keys to values` } };
  return { config: value };
}

/**
 * The files merged, the repository's own first (it wins): mappings merge key by key, anything
 * else (lists included) is replaced. Pure; exported for tests.
 */
export function mergeConfigs(configs: readonly Mapping[]): Mapping {
  return configs.reduceRight<Mapping>((base, override) => merge(base, override) as Mapping, {});
}

function merge(base: unknown, override: unknown): unknown {
  if (!isMapping(base) || !isMapping(override)) return override;
  const keys = new Set([...Object.keys(base), ...Object.keys(override)]);
  // fromEntries defines every key as data, `__proto__` included.
  return Object.fromEntries(
    [...keys].map((k) => [k, !Object.hasOwn(override, k) ? base[k] : Object.hasOwn(base, k) ? merge(base[k], override[k]) : override[k]]),
  );
}

const isMapping = (v: unknown): v is Mapping => typeof v === "object" && v !== null && !Array.isArray(v);
const sameFile = (a: ConfigFileRef, b: ConfigFileRef): boolean =>
  a.owner.toLowerCase() === b.owner.toLowerCase() && a.repo.toLowerCase() === b.repo.toLowerCase() && a.path === b.path;
const describeFile = (f: ConfigFileRef): string => `${f.owner}/${f.repo}:${f.path}`;
const firstLine = (s: string): string => s.split("\n")[0] ?? s;
