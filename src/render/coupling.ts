/**
 * Coupled components in words: the rows of the check (policy/coupling.ts decides), their title,
 * and the release notes' list of the coupled groups a release touched.
 */
import { MAX_PULL_FILES, otherSide, type CouplingFinding, type GroupResult, type IgnoredException, type PullRef, type ReleaseCoupling, type Side, type SideMatch } from "../policy/coupling.js";
import { code, escapeInline } from "./markdown.js";

const FILES_SHOWN = 5;
const PULLS_SHOWN = 10;
const count = (n: number): string => n.toLocaleString("en-US");
/** A login as `@login` text: inertMarkdown (render/check.ts) keeps it from mentioning anyone. */
const user = (login: string): string => `@${escapeInline(login)}`;

type Group = Extract<CouplingFinding, { kind: "group" }>;

function listFiles(files: readonly string[]): string {
  const shown = files.slice(0, FILES_SHOWN).map(code).join(", ");
  return files.length > FILES_SHOWN ? `${shown} and ${count(files.length - FILES_SHOWN)} more` : shown;
}

function listPulls(pulls: readonly PullRef[]): string {
  if (pulls.length === 0) return "none";
  const shown = pulls.slice(0, PULLS_SHOWN).map((p) => `#${p.number}${p.title ? ` ${escapeInline(p.title.slice(0, 120))}` : ""}`).join("; ");
  return pulls.length > PULLS_SHOWN ? `${shown}; and ${count(pulls.length - PULLS_SHOWN)} more` : shown;
}

const patterns = (xs: readonly string[], joiner: "or" | "and"): string =>
  xs.length <= 1 ? xs.map(code).join("") : `${xs.slice(0, -1).map(code).join(", ")} ${joiner} ${code(xs[xs.length - 1] as string)}`;

/** The patterns the missing side still needs: any one of them, or the ones not yet matched. */
function needed(r: Extract<GroupResult, { changed: Side }>, sideMatch: SideMatch, all: readonly string[]): string {
  return r.require === "all" ? `every one of ${patterns(all, "and")} (still missing: ${patterns(sideMatch.missing, "and")})` : patterns(all, "or");
}

/** The row's name (also what the comment's headline lists). */
export function couplingRuleName(f: CouplingFinding): string {
  switch (f.kind) {
    case "group":
      return `Coupled group ${code(f.result.group)}`;
    case "unmatched":
    case "tree-unchecked":
      return "Coupling config";
    default:
      return "Coupled components";
  }
}

function ignoredText(i: IgnoredException): string {
  if (i.via === "label") {
    return i.by
      ? `The label ${code(i.label ?? "")} was applied by ${user(i.by)}, who has no write access: it does not count.`
      : `The label ${code(i.label ?? "")} is on the PR, but GitHub does not say who applied it: it does not count.`;
  }
  return i.by ? `The exception line in the PR body does not count: its author ${user(i.by)} has no write access.` : "The exception line in the PR body does not count: the PR has no known author.";
}

function syncText(f: Group): string {
  const s = f.sync;
  if (!s) return "";
  const unread = s.unread ? ` (${count(s.unread)} shipped PR${s.unread === 1 ? "'s" : "s'"} files could not be read)` : "";
  const open = s.openOther.length ? ` Still open into development, changing the missing side: ${listPulls(s.openOther)}.` : "";
  return ` Shipped PRs changing \`when\`: ${listPulls(s.when)}; changing \`then\`: ${listPulls(s.then)}${unread}.${open}`;
}

function groupRow(f: Group): { detail: string; fix?: string } {
  const r = f.result;
  const allPatterns = r.patterns;
  const name = code(r.group);
  switch (r.state) {
    case "untouched":
      return { detail: `No file of ${name} changed.` };
    case "satisfied":
      return {
        detail: `Changed together: ${listFiles(r.when.files) || "nothing"} (\`when\`) and ${listFiles(r.then.files) || "nothing"} (\`then\`).${syncText(f)}`,
      };
    case "excepted": {
      const e = r.exception;
      const how = e.via === "label" ? `the label ${code(e.label ?? f.exception.label)}, applied by ${user(e.by)}` : `a line in the PR body by ${user(e.by)}`;
      const why = e.reason ? `: “${escapeInline(e.reason)}”` : " (no reason given)";
      return { detail: `Only \`${r.changed}\` changed (${listFiles(r[r.changed].files)}); exception accepted through ${how}${why}.${syncText(f)}` };
    }
    case "broken": {
      const missing = otherSide(r.changed);
      const ignored = r.ignored.map(ignoredText).join(" ");
      const detail = `\`${r.changed}\` changed (${listFiles(r[r.changed].files)}) but \`${missing}\` did not: it needs ${needed(r, r[missing], allPatterns[missing])}.${syncText(f)}${ignored ? ` ${ignored}` : ""}`;
      const change = f.sync
        ? f.sync.openOther.length
          ? `Merge ${listPulls(f.sync.openOther)} into development first, then update this sync`
          : `Merge the missing half of ${name} into development first, then update this sync`
        : `Change ${patterns(allPatterns[missing], r.require === "all" ? "and" : "or")} in this PR too`;
      const line = `${f.exception.bodyLine}: ${r.group} — <reason>`;
      return {
        detail,
        fix: `${change}. If no counterpart is needed, someone with write access adds the label ${code(f.exception.label)}, or the PR author (with write access) adds the line ${code(line)} to the PR body.`,
      };
    }
  }
}

/** The details and "what to do" of a coupling row. */
export function couplingRowText(f: CouplingFinding): { detail: string; fix?: string } {
  switch (f.kind) {
    case "group":
      return groupRow(f);
    case "none-touched":
      return { detail: `None of the ${count(f.groups)} coupled group${f.groups === 1 ? "" : "s"} for this flow is touched by this PR.` };
    case "too-many-files":
      return {
        detail: `This PR changes ${count(f.changedFiles)} files; GitHub lists at most ${count(MAX_PULL_FILES)} (${count(f.listed)} read), so coupled groups cannot be checked.`,
        fix: `Split the change into PRs of at most ${count(MAX_PULL_FILES)} files each.`,
      };
    case "unmatched":
      return {
        detail: `Warning: ${f.sides.map((s) => `\`${s.side}\` of ${code(s.group)} (${patterns(s.patterns, "or")})`).join("; ")} match${f.sides.length === 1 ? "es" : ""} no file in this PR's head: a typo, or a path that moved?`,
        fix: "Fix the patterns under `coupling.groups` in .github/branch-steward.yml on the default branch.",
      };
    case "tree-unchecked":
      return {
        detail:
          f.reason === "truncated"
            ? "The repository tree is too large for GitHub to list in one request, so the coupling patterns were not checked for matching no file."
            : "The repository tree is too large to check every coupling pattern against it (patterns starting with a wildcard try every path), so they were not checked for matching no file.",
      };
  }
}

/** A failing coupling row's part of the check title (plain text); `covers` counts the rows it speaks for. */
export function couplingTitle(first: CouplingFinding, failing: readonly CouplingFinding[]): { text: string; covers: number } {
  if (first.kind === "too-many-files") return { text: `more than ${count(MAX_PULL_FILES)} files: coupled groups not checked`, covers: 1 };
  const broken = failing.filter((f): f is Group => f.kind === "group" && f.result.state === "broken");
  const names = broken.map((f) => f.result.group).join(", ");
  return { text: `coupled change incomplete: ${names}`, covers: broken.length };
}

/** The release notes' section: the coupled groups the released change touched (nothing without groups). */
export function renderCouplingSection(touched: ReleaseCoupling | undefined): string[] {
  if (!touched) return [];
  if (!Array.isArray(touched)) {
    const tooMany = (touched as { tooMany: number }).tooMany;
    return ["### Coupled components", "", `Not listed: the merged PR changes ${count(tooMany)} files, more than the ${count(MAX_PULL_FILES)} GitHub lists.`, ""];
  }
  const list = touched as Exclude<ReleaseCoupling, { tooMany: number }>;
  if (list.length === 0) return ["### Coupled components", "", "No coupled group was touched.", ""];
  const items = list.slice(0, 100).map((t) => `- ${code(t.group)}: ${t.sides.length === 2 ? "both sides" : `\`${t.sides[0] ?? ""}\` only`}`);
  const more = list.length > 100 ? [`- … and ${count(list.length - 100)} more`] : [];
  return ["### Coupled components", "", ...items, ...more, ""];
}
