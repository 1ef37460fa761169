/**
 * `branch-steward audit`: check a repository against the flow and print the findings (or, with
 * `--json`, one stable JSON document). Reads only; never writes. The facts are read by
 * github/audit-facts.ts, judged by policy/audit.ts and worded by render/audit.ts, which the app's
 * dashboard calls as well.
 */
import { parseArgs } from "node:util";
import type { Octokit } from "@octokit/rest";
import { loadConfig } from "../config/load.js";
import { readAuditFacts } from "../github/audit-facts.js";
import { httpStatus } from "../github/errors.js";
import type { Octokit as AppOctokit } from "../github/types.js";
import { auditExitCode, auditRepository, DEFAULT_FAIL_ON, isSeverity, SEVERITIES, type Severity } from "../policy/audit.js";
import { protectionIssues } from "../policy/protection.js";
import { auditJson, renderAuditText } from "../render/audit.js";
import { appIdFrom, authFrom, configIssueLines, configSource, connect, messageOf, repoArg, runSubcommand, UsageError, type ConnectOptions, type Io } from "./protect.js";

export const AUDIT_USAGE = `Usage: branch-steward audit --repo owner/name [--json] [--fail-on error|warning|info] [--app-id N] [--api-url URL]

Check a repository against branch-steward's flow, using .github/branch-steward.yml (read as the app
does): pull-request-only merges, no force pushes or deletions on production and development, the
check "branch-steward / <branch>" required and pinned to the app, up to date where up_to_date asks,
the configured approvals, who can bypass, validation configured for the sync flow, merge_group
handled when a merge queue is on, version tags protected, every production merge tagged, no version
tag off production's history, no non-semver tag with the version prefix, hotfixes backported, no
production commit missing from development, and the days since the last sync. Reads only.

Each finding has a severity (error, warning, info), the Scorecard Branch-Protection tier it maps to,
what it means and the exact fix. A part that cannot be read (classic protection needs admin rights)
is named, with the reason; what depends on it is reported as unverified.

Options:
  --repo owner/name     repository to audit (required)
  --json                print one JSON document instead of text
  --fail-on SEVERITY    exit 1 when a finding is at or above it (default: ${DEFAULT_FAIL_ON})
  --app-id N            id of the app the check must be pinned to (default: APP_ID, or GET /app;
                        with a token and no id, a check pinned to any app is accepted)
  --api-url URL         REST API base URL (default: GITHUB_API_URL or https://api.github.com)
  -h, --help            show this help

Authentication: as for protect (GITHUB_TOKEN or GH_TOKEN; or APP_ID + PRIVATE_KEY[_PATH], which also
lets the audit read the app's webhook events).

Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it (or an API error),
2 bad usage or bad configuration.`;

export interface AuditOptions extends ConnectOptions {
  readonly json: boolean;
  readonly failOn: Severity;
  /** The clock (tests). */
  readonly now?: () => Date;
}

/** Parse `audit` arguments and the environment (throws UsageError). */
export function auditOptionsFrom(args: readonly string[], env: Readonly<Record<string, string | undefined>>): AuditOptions | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        repo: { type: "string" },
        json: { type: "boolean", default: false },
        "fail-on": { type: "string" },
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
  const failOn = values["fail-on"] ?? DEFAULT_FAIL_ON;
  if (!isSeverity(failOn)) throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(", ")}, got "${failOn}"`);
  const appId = appIdFrom(values["app-id"], env);
  const apiUrl = values["api-url"] ?? env.GITHUB_API_URL;
  return {
    ...where,
    json: values.json ?? false,
    failOn,
    auth: authFrom(env),
    ...(appId !== undefined ? { appId } : {}),
    ...(apiUrl ? { apiUrl: apiUrl.replace(/\/+$/, "") } : {}),
  };
}

/** The app's webhook events, from its registration (`GET /app`), when app credentials were given. */
function appEventsReader(app: Octokit | null): { appEvents?: () => Promise<readonly string[]>; appEventsUnknown?: string } {
  if (!app) return { appEventsUnknown: "a token cannot read the app's registration; run the audit with the app's credentials (APP_ID and PRIVATE_KEY)" };
  return { appEvents: async () => (await app.rest.apps.getAuthenticated()).data?.events ?? [] };
}

/** Run the audit; returns the exit code. */
export async function audit(options: AuditOptions, io: Io): Promise<number> {
  const fullName = `${options.owner}/${options.repo}`;
  try {
    const { octokit, appId, app } = await connect(options, true);
    const where = { owner: options.owner, repo: options.repo };
    const result = await loadConfig(configSource(octokit, where));
    const issues = result.ok ? protectionIssues(result.config) : result.issues;
    if (!result.ok || issues.length > 0) {
      for (const line of configIssueLines(issues)) io.err(line);
      return 2;
    }
    const facts = await readAuditFacts(octokit as unknown as AppOctokit, where, result.config, { appId, ...appEventsReader(app), ...(options.now ? { now: options.now } : {}) });
    const report = auditRepository(result.config, facts);
    const code = auditExitCode(report.findings, options.failOn);
    if (options.json) io.out(JSON.stringify(auditJson(report, options.failOn, code), null, 2));
    else for (const line of renderAuditText(report, options.failOn)) io.out(line);
    return code;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`branch-steward audit: ${error.message}`);
      return 2;
    }
    const status = httpStatus(error);
    io.err(`branch-steward audit: ${fullName}: ${status ? `HTTP ${status}: ` : ""}${messageOf(error)}`);
    return 1;
  }
}

/** `branch-steward audit …` (after the command name); returns the exit code. */
export function auditCommand(args: readonly string[], env: Readonly<Record<string, string | undefined>>, io: Io): Promise<number> {
  return runSubcommand("audit", AUDIT_USAGE, () => auditOptionsFrom(args, env), (options) => audit(options, io), io);
}
