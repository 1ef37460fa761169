/**
 * Every word of `branch-steward audit`: each finding's title, what it means and its exact fix
 * (`explainFinding`, also what the dashboard shows), the terminal text, the markdown (fitted to a
 * check run's or a comment's limit) and the stable JSON document.
 */
import type { AuditFinding, AuditResult, Severity, Tier } from "../policy/audit.js";
import { SEVERITIES, STALE_SYNC_DAYS } from "../policy/audit.js";
import { CHECK_TEXT, fitBody, type Limit } from "./limits.js";
import { code, escapeText, inertMarkdown } from "./markdown.js";
import { actorText } from "./rulesets.js";

/** A finding in words: the shape the CLI's JSON and the dashboard use. */
export interface ExplainedFinding {
  readonly id: string;
  readonly severity: Severity;
  /** Scorecard Branch-Protection tier, or null: beyond Scorecard. */
  readonly tier: Tier;
  readonly title: string;
  readonly meaning: string;
  readonly fix: string;
}

export interface AuditWording {
  /** `owner/name`, used in the commands of the fixes. */
  readonly repo: string;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export function explainFinding(f: AuditFinding, w: AuditWording): ExplainedFinding {
  const protect = `run \`branch-steward protect --rulesets --repo ${w.repo}\` (or \`branch-steward protect --repo ${w.repo}\` for classic protection)`;
  const words = ((): { title: string; meaning: string; fix: string } => {
    switch (f.id) {
      case "unreadable":
        return {
          title: `could not read ${f.part}${f.status ? ` (HTTP ${f.status})` : ""}`,
          meaning: `${f.reason}. The audit cannot judge what depends on it: those rules are reported as unverified, never as passing.`,
          fix: "run the audit with a token (or an app installation) that has admin rights on the repository (Administration: read)",
        };
      case "unverified":
        return {
          title: `${f.branch}: could not verify "${f.rule}"`,
          meaning: `Neither the rulesets nor the readable protection show it, and ${f.missing.join(" and ") || "a part"} could not be read: it may hold or not.`,
          fix: `run the audit with admin rights, or ${protect}`,
        };
      case "not-pr-only":
        return {
          title: `${f.branch}: changes can be pushed without a pull request`,
          meaning: "A push straight to the branch skips the flow: no check, no review, no release evidence.",
          fix: protect,
        };
      case "force-push-allowed":
        return {
          title: `${f.branch}: force pushes are allowed`,
          meaning: "History can be rewritten: merged work, version tags' commits and the audit trail can disappear.",
          fix: protect,
        };
      case "deletion-allowed":
        return { title: `${f.branch}: the branch can be deleted`, meaning: "Deleting it loses the flow's branch and closes its open PRs.", fix: protect };
      case "check-not-required":
        return {
          title: `${f.branch}: "${f.check}" is not a required check`,
          meaning: "branch-steward's verdict is advisory only: a PR the flow refuses can still be merged.",
          fix: protect,
        };
      case "check-not-pinned":
        return {
          title: `${f.branch}: "${f.check}" is not pinned to the app${f.pinnedTo !== null ? ` (pinned to app ${f.pinnedTo})` : ""}`,
          meaning: "Any app or workflow that reports a check of that name can satisfy the requirement: the verdict can be forged.",
          fix: protect,
        };
      case "not-up-to-date":
        return {
          title: `${f.branch}: branches need not be up to date before merging`,
          meaning: "A PR validated against an older head can merge untested combinations (up_to_date in the config asks for it).",
          fix: protect,
        };
      case "too-few-approvals":
        return {
          title: `${f.branch}: ${plural(f.actual, "approval")} required, the config asks for ${f.required}`,
          meaning: "Fewer people review what reaches the branch than the team decided (ADR 023: 2 for production).",
          fix: protect,
        };
      case "admins-bypass":
        return {
          title: `${f.branch}: administrators are exempt from classic protection`,
          meaning: "An admin can push or merge around every rule (Scorecard tier 1: include administrators).",
          fix: `enable "Do not allow bypassing the above settings" on ${f.branch}, or ${protect}`,
        };
      case "bypass-actors":
        return {
          title: `${f.branch}: ruleset "${f.ruleset}" can be bypassed by ${f.actors.map(actorText).join(", ")}`,
          meaning: "Those actors can merge or push without the rules; make sure each is intended (mode `always` skips pull requests too).",
          fix: `review the bypass list of ruleset "${f.ruleset}" in the repository's settings (Rules → Rulesets)`,
        };
      case "ruleset-not-enforced":
        return {
          title: `ruleset "${f.ruleset}" is ${f.enforcement}, not active`,
          meaning: f.enforcement === "evaluate" ? "Its rules are only evaluated: nothing is blocked." : "Its rules are switched off.",
          fix: protect,
        };
      case "sync-unvalidated":
        return f.optedOut
          ? {
              title: `flow "${f.flow}" syncs to production without validation (opt_out)`,
              meaning: "Development reaches production without any staging check: only the team's explicit opt-out allows it.",
              fix: `list the staging checks under \`validation.${f.flow}.required\` in .github/branch-steward.yml`,
            }
          : {
              title: `flow "${f.flow}" has no validation configured`,
              meaning: "Every sync fails closed: the check stays red until staging checks are configured.",
              fix: `add \`validation.${f.flow}.required: [<staging checks>]\` to .github/branch-steward.yml`,
            };
      case "merge-queue-unhandled":
        return f.known
          ? {
              title: `${f.branch}: a merge queue is on, but the app does not receive merge_group`,
              meaning: "The required check never reports on the merge group: every queued PR times out and is removed from the queue.",
              fix: "subscribe the app to the merge_group event with \"Merge queues: read\" (app.yml), and update the app's registration",
            }
          : {
              title: `${f.branch}: a merge queue is on; could not tell whether the app handles merge_group`,
              meaning: "The app's webhook events could not be read with these credentials.",
              fix: "run the audit as the app (APP_ID and PRIVATE_KEY), or check the app's settings for the merge_group event",
            };
      case "tags-unprotected":
        return {
          title:
            f.missing.length > 0
              ? `version tags (${f.pattern}) are not protected: no ${f.missing.join(", ")} rule`
              : `version tags (${f.pattern}): the app is not a bypass actor of the tag rules`,
          meaning: f.appBypass
            ? "People can create, move or delete version tags: a release no longer proves which commit was released."
            : "The app cannot create the next version tag: releases would fail.",
          fix: protect,
        };
      case "untagged-merge":
        return {
          title: `merge #${f.number} into production has no version tag`,
          meaning: "A production change shipped without a release: it cannot be traced to a version.",
          fix: `comment \`/branch-steward recheck\` on #${f.number}, or let the sweep retry the release (check the app's logs for the refusal)`,
        };
      case "tag-off-production":
        return {
          title: `version tag ${f.tag} is not in production's history`,
          meaning: "The next version is computed from production's history: a higher version elsewhere blocks releases (version conflict).",
          fix: `if ${f.tag} was created by mistake, delete it; otherwise merge its commit into production`,
        };
      case "non-semver-tags":
        return {
          title: `${plural(f.tags.length, "tag")} with the version prefix ${f.tags.length === 1 ? "is" : "are"} not semver: ${f.tags.slice(0, 5).join(", ")}${f.tags.length > 5 ? ", …" : ""}`,
          meaning: "They are ignored when versioning, which surprises whoever made them.",
          fix: "rename them without the version prefix, or delete them",
        };
      case "hotfix-not-backported":
        return {
          title: `hotfix #${f.number} merged ${plural(f.ageDays, "day")} ago has no merged backport${f.backport !== null ? ` (backport #${f.backport} is not merged)` : ""}`,
          meaning: "Development lacks the fix: the next sync would reintroduce the bug in production.",
          fix: f.backport !== null ? `review and merge backport PR #${f.backport}` : `comment \`/backport\` on #${f.number}`,
        };
      case "missing-from-development":
        return {
          title: `${plural(f.count, "production commit")} missing from development`,
          meaning: "Production is not an ancestor of development: a backport is missing or pending.",
          fix: "merge the open backport PRs into development, or comment `/backport` on the production PR they came from",
        };
      case "stale-sync":
        return {
          title: f.days === null ? "no sync among the recent merges into production" : `last sync ${plural(f.days, "day")} ago`,
          meaning: `Development and production drift apart; a large sync is harder to validate (more than ${STALE_SYNC_DAYS} days is flagged).`,
          fix: "open a pull request from development into production",
        };
    }
  })();
  return { id: f.id, severity: f.severity, tier: f.tier, ...words };
}

const tierText = (t: Tier): string => (t === null ? "beyond Scorecard" : `Scorecard tier ${t}`);

function counts(result: AuditResult): string {
  const by = SEVERITIES.map((s) => [s, result.findings.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
  return by.length === 0 ? "no findings" : by.map(([s, n]) => plural(n, s === "info" ? "notice" : s)).join(", ");
}

/** The terminal report: a headline, then each finding with its meaning and fix. */
export function renderAuditText(result: AuditResult, failOn: Severity): string[] {
  const w = { repo: result.repo };
  const lines = [`branch-steward audit ${result.repo}: ${counts(result)} (fails on ${failOn} and above)`];
  if (result.summary.unreadable.length > 0) lines.push(`Incomplete: could not read ${result.summary.unreadable.join(", ")}.`);
  lines.push(result.summary.daysSinceSync === null ? "Last sync: none among the recent merges into production." : `Last sync: ${plural(result.summary.daysSinceSync, "day")} ago.`);
  for (const f of result.findings) {
    const e = explainFinding(f, w);
    lines.push("", `${e.severity.toUpperCase()} ${e.title} [${e.id}; ${tierText(e.tier)}]`, `  Meaning: ${e.meaning}`, `  Fix: ${e.fix}`);
  }
  return lines;
}

/** The report in markdown (a check run, a comment, the dashboard), within `limit`. */
export function renderAuditMarkdown(result: AuditResult, limit: Limit = CHECK_TEXT): string {
  const w = { repo: result.repo };
  const lines = [`### branch-steward audit of ${escapeText(result.repo)}: ${counts(result)}`, ""];
  if (result.summary.unreadable.length > 0) lines.push(`**Incomplete:** could not read ${escapeText(result.summary.unreadable.join(", "))}.`, "");
  for (const f of result.findings) {
    const e = explainFinding(f, w);
    lines.push(`- **${e.severity}** ${escapeText(e.title)} (${code(e.id)}, ${tierText(e.tier)})  `, `  ${inertMarkdown(e.meaning)} Fix: ${inertMarkdown(e.fix)}`);
  }
  return fitBody(lines.join("\n"), limit, "… more findings: run `branch-steward audit` for the whole report.");
}

/** JSON schema version of `--json`: bumped only on a breaking change. */
export const AUDIT_JSON_VERSION = 1;

/** The `--json` document: stable keys, findings in report order. */
export function auditJson(result: AuditResult, failOn: Severity, exitCode: number): Record<string, unknown> {
  return {
    version: AUDIT_JSON_VERSION,
    repository: result.repo,
    fail_on: failOn,
    exit_code: exitCode,
    complete: result.summary.unreadable.length === 0,
    unreadable: [...result.summary.unreadable],
    days_since_sync: result.summary.daysSinceSync,
    counts: Object.fromEntries(SEVERITIES.map((s) => [s, result.findings.filter((f) => f.severity === s).length])),
    findings: result.findings.map((f) => {
      const e = explainFinding(f, { repo: result.repo });
      const { id: _id, severity: _s, tier: _t, ...facts } = f;
      return { id: e.id, severity: e.severity, scorecard_tier: e.tier, title: e.title, meaning: e.meaning, fix: e.fix, facts };
    }),
  };
}
