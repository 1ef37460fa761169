/**
 * `branch-steward protect`: apply the branch protection the flow needs (protection as code).
 *
 * Reads the configuration as the app does (src/config/load.ts: the default branch, the owner's
 * `.github` repository as fallback, `_extends` within the owner), computes the desired protection of
 * the production and development branches (src/policy/protection.ts) and PUTs it only where it
 * differs. `--dry-run` prints the differences and writes nothing.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Context } from "probot";
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import { loadConfig } from "../config/load.js";
import type { ConfigIssue } from "../config/parse.js";
import { CONFIG_PATH } from "../config/schema.js";
import { renderConfigInvalid } from "../render/config.js";
import { errorText, httpStatus } from "../github/errors.js";
import type { Octokit as AppOctokit, RepoRef } from "../github/types.js";
import type { CompiledConfig } from "../config/compile.js";
import { listRulesets, writeRuleset } from "../github/rulesets.js";
import { desiredRulesets, diffRuleset, RULESET_NAMES, type Ruleset } from "../policy/rulesets.js";
import { rulesetChangeText } from "../render/rulesets.js";
import { auditCommand } from "./audit.js";
import {
  desiredProtection,
  diffProtection,
  fromGitHub,
  protectionIssues,
  toGitHubRequest,
  type Protection,
} from "../policy/protection.js";

export const USAGE = `Usage: branch-steward protect --repo owner/name [--dry-run] [--rulesets] [--app-id N] [--api-url URL]
       branch-steward audit --repo owner/name [--json] [--fail-on error|warning|info] [--app-id N] [--api-url URL]

protect: apply the branch protection branch-steward's flow needs to the production and development
branches named in .github/branch-steward.yml (read from the default branch): the required
check "branch-steward / <branch>" pinned to the app, "up to date" (strict) per up_to_date,
the configured required approvals, no force pushes, no deletions. Other required checks and
settings are kept. Writes only when something differs.

With --rulesets, the same as repository rulesets instead of classic protection: one ruleset per
branch (pull requests only, production merged with merge commits), and one for the version tags
(<tag_prefix>*) that only the app may create, update or delete. Other rules and rulesets are kept.

audit: check the repository against the flow and print findings (see "branch-steward audit --help").

Options:
  --repo owner/name   repository to protect (required)
  --rulesets          write repository rulesets instead of classic branch protection
  --dry-run           print the changes per branch, write nothing
  --app-id N          id of the app the check is pinned to (default: APP_ID, or GET /app)
  --api-url URL       REST API base URL (default: GITHUB_API_URL or https://api.github.com)
  -h, --help          show this help

Authentication (first that is set):
  GITHUB_TOKEN or GH_TOKEN                  a token with administration write access
  APP_ID + PRIVATE_KEY or PRIVATE_KEY_PATH  the app itself (via the repo's installation)

Exit codes: 0 done (or nothing to do), 1 API error (or a ruleset GitHub refused to write), 2 bad usage
or bad configuration.`;

/** Where output goes; the CLI writes to stdout/stderr, tests collect lines. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export type Auth =
  | { readonly kind: "token"; readonly token: string }
  | { readonly kind: "app"; readonly appId: string; readonly privateKey: string };

export interface ProtectOptions {
  readonly owner: string;
  readonly repo: string;
  readonly dryRun: boolean;
  /** Write repository rulesets instead of classic branch protection. */
  readonly rulesets?: boolean;
  readonly auth: Auth;
  /** App the required check is pinned to; with app auth, GET /app when absent. */
  readonly appId?: number;
  readonly apiUrl?: string;
  /** Octokit class to use (tests add plugins). */
  readonly Octokit?: typeof Octokit;
}

export class UsageError extends Error {}

export const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** GitHub's own message for a failed request (`Branch not protected`), else the error's text. */
export const messageOf = (error: unknown): string => {
  const data = (error as { response?: { data?: { message?: unknown } } }).response?.data;
  return typeof data?.message === "string" ? data.message : error instanceof Error ? error.message : errorText(error).trim();
};

/** What `connect` needs: the repository, the credentials, and optionally the app id and API URL. */
export type ConnectOptions = Pick<ProtectOptions, "owner" | "repo" | "auth" | "appId" | "apiUrl" | "Octokit">;

/**
 * Octokit for the repository, and the app id (with a token, `--app-id`; with app credentials, from
 * GET /app when absent). `app` is the app-authenticated client when app credentials were used.
 */
export async function connect(options: ConnectOptions): Promise<{ octokit: Octokit; appId: number; app: Octokit | null }>;
export async function connect(options: ConnectOptions, appIdOptional: true): Promise<{ octokit: Octokit; appId: number | null; app: Octokit | null }>;
export async function connect(options: ConnectOptions, appIdOptional = false): Promise<{ octokit: Octokit; appId: number | null; app: Octokit | null }> {
  const OctokitClass = options.Octokit ?? Octokit;
  const base = { baseUrl: options.apiUrl ?? "https://api.github.com", log: silent, userAgent: "branch-steward-protect" };
  if (options.auth.kind === "token") {
    if (options.appId === undefined && !appIdOptional) throw new UsageError("with a token, the app id is needed: pass --app-id or set APP_ID");
    return { octokit: new OctokitClass({ ...base, auth: options.auth.token }), appId: options.appId ?? null, app: null };
  }
  const credentials = { appId: options.auth.appId, privateKey: options.auth.privateKey };
  const app = new OctokitClass({ ...base, authStrategy: createAppAuth, auth: credentials });
  const appId = options.appId ?? (await app.rest.apps.getAuthenticated()).data?.id;
  if (typeof appId !== "number") throw new Error("GET /app did not return the app id");
  const installation = await app.rest.apps.getRepoInstallation({ owner: options.owner, repo: options.repo }).catch((error: unknown) => {
    if (httpStatus(error) === 404) throw new Error(`the app is not installed on ${options.owner}/${options.repo}`);
    throw error;
  });
  const octokit = new OctokitClass({ ...base, authStrategy: createAppAuth, auth: { ...credentials, installationId: installation.data.id } });
  return { octokit, appId, app };
}

/** What the app's config loader needs from a webhook context, built from the CLI's client and `--repo`. */
export function configSource(octokit: Octokit, where: RepoRef): Pick<Context, "octokit" | "repo"> {
  // The loader only calls `octokit.request` (GET contents), which @octokit/rest has too, and
  // `repo()`, whose Probot type is per event (for no event in particular it is `never`).
  const repo = () => ({ owner: where.owner, repo: where.repo });
  return { octokit: octokit as unknown as AppOctokit, repo: repo as unknown as Context["repo"] };
}

async function currentProtection(octokit: Octokit, owner: string, repo: string, branch: string): Promise<Protection | null> {
  try {
    const response = await octokit.rest.repos.getBranchProtection({ owner, repo, branch });
    return fromGitHub(response.data);
  } catch (error) {
    if (httpStatus(error) === 404 && messageOf(error) === "Branch not protected") return null;
    if (httpStatus(error) === 404) throw new Error(`branch "${branch}" of ${owner}/${repo}: ${messageOf(error)}`);
    throw error;
  }
}

/** Why the configuration is invalid, in the app's one text for it (the command then exits 2). */
export function configIssueLines(issues: readonly ConfigIssue[]): string[] {
  const { title, body } = renderConfigInvalid(issues, "cli");
  return [title, body];
}

function printIssues(io: Io, issues: readonly ConfigIssue[]): void {
  for (const line of configIssueLines(issues)) io.err(line);
}

/** Run the command; returns the exit code. */
export async function protect(options: ProtectOptions, io: Io): Promise<number> {
  const fullName = `${options.owner}/${options.repo}`;
  try {
    const { octokit, appId } = await connect(options);
    const { owner, repo } = options;

    const result = await loadConfig(configSource(octokit, { owner, repo }));
    if (!result.ok) {
      printIssues(io, result.issues);
      return 2;
    }
    const keyIssues = protectionIssues(result.config);
    if (keyIssues.length > 0) {
      printIssues(io, keyIssues);
      return 2;
    }
    io.out(`${fullName}: ${result.fromFile ? CONFIG_PATH : `no ${CONFIG_PATH}, using the defaults`}; check pinned to app ${appId}`);
    if (options.rulesets) return await protectWithRulesets(octokit, { owner, repo }, result.config, appId, options.dryRun, io);

    const { production, development } = result.config.branches;
    const current: Record<string, Protection | null> = {};
    for (const branch of new Set([production, development])) current[branch] = await currentProtection(octokit, owner, repo, branch);

    let pending = 0;
    for (const plan of desiredProtection(result.config, appId, current)) {
      const changes = diffProtection(current[plan.branch] ?? null, plan.desired);
      const label = `${plan.branch} (${plan.role})`;
      if (changes.length === 0) {
        io.out(`${label}: up to date, nothing to change`);
        continue;
      }
      pending += changes.length;
      if (options.dryRun) {
        io.out(`${label}: would change ${changes.length} setting(s):`);
      } else {
        // `checks` only: GitHub rejects a body with both `checks` and the deprecated `contexts` (422),
        // although its OpenAPI description (and so Octokit's types) lists `contexts` as required.
        await octokit.request("PUT /repos/{owner}/{repo}/branches/{branch}/protection", {
          owner,
          repo,
          branch: plan.branch,
          ...toGitHubRequest(plan.desired),
        } as unknown as Parameters<typeof octokit.rest.repos.updateBranchProtection>[0]);
        io.out(`${label}: changed ${changes.length} setting(s):`);
      }
      for (const change of changes) io.out(`  - ${change}`);
    }
    if (options.dryRun) io.out(pending > 0 ? "dry run: nothing was written" : "dry run: nothing to write");
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`branch-steward protect: ${error.message}`);
      return 2;
    }
    const status = httpStatus(error);
    io.err(`branch-steward protect: ${fullName}: ${status ? `HTTP ${status}: ` : ""}${messageOf(error)}`);
    return 1;
  }
}

/**
 * `--rulesets`: our rulesets (policy/rulesets.ts), each written only when it differs. A ruleset
 * GitHub refuses to write (403, 422: an organization policy, a missing permission) is reported and
 * the others are still applied; the exit code is then 1.
 */
async function protectWithRulesets(octokit: Octokit, where: RepoRef, config: CompiledConfig, appId: number, dryRun: boolean, io: Io): Promise<number> {
  const client = octokit as unknown as AppOctokit;
  const fullName = `${where.owner}/${where.repo}`;
  const current = await listRulesets(client, where);
  let pending = 0;
  let refused = 0;
  for (const plan of desiredRulesets(config, appId, current, fullName)) {
    const changes = diffRuleset(plan.current, plan.desired);
    const label = `ruleset "${plan.desired.name}" (${plan.subject})`;
    if (changes.length === 0) {
      io.out(`${label}: up to date, nothing to change`);
      continue;
    }
    pending += changes.length;
    if (dryRun) {
      io.out(`${label}: would change ${changes.length} setting(s):`);
    } else {
      try {
        await writeRuleset(client, where, plan.desired);
        io.out(`${label}: changed ${changes.length} setting(s):`);
      } catch (error) {
        const status = httpStatus(error);
        if (status !== 403 && status !== 422) throw error;
        refused++;
        io.err(`${label}: GitHub refused to write it (HTTP ${status}: ${messageOf(error)}); the other rulesets are applied`);
        continue;
      }
    }
    for (const change of changes) io.out(`  - ${rulesetChangeText(change)}`);
  }
  const others = current.filter((r) => !plan(r));
  if (others.length > 0) io.out(`${others.length} other ruleset(s) left as they are: ${others.map((r) => `"${r.name}" (${r.sourceType === "Repository" ? "repository" : r.source})`).join(", ")}`);
  if (dryRun) io.out(pending > 0 ? "dry run: nothing was written" : "dry run: nothing to write");
  return refused > 0 ? 1 : 0;

  function plan(r: Ruleset): boolean {
    return r.sourceType === "Repository" && Object.values(RULESET_NAMES).includes(r.name);
  }
}

/** `--app-id`, else a numeric APP_ID (an app's client id such as `Iv1.…` is not an id); throws UsageError. */
export function appIdFrom(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): number | undefined {
  const appIdText = flag ?? env.APP_ID;
  if (flag === undefined && !/^\d+$/.test(appIdText ?? "")) return undefined;
  const appId = Number(appIdText);
  if (!Number.isInteger(appId) || appId <= 0) throw new UsageError(`--app-id must be a positive integer, got "${appIdText ?? ""}"`);
  return appId;
}

/** The credentials in the environment (first that is set: a token, then the app's key); throws UsageError. */
export function authFrom(env: Readonly<Record<string, string | undefined>>): Auth {
  const token = env.GITHUB_TOKEN || env.GH_TOKEN;
  if (token) return { kind: "token", token };
  if (env.APP_ID && (env.PRIVATE_KEY || env.PRIVATE_KEY_PATH)) {
    let privateKey = env.PRIVATE_KEY;
    if (!privateKey) {
      try {
        privateKey = readFileSync(env.PRIVATE_KEY_PATH as string, "utf8");
      } catch (error) {
        throw new UsageError(`cannot read PRIVATE_KEY_PATH: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { kind: "app", appId: env.APP_ID, privateKey: privateKey.replace(/\\n/g, "\n") };
  }
  throw new UsageError("no credentials: set GITHUB_TOKEN (or GH_TOKEN), or APP_ID with PRIVATE_KEY or PRIVATE_KEY_PATH");
}

/** `--repo owner/name` as a repository (throws UsageError). */
export function repoArg(value: string | undefined): { owner: string; repo: string } {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(value ?? "");
  if (!match) throw new UsageError(value ? `--repo must be owner/name, got "${value}"` : "--repo owner/name is required");
  return { owner: match[1] as string, repo: match[2] as string };
}

/** Parse `protect` arguments and the environment into options (throws UsageError). */
export function optionsFrom(args: readonly string[], env: Readonly<Record<string, string | undefined>>): ProtectOptions | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        repo: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        rulesets: { type: "boolean", default: false },
        "app-id": { type: "string" },
        "api-url": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return "help";
  const where = repoArg(values.repo);

  const appId = appIdFrom(values["app-id"], env);
  const auth = authFrom(env);
  if (auth.kind === "token" && appId === undefined) throw new UsageError("with a token, the app id is needed: pass --app-id or set APP_ID");

  const apiUrl = values["api-url"] ?? env.GITHUB_API_URL;
  return {
    ...where,
    dryRun: values["dry-run"] ?? false,
    ...(values.rulesets ? { rulesets: true } : {}),
    auth,
    ...(appId !== undefined ? { appId } : {}),
    ...(apiUrl ? { apiUrl: apiUrl.replace(/\/+$/, "") } : {}),
  };
}

/** `branch-steward <command> …` (protect, audit); returns the exit code. */
export async function cli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "-h" || command === "--help" || command === "help") {
    io.out(USAGE);
    return 0;
  }
  if (command === "audit") return auditCommand(rest, env, io);
  if (command !== "protect") {
    io.err(command ? `unknown command "${command}"` : "missing command");
    io.err(USAGE);
    return 2;
  }
  return runSubcommand("protect", USAGE, () => optionsFrom(rest, env), (options) => protect(options, io), io);
}

/**
 * One subcommand's shell: parse its options (a UsageError prints the message and the usage and
 * exits 2), `--help` prints the usage and exits 0, else run it and return its exit code.
 */
export async function runSubcommand<O>(name: string, usage: string, parse: () => O | "help", run: (options: O) => Promise<number>, io: Io): Promise<number> {
  let options: O | "help";
  try {
    options = parse();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`branch-steward ${name}: ${error.message}`);
    io.err(usage);
    return 2;
  }
  if (options === "help") {
    io.out(usage);
    return 0;
  }
  return run(options);
}
