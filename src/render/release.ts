/**
 * Texts of a release: the annotated tag's message (a human line plus JSON metadata), the GitHub
 * Release notes (the evidence, for a person), the PR comment, and the line a reverted release
 * gets. Deterministic: the same facts give the same text, so an unchanged release is not rewritten.
 */
import type { ObservedCheck, ReleaseProblem } from "../policy/types.js";
import { METADATA_HEADER, REVERTED_BY_MARKER, type IncludedPull, type ReleaseNotesData, type RevertCause, type TagMetadata } from "../policy/release.js";
import type { BumpDecision } from "../policy/version.js";
import { COMMENT_BODY, RELEASE_BODY, RELEASE_NAME, clipInline, fitBody, fitTitle, minus } from "./limits.js";
import { configFixText, renderConfigInvalid } from "./config.js";
import { renderCouplingSection } from "./coupling.js";
import { cell, code, escapeInline, inertMarkdown } from "./markdown.js";

export const RELEASE_COMMENT_MARKER = "<!-- branch-steward:release -->";
const RELEASE_NOTES_MARKER = "<!-- branch-steward:release-notes -->";
const COMMIT_LIMIT = 30;
const IGNORED_LIMIT = 10;
/** One sentence of user-influenced text (a bump reason, a problem) never takes more than this. */
const SENTENCE = { chars: 4_000 };
/** The included pull requests listed at most, by count and by characters; the rest are counted. */
export const PULL_LIMIT = { count: 100, chars: 30_000 } as const;

/** The annotated tag's message: one line for `git tag -n`, then the metadata as JSON. */
export function renderTagMessage(meta: TagMetadata, title: string): string {
  const line = fitTitle(title, { chars: 200 }, { prefix: `${meta.tag}: `, suffix: ` (#${meta.pull})` });
  return `${line}\n\n${METADATA_HEADER}\n${JSON.stringify(meta, null, 2)}\n`;
}

const short = (sha: string): string => sha.slice(0, 7);
/** User text inline: no markup, HTML, entities or mentions, but `#12` still links to the PR. */
const inline = (text: string): string => escapeInline(text).replace(/\|/g, "\\|");
const when = (iso: string): string => iso.replace("T", " ").replace(/(\.\d+)?Z$/, " UTC");
const user = (login: string | null): string => (login ? `@${login}` : "unknown");

export const releaseUrl = (repoHtmlUrl: string, tag: string): string => `${repoHtmlUrl}/releases/tag/${encodeURIComponent(tag)}`;
/** A ref in a URL path: reserved characters encoded, `/` kept. */
const refPath = (ref: string): string => encodeURIComponent(ref).replace(/%2F/g, "/");
export const compareUrl = (repoHtmlUrl: string, base: string, head: string): string => `${repoHtmlUrl}/compare/${refPath(base)}...${refPath(head)}`;

function result(checks: readonly ObservedCheck[]): string {
  if (checks.length === 0) return "— not reported";
  return checks
    .map((c) => {
      const state = c.status === "completed" ? (c.conclusion ?? "completed") : c.status;
      const icon = c.status !== "completed" ? "⏳" : ["success", "neutral", "skipped"].includes(c.conclusion ?? "") ? "✅" : "❌";
      const label = checks.length > 1 ? `${c.name}: ${state}` : state;
      const url = c.url && /^https?:\/\/[^\s()<>]+$/i.test(c.url) ? c.url : null; // never javascript: or data:
      const link = url ? `[${cell(escapeInline(label))}](${url})` : cell(escapeInline(label));
      const by = c.reporter ? ` by ${cell(escapeInline(c.reporter))}` : "";
      const at = c.completedAt ? `, completed ${when(c.completedAt)}` : "";
      return `${icon} ${link}${by}${at}`;
    })
    .join("<br>");
}

/** The GitHub Release body. */
export function renderReleaseNotes(n: ReleaseNotesData): string {
  const tag = escapeInline(n.tag);
  const lines: string[] = [RELEASE_NOTES_MARKER, `## ${tag}`, ""];
  const compare = n.previous ? `[compare ${escapeInline(n.previous)}...${tag}](${compareUrl(n.repoHtmlUrl, n.previous, n.tag)})` : null;
  if (n.previous) {
    lines.push(`**Previous version:** [${escapeInline(n.previous)}](${releaseUrl(n.repoHtmlUrl, n.previous)}) · ${compare}  `);
  } else {
    lines.push("**Previous version:** none, this is the first version.  ");
  }
  lines.push(`**Bump:** ${clipInline(inertMarkdown(n.bumpReason), SENTENCE)}`, "");
  if (n.reverts) {
    lines.push(
      n.reverts.tag
        ? `⏪ **Reverts ${escapeInline(n.reverts.tag)}** ([release](${releaseUrl(n.repoHtmlUrl, n.reverts.tag)})): a rollback released as a roll-forward.`
        : `⏪ **A rollback** (${inertMarkdown(n.reverts.why)}), but branch-steward could not tell which release it reverts: name it as \`vX.Y.Z\` or \`Reverts #N\` in the PR description.`,
      "",
    );
  }
  if (n.bypass) {
    lines.push(
      `⚠️ merged without a passing branch-steward check: ${code(n.bypass.check)} on the PR head was ${n.bypass.conclusion ? code(n.bypass.conclusion) : "missing or not finished"} at merge time.`,
      "",
    );
  }

  const p = n.pull;
  lines.push("### Merged", "");
  lines.push(`[#${p.number} ${inline(clipInline(p.title, SENTENCE))}](${p.url}) by ${user(p.author)}${n.flow ? ` (${n.flow} flow)` : ""}.  `);
  lines.push(`Merged by ${user(p.mergedBy)}${p.mergedAt ? ` at ${when(p.mergedAt)}` : ""} as \`${short(n.mergeSha)}\` (PR head \`${short(n.headSha)}\`).  `);
  lines.push(p.approvers.length ? `Approved by ${p.approvers.map(user).join(", ")}.` : "Approved by: nobody (no approving review).", "");

  lines.push("### Validation evidence", "");
  if (!n.validationFlow) {
    lines.push(`No validation checks are configured for ${n.flow ? `the ${n.flow} flow` : "this merge"}.`, "");
  } else {
    lines.push(`Required checks of the ${escapeInline(n.validationFlow)} flow.`, "");
    lines.push(`| Check | On the PR head \`${short(n.headSha)}\` | On the merge commit \`${short(n.mergeSha)}\` |`, "| --- | --- | --- |");
    for (const row of n.evidence) {
      lines.push(`| ${cell(code(row.name))}${row.app ? ` (from ${cell(escapeInline(row.app))})` : ""} | ${result(row.head)} | ${result(row.merge)} |`);
    }
    lines.push("");
    if (n.runningOnMerge.length) {
      lines.push(
        `⏳ Still running on the merge commit: ${n.runningOnMerge.map(code).join(", ")}. These notes are updated when they complete.`,
        "",
      );
    }
  }

  lines.push(...renderCouplingSection(n.coupling));
  lines.push(`### Included since ${n.previous ? escapeInline(n.previous) : "the beginning"}`, "");
  const pulls = renderIncludedPulls(n.includedPulls, Math.max(0, n.totalCommits - n.commits.length), compare);
  if (pulls) lines.push(pulls, "");
  const shown = n.commits.slice(0, COMMIT_LIMIT);
  lines.push(`Commits (${n.totalCommits}):`, "");
  for (const c of shown) lines.push(`- \`${short(c.sha)}\` ${inline(clipInline(c.message.split("\n")[0] ?? "", SENTENCE))}${c.author ? ` (${user(c.author)})` : ""}`);
  if (n.totalCommits > shown.length) {
    const more = n.totalCommits - shown.length;
    lines.push(`- … and ${more} more commit${more === 1 ? "" : "s"}${compare ? `: ${compare}` : ""}`);
  }
  lines.push("");

  const footer = ["Tagged by branch-steward on the merge commit."];
  if (n.ignoredTags.length) {
    const listed = n.ignoredTags.slice(0, IGNORED_LIMIT).map((t) => code(clipInline(t, { chars: 100 }))).join(", ");
    const more = n.ignoredTags.length > IGNORED_LIMIT ? ` and ${n.ignoredTags.length - IGNORED_LIMIT} more` : "";
    footer.push(`ignored tags: ${listed}${more} (not \`<prefix><semver>\`).`);
  }
  lines.push("---", `<sub>${footer.join(" ")}</sub>`);
  // Room is kept for the "reverted by" lines, which come last and must never be cut.
  const reverted = n.revertedBy.reduce((text, by) => `${text}${revertedByText(by, n.repoHtmlUrl)}`, "");
  const notice = `… shortened: GitHub limits release notes to 125,000 characters.${compare ? ` Every change: ${compare}.` : ""}`;
  let body = fitBody(lines.join("\n"), minus(RELEASE_BODY, reverted), notice);
  for (const by of n.revertedBy) body = withRevertedBy(body, by, n.repoHtmlUrl);
  return body;
}

const revertedByText = (byTag: string, repoHtmlUrl: string): string =>
  `\n\n${REVERTED_BY_MARKER}${byTag} -->\n⏪ **Reverted by [${escapeInline(byTag)}](${releaseUrl(repoHtmlUrl, byTag)}).**`;
/**
 * The pull requests a release includes: every one up to `limit` (count and characters), then
 * "and N more" with the compare link. When some commits were not read (`unreadCommits`), their
 * pull requests are unknown: the line says so instead of presenting the list as complete.
 */
export function renderIncludedPulls(
  pulls: readonly IncludedPull[],
  unreadCommits: number,
  link: string | null,
  limit: { readonly count: number; readonly chars: number } = PULL_LIMIT,
): string | null {
  if (pulls.length === 0 && unreadCommits === 0) return null;
  const items: string[] = [];
  let chars = 0;
  for (const p of pulls) {
    const item = p.title ? `#${p.number} ${inline(p.title)}` : `#${p.number}`;
    if (items.length >= limit.count || chars + item.length + 2 > limit.chars) break;
    items.push(item);
    chars += item.length + 2;
  }
  const more = pulls.length - items.length;
  let line = `Pull requests: ${items.length ? items.join("; ") : "none found in the commits read"}`;
  if (more > 0) line += `; and ${more} more${link ? ` (${link})` : ""}`;
  line += ".";
  if (unreadCommits > 0) {
    line += ` ${unreadCommits} commit${unreadCommits === 1 ? " was" : "s were"} not read, so ${unreadCommits === 1 ? "it" : "they"} may name more pull requests${link ? `: ${link}` : ""}.`;
  }
  return line;
}

/** The reverted release's body with a line pointing to the release that reverts it (idempotent). */
export function withRevertedBy(body: string, byTag: string, repoHtmlUrl: string): string {
  const marker = `${REVERTED_BY_MARKER}${byTag} -->`;
  if (body.includes(marker)) return body;
  const line = revertedByText(byTag, repoHtmlUrl);
  return `${fitBody(body.trimEnd(), minus(RELEASE_BODY, line), "… shortened: GitHub limits release notes to 125,000 characters.")}${line}`;
}

/** The one comment on the merged PR: its version, or why it has none. */
export function renderReleaseComment(r: { tag: string; releaseUrl: string; previous: string | null; bumpReason: string; reverts?: string | null }): string {
  const text = [
    RELEASE_COMMENT_MARKER,
    `<!-- branch-steward:version ${r.tag} -->`,
    `🏷️ **branch-steward**: released as **[${escapeInline(r.tag)}](${r.releaseUrl})**${r.previous ? ` (previous: ${escapeInline(r.previous)})` : ""}.`,
    "",
    clipInline(inertMarkdown(r.bumpReason), SENTENCE) + (r.reverts ? ` It reverts ${escapeInline(r.reverts)}.` : ""),
  ].join("\n");
  return fitBody(text, COMMENT_BODY, `… shortened to fit a GitHub comment: see [the release](${r.releaseUrl}).`);
}

/** The comment when this merge could not be versioned: loud, with what to do. */
export function renderReleaseProblemComment(problem: string, fix: string): string {
  const text = [RELEASE_COMMENT_MARKER, `⚠️ **branch-steward**: this merge was **not** tagged or released.`, "", clipInline(inertMarkdown(problem), SENTENCE), "", clipInline(inertMarkdown(fix), SENTENCE)];
  return fitBody(text.join("\n"), COMMENT_BODY);
}

/** The version a release comment names (to find the release a revert PR points to). */
export function versionInReleaseComment(body: string): string | null {
  return body.match(/<!-- branch-steward:version (\S+) -->/)?.[1] ?? null;
}

export const releaseName = (tag: string, title: string): string => fitTitle(title, RELEASE_NAME, { prefix: `${tag}: ` });

const FIX_BY_HAND = (mergeSha: string): string =>
  `Tag the merge commit \`${short(mergeSha)}\` by hand with the version you intend, or delete the misplaced tag if it was a mistake; branch-steward then publishes the release on redelivery.`;

/** What went wrong and what to do, for each reason a merge was not versioned. */
export function releaseProblemText(p: ReleaseProblem): { problem: string; fix: string } {
  switch (p.code) {
    case "no-merge-sha":
      return { problem: "The merged PR has no merge commit SHA.", fix: "Tag the merge commit by hand, or redeliver the webhook once GitHub reports it." };
    case "no-ancestor-tag":
      return {
        problem: `None of the ${p.checked} highest version tags is in the history of \`${short(p.mergeSha)}\`.`,
        fix: "Check that production's history contains its version tags; tag this merge by hand if it must be released.",
      };
    case "cannot-bump":
      return { problem: `cannot bump ${p.from} (${p.bump}).`, fix: FIX_BY_HAND(p.mergeSha) };
    case "version-conflict": {
      const base = p.previous
        ? `The previous version on this commit's history is \`${p.previous}\`, so this merge would be \`${p.next}\``
        : `No version tag is an ancestor of this commit, so this merge would be the initial \`${p.next}\``;
      return {
        problem: `${base}, but \`${p.highest}\` already exists on a commit that is not in this commit's history. Versions must increase along production's history, so branch-steward will not guess.`,
        fix: FIX_BY_HAND(p.mergeSha),
      };
    }
    case "tag-race-exhausted":
      return {
        problem: `Another merge took the computed version ${p.attempts} times in a row.`,
        fix: "Redeliver the `pull_request` closed webhook from the app's advanced settings once merges calm down.",
      };
    case "forbidden":
      return {
        problem: `GitHub refused a request with 403 Forbidden: ${p.message.trim().slice(0, 300)}`,
        fix: "Grant the app **Contents: write** (tags and releases) and **Issues: write**, accept the new permissions on the installation, then redeliver the `pull_request` closed webhook from the app's advanced settings.",
      };
    case "config-invalid": {
      const { body } = renderConfigInvalid(p.issues, "redeliver");
      const fix = configFixText("redeliver");
      return { problem: body.slice(0, body.length - fix.length).trimEnd(), fix };
    }
  }
}

/** The "not released" comment for a problem: the one text per problem, with its fix. */
export function renderReleaseProblem(p: ReleaseProblem): string {
  const { problem, fix } = releaseProblemText(p);
  return renderReleaseProblemComment(problem, fix);
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The bump's reason, one sentence: shown in the notes and the comment, and stored in the tag's metadata (so byte-stable). */
export function bumpReasonText(d: BumpDecision): string {
  const c = d.cause;
  switch (c.kind) {
    case "label": {
      const others = c.outranks.length ? ` (it outranks ${c.outranks.map((l) => code(l)).join(", ")})` : "";
      return `${cap(d.bump)}: the PR carries the label ${code(c.label)}${others}.`;
    }
    case "revert":
      return "Patch: the PR is a rollback (a revert), released as a roll-forward.";
    case "breaking-title":
      return "Major: the PR title marks a breaking change (`!` after the type).";
    case "breaking-body":
      return "Major: the PR description contains `BREAKING CHANGE`.";
    case "sync":
      return `Minor: a ${escapeInline(c.flow)} of ${code(c.source)} into production.`;
    case "hotfix":
      return `Patch: the ${escapeInline(c.flow)} ${code(c.source)}.`;
    case "other-flow":
      return `Patch: ${code(c.source)} took the ${escapeInline(c.flow)} flow, which is neither a sync nor a hotfix.`;
    case "no-flow":
      return `Patch: ${code(c.source)} is not an allowed flow into production (merged anyway, e.g. by an admin), so it is treated as a fix.`;
  }
}

/** Why a PR counts as a rollback: GitHub's revert title, or the revert label. */
export function revertWhyText(cause: RevertCause): string {
  return cause.kind === "title" ? "GitHub's revert title" : `the ${code(cause.label)} label`;
}
