/**
 * Reads `.github/branch-steward.yml` through Probot's `context.config`: from the repository's
 * **default branch** (never the PR head, which would let a PR rewrite its own rules), with the
 * organisation's `.github` repository as fallback and `_extends` support. Lists are replaced,
 * not concatenated, when one file extends another.
 */
import type { Context } from "probot";
import { CONFIG_FILE, DEFAULT_CONFIG } from "./schema.js";
import { parseConfig, type ConfigResult } from "./parse.js";

const PLUGIN_ERROR = "[@probot/octokit-plugin-config]";

export async function loadConfig(context: Pick<Context, "config">): Promise<ConfigResult> {
  let raw: unknown;
  try {
    raw = await context.config(CONFIG_FILE, undefined, { arrayMerge: (_base: unknown[], override: unknown[]) => override });
  } catch (error) {
    // The plugin's own errors are about the file's content (bad YAML, bad _extends, a directory);
    // anything else (network, 5xx) is not a config error and must fail the delivery.
    const message = error instanceof Error ? error.message : String(error);
    if (!message.startsWith(PLUGIN_ERROR)) throw error;
    const cause = error instanceof Error && error.cause instanceof Error ? ` ${firstLine(error.cause.message)}` : "";
    const text = humanizeUrls(message.slice(PLUGIN_ERROR.length).trim()) + cause;
    return { ok: false, config: DEFAULT_CONFIG, issues: [{ path: "", message: text }] };
  }
  return parseConfig(raw);
}

/** `https://api.github.com/repos/o/r/contents/.github%2Fx.yml` → `o/r:.github/x.yml` */
function humanizeUrls(text: string): string {
  return text.replace(/\S*\/repos\/([^/\s]+)\/([^/\s]+)\/contents\/(\S+)/g, (_m, owner: string, repo: string, path: string) => {
    return `${owner}/${repo}:${decodeURIComponent(path.replace(/\?.*$/, ""))}`;
  });
}

const firstLine = (s: string): string => s.split("\n")[0] ?? s;
