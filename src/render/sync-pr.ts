/**
 * The scheduled sync PR's title and body: the predicted version, and the PRs and commits since
 * the last release, exactly counted and shortened with "… and N more". The hidden marker names
 * the schedule window the PR was opened for, so a window opens at most one.
 */
import type { CommitSummary } from "../policy/types.js";
import type { NextVersion } from "../policy/version.js";
import { ISSUE_BODY, TITLE, clipInline, fitBody, fitList, fitTitle, minus } from "./limits.js";
import { code, escapeText } from "./markdown.js";

const MARKER_PREFIX = "<!-- branch-steward:sync-pr window=";
const ITEM = { chars: 300 };

export function syncPrMarker(window: string): string {
  return `${MARKER_PREFIX}${window.replace(/[^A-Za-z0-9@._-]/g, "")} -->`;
}

/** The window a sync PR body was opened for, or null when the app did not open it. */
export function windowOfSyncPr(body: string | null): string | null {
  const m = /^<!-- branch-steward:sync-pr window=([A-Za-z0-9@._-]*) -->/.exec(body ?? "");
  return m ? (m[1] as string) : null;
}

export function renderSyncPrTitle(p: { readonly development: string; readonly production: string; readonly predicted: NextVersion | null }): string {
  const version = p.predicted?.ok ? `: ${p.predicted.tag}` : "";
  return fitTitle(`Sync ${p.development} → ${p.production}${version}`, TITLE);
}

export interface SyncPrBody {
  readonly window: string;
  readonly development: string;
  readonly production: string;
  readonly predicted: NextVersion | null;
  readonly lastRelease: string | null;
  readonly checks: readonly string[];
  /** Merged PRs in development since the last release, and GitHub's exact commit count with the commits read. */
  readonly pulls: readonly { readonly number: number; readonly title: string }[];
  readonly commits: readonly CommitSummary[];
  readonly commitCount: number;
}

export function renderSyncPrBody(b: SyncPrBody): string {
  const since = b.lastRelease ? `since ${code(b.lastRelease)}` : "so far";
  const version = b.predicted?.ok ? `Merging it releases **${escapeText(b.predicted.tag)}**.` : "The next version will be decided when it merges.";
  const checks = b.checks.length ? b.checks.map(code).join(", ") : "none";
  const head = [
    syncPrMarker(b.window),
    `Scheduled sync of ${code(b.development)} into ${code(b.production)}. ${version}`,
    "",
    `branch-steward keeps this description current as ${code(b.development)} moves and never merges it: a maintainer merges it once the validation checks pass (${checks}).`,
  ].join("\n");
  const pulls = b.pulls.map((p) => `- #${p.number} ${clipInline(escapeText(p.title), ITEM)}`);
  const commits = b.commits.map((c) => `- ${code(c.sha.slice(0, 7))} ${clipInline(escapeText(c.title), ITEM)}`);
  const unread = Math.max(0, b.commitCount - b.commits.length);
  const half = { chars: Math.floor((ISSUE_BODY.chars - head.length - 1_000) / 2) };
  const pullList = fitList(pulls, { max: 100, limit: half, more: (n) => `- … and ${n} more` });
  const commitList = fitList(commits, { max: 200, limit: minus(half, "- … and 1000000000 more"), more: (n) => `- … and ${n + unread} more: see the Commits tab` });
  if (unread > 0 && commitList.length === commits.length) commitList.push(`- … and ${unread} more: see the Commits tab`);
  const text = [head, "", `### Pull requests ${since} (${pulls.length})`, "", ...(pullList.length ? pullList : ["None."]), "", `### Commits ${since} (${b.commitCount})`, "", ...(commitList.length ? commitList : ["None."])].join("\n");
  return fitBody(text, ISSUE_BODY, "… shortened to fit a pull request description: see the Commits tab.");
}
