/**
 * Markdown and HTML injection: branch names, PR and commit titles, check names and config keys are
 * chosen by whoever opens a PR, pushes a commit, reports a check or edits the config. Whatever they
 * contain, the check summary, the PR comment, the backport PR, the release notes and the release
 * comments must not gain raw HTML, mentions, links with odd schemes, images, extra table columns
 * or new lines/blocks.
 *
 * `hazards()` is a conservative reading of GitHub-flavoured markdown (CommonMark escapes and code
 * spans, GFM table pipes); it flags what could render as markup outside code.
 */
import type { Evaluation, ObservedCheck } from "../../src/policy/types.js";
import fc from "fast-check";
import { parseConfig } from "../../src/config/parse.js";
import { retargetedEvaluation } from "../../src/policy/evaluation.js";
import type { ReleaseNotesData } from "../../src/policy/release.js";
import { decideBump } from "../../src/policy/version.js";
import { renderBackportBody, renderBackportFailed, renderBackportTitle, renderConflict, type BackportBody } from "../../src/render/backport.js";
import { renderCheck } from "../../src/render/check.js";
import { COMMENT_MARKER, renderComment, renderUngovernedComment } from "../../src/render/comment.js";
import { code, escapeInline, escapeText, inertMarkdown } from "../../src/render/markdown.js";
import { RELEASE_COMMENT_MARKER, bumpReasonText, releaseProblemText, renderReleaseComment, renderReleaseNotes, renderReleaseProblemComment } from "../../src/render/release.js";
import { evaluate } from "../support/policy.js";

const PAYLOADS = [
  "</details><img src=x onerror=alert(1)>",
  "<img/src=x/onerror=alert(1)>",
  "[x](javascript:alert(1))",
  "![t](https://evil.example/pixel.png)",
  "@everyone",
  "@acme/maintainers",
  "`",
  "``x``",
  "a`b</details>`c",
  "x | y | z",
  "line\nbreak",
  "\n\n# INJECTED",
  "\n---\nINJECTED\n===",
  "<!-- branch-steward -->",
  "&lt;img src=x&gt;",
  "&#60;script&#62;",
  "**bold** _em_ ~~strike~~",
  "<https://evil.example>",
  "\\",
  "a\\|b",
  "\\`<b>x</b>",
  "<script>alert(1)</script>",
];

const fragment = fc.oneof(fc.constantFrom(...PAYLOADS), fc.string({ maxLength: 12 }), fc.constantFrom("<", ">", "`", "|", "@", "[", "]", "(", ")", "\\", "&", "\n", "*", "_", "!", "#"));
const userText = fc.array(fragment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join(""));

interface Hazards {
  html: string[];
  mentions: string[];
  links: string[];
  images: number;
  badRows: string[];
  injectedBlocks: string[];
}

/** Walks one line outside code spans and escapes, calling `visit` with each markup-significant char. */
function walk(line: string, visit: (text: string, i: number) => void): void {
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === "\\" && /[!-/:-@[-`{-~]/.test(line[i + 1] ?? "")) {
      i += 2;
      continue;
    }
    if (c === "`") {
      let run = 1;
      while (line[i + run] === "`") run++;
      const re = new RegExp(`(?<!\`)\`{${run}}(?!\`)`, "g");
      re.lastIndex = i + run;
      const close = re.exec(line);
      if (close) {
        i = close.index + run;
        continue;
      }
      i += run;
      continue;
    }
    visit(line, i);
    i++;
  }
}

function hazards(markdown: string, allowedLines: readonly string[] = [COMMENT_MARKER]): Hazards {
  const h: Hazards = { html: [], mentions: [], links: [], images: 0, badRows: [], injectedBlocks: [] };
  let inFence = false;
  let tableColumns: number | undefined;
  for (const line of markdown.split("\n")) {
    if (/^```/.test(line)) {
      inFence = !inFence;
      continue;
    }
    if (inFence || allowedLines.includes(line)) continue;
    // A payload that starts its own block: INJECTED at a line start, after a block marker, or as
    // the first thing in a list item.
    if (/^\s{0,3}(#{1,6}\s+|>\s*|=+\s*|-{3,}\s*|\d+\.\s+)?INJECTED/.test(line.replace(/^- /, ""))) h.injectedBlocks.push(line);
    // GFM splits a table row on every pipe not preceded by a backslash, before inline parsing,
    // then removes that backslash in each cell.
    const isRow = line.startsWith("|");
    const pipes = isRow ? (line.match(/(?<!\\)\|/g) ?? []).length : 0;
    const inline = isRow ? line.split(/(?<!\\)\|/).map((cellText) => cellText.replace(/\\\|/g, "|")) : [line];
    for (const part of inline) walk(part, (text, i) => {
      const c = text[i];
      const rest = text.slice(i + 1);
      if (c === "<" && /^[A-Za-z/!?]/.test(rest)) h.html.push(text.slice(i, i + 20));
      if (c === "@" && /^[A-Za-z0-9]/.test(rest) && !/[A-Za-z0-9]/.test(text[i - 1] ?? "")) h.mentions.push(text.slice(i, i + 20));
      if (c === "!" && rest.startsWith("[")) h.images++;
      if (c === "]" && rest.startsWith("(")) {
        const dest = /^\(([^)\s]*)/.exec(rest)?.[1] ?? "";
        if (!/^https?:\/\//.test(dest)) h.links.push(dest);
      }
    });
    if (isRow) {
      tableColumns ??= pipes;
      if (pipes !== tableColumns) h.badRows.push(line);
    } else {
      tableColumns = undefined;
    }
  }
  return h;
}

const clean: Hazards = { html: [], mentions: [], links: [], images: 0, badRows: [], injectedBlocks: [] };

const defaults = parseConfig(null);
const withValidation = parseConfig({ validation: { feature: { required: [{ name: "/.*/", app: "staging-ci" }] }, sync: { required: ["/.*/"] } } });

function evaluations(text: string): Evaluation[] {
  const branch = `feature/${text}`;
  const route = (source: string, target: string) => ({ baseRepo: "acme/forecast", headRepo: "acme/forecast", source, target });
  const evals = [
    evaluate(route(branch, "development"), defaults),
    evaluate(route(branch, "production"), defaults),
    evaluate({ ...route(branch, "production"), headRepo: "evil/fork" }, defaults),
    retargetedEvaluation("development", text),
    retargetedEvaluation(text, "development"),
  ];
  return evals.filter((e): e is Evaluation => e !== null);
}

describe("the hazard scanner", () => {
  it("flags what it must (so a clean result means something)", () => {
    expect(hazards("a <img src=x> b").html).toHaveLength(1);
    expect(hazards("hi @everyone").mentions).toEqual(["@everyone"]);
    expect(hazards("[x](javascript:alert(1))").links).toEqual(["javascript:alert(1"]);
    expect(hazards("![a](https://x/p.png)").images).toBe(1);
    expect(hazards("| a | b |\n| a | b \\\\| c |").badRows).toHaveLength(0);
    expect(hazards("| a | b |\n| a | b | c |").badRows).toHaveLength(1);
    expect(hazards("x\n# INJECTED").injectedBlocks).toHaveLength(1);
    expect(hazards("- # INJECTED").injectedBlocks).toHaveLength(1);
    expect(hazards("`<img src=x> @everyone [x](javascript:1)`")).toEqual(clean);
    expect(hazards("\\<img src=x> \\@everyone")).toEqual(clean);
  });
});

describe("the helpers", () => {
  it.each(PAYLOADS)("escapeText, escapeInline, code and inertMarkdown make %j inert", (payload) => {
    for (const out of [escapeText(payload), `x ${escapeInline(payload)}`, `x ${code(payload)} y`, `- ${inertMarkdown(payload)}`, inertMarkdown(payload), inertMarkdown(`\`a\` ${payload} [ok](https://example.com)`)]) {
      const h = hazards(out, []);
      expect({ html: h.html, mentions: h.mentions, injectedBlocks: h.injectedBlocks }).toEqual({ html: [], mentions: [], injectedBlocks: [] });
      expect(out).not.toContain("\n");
    }
    for (const out of [escapeText(payload), `x ${escapeInline(payload)}`, `x ${code(payload)} y`, `- ${inertMarkdown(payload)}`]) {
      expect(hazards(out, [])).toEqual(clean);
    }
  });

  it("code() shows the text verbatim, backticks included", () => {
    expect(code("production")).toBe("`production`");
    expect(code("a`b")).toBe("``a`b``");
    expect(code("`x")).toBe("`` `x ``");
    expect(code("a``b`")).toBe("``` a``b` ```");
  });

  it("mentions become text: a zero-width space after @", () => {
    expect(escapeText("@everyone")).toBe("@&#8203;everyone");
    expect(escapeInline("ping @acme/team")).toBe("ping @&#8203;acme/team");
    expect(inertMarkdown("`@keep` @drop a@b.c")).toBe("`@keep` @&#8203;drop a@&#8203;b.c");
    expect(escapeText("@login: refused", { mentions: true })).toBe("\\@login: refused");
  });
});

describe("the check summary", () => {
  it.each(PAYLOADS)("stays inert with the branch name %j", (payload) => {
    for (const e of evaluations(payload)) {
      const out = renderCheck(e);
      expect(hazards(out.summary)).toEqual(clean);
      expect(out.title).not.toMatch(/\n/);
    }
  });

  it("stays inert for fuzzed branch names", () => {
    fc.assert(
      fc.property(userText, (text) => {
        for (const e of evaluations(text)) expect(hazards(renderCheck(e).summary)).toEqual(clean);
      }),
      { numRuns: 300 },
    );
  });

  it("quotes a hostile check name and reporter without raw HTML or mentions", () => {
    fc.assert(
      fc.property(userText, userText, (name, reporter) => {
        const checks: ObservedCheck[] = [
          { source: "check_run", name, reporter: "staging-ci", status: "completed", conclusion: "failure", url: "https://ci.example/1", startedAt: "2026-01-01T00:00:00Z", completedAt: "2026-01-01T00:01:00Z", id: 1 },
          { source: "status", name, reporter, status: "completed", conclusion: "success", url: null, startedAt: "2026-01-01T00:00:00Z", completedAt: null, id: 2 },
        ];
        const route = { baseRepo: "acme/forecast", headRepo: "acme/forecast", source: "feature/x", target: "development" };
        const e = evaluate(route, withValidation, { now: new Date("2026-01-01T01:00:00Z"), checks }) as Evaluation;
        const h = hazards(renderCheck(e).summary);
        // Links and emphasis inside a check name are the policy layer's to escape (see the
        // report: describeResult in src/policy/gate.ts); HTML, mentions and rows are safe here.
        expect({ html: h.html, mentions: h.mentions, badRows: h.badRows, injectedBlocks: h.injectedBlocks }).toEqual({ html: [], mentions: [], badRows: [], injectedBlocks: [] });
        const comment = renderComment(e, { checksUrl: "https://github.com/acme/forecast/pull/7/checks" });
        const c = hazards(comment);
        expect({ html: c.html, mentions: c.mentions, injectedBlocks: c.injectedBlocks }).toEqual({ html: [], mentions: [], injectedBlocks: [] });
      }),
      { numRuns: 300 },
    );
  });

  it("quotes hostile commit titles (up-to-date and lineage rows) without raw HTML or mentions", () => {
    fc.assert(
      fc.property(userText, (title) => {
        const commits = [{ sha: "a".repeat(40), title }];
        const sync = { baseRepo: "acme/forecast", headRepo: "acme/forecast", source: "development", target: "production" };
        const hotfix = { ...sync, source: "hotfix/x" };
        const facts = { now: new Date(0), checks: [], behind: { behindBy: 1, missing: commits }, lineage: { count: commits.length, examples: commits } };
        for (const e of [evaluate(sync, withValidation, facts), evaluate(hotfix, defaults, facts)] as Evaluation[]) {
          for (const out of [renderCheck(e).summary, renderComment(e, { checksUrl: "https://github.com/acme/forecast/pull/7/checks" })]) {
            const h = hazards(out);
            expect({ html: h.html, mentions: h.mentions, badRows: h.badRows, injectedBlocks: h.injectedBlocks }).toEqual({ html: [], mentions: [], badRows: [], injectedBlocks: [] });
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("the PR comment", () => {
  it.each(PAYLOADS)("stays inert with the branch name %j", (payload) => {
    for (const e of evaluations(payload)) {
      expect(hazards(renderComment(e, { checksUrl: "https://github.com/acme/forecast/pull/7/checks" }))).toEqual(clean);
    }
    expect(hazards(renderUngovernedComment(payload))).toEqual(clean);
    expect(hazards(renderUngovernedComment(`release/${payload}`))).toEqual(clean);
  });

  it("keeps the marker on the first line whatever the input", () => {
    fc.assert(
      fc.property(userText, (text) => {
        for (const e of evaluations(text)) {
          const out = renderComment(e, { checksUrl: "https://github.com/acme/forecast/pull/7/checks" });
          expect(out.split("\n")[0]).toBe(COMMENT_MARKER);
          expect(hazards(out)).toEqual(clean);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("the backport body", () => {
  const body = (text: string): BackportBody => ({
    kind: "hotfix",
    source: { number: 12, title: text },
    production: "production",
    development: "development",
    mergeCommitSha: "b".repeat(40),
    commits: [{ sha: "c".repeat(40), title: text }],
    extra: [{ sha: "d".repeat(40), title: `extra ${text}` }],
    filesChanged: 1,
    reviewerProblems: [],
  });

  it.each(PAYLOADS)("stays inert with the PR and commit title %j", (payload) => {
    expect(hazards(renderBackportBody(body(payload)))).toEqual(clean);
    expect(hazards(renderBackportBody({ ...body("x"), production: payload, development: `dev${payload}` }))).toEqual(clean);
    expect(hazards(renderBackportFailed(payload), ["<!-- branch-steward:backport -->"])).toEqual(clean);
  });

  it("stays inert for fuzzed titles", () => {
    fc.assert(
      fc.property(userText, userText, (title, commit) => {
        const b = { ...body(title), commits: [{ sha: "e".repeat(40), title: commit }] };
        expect(hazards(renderBackportBody(b))).toEqual(clean);
      }),
      { numRuns: 300 },
    );
  });
});

describe("config keys", () => {
  it.each(PAYLOADS)("stay inert in the check and the comment with the key %j", (payload) => {
    const route = { baseRepo: "acme/forecast", headRepo: "acme/forecast", source: "feature/x", target: "development" };
    const e = evaluate(route, parseConfig({ [payload]: 1, backport: { [payload]: true } })) as Evaluation;
    expect(e.rules.length).toBeGreaterThan(0);
    expect(hazards(renderCheck(e).summary)).toEqual(clean);
    expect(hazards(renderComment(e, { checksUrl: "https://github.com/acme/forecast/pull/7/checks" }))).toEqual(clean);
  });
});

describe("the release notes and comments", () => {
  const MARKERS = [RELEASE_COMMENT_MARKER, "<!-- branch-steward:release-notes -->", "<!-- branch-steward:version v1.0.1 -->"];
  const LOGINS = ["@alice", "@bob", "@carol"];
  /** The renderer's own `<sub>`/`<br>` and the mentions of real logins are intended. */
  const releaseHazards = (body: string): Hazards => {
    const h = hazards(body, MARKERS);
    return { ...h, html: h.html.filter((t) => !/^<\/?(sub|br)>/.test(t)), mentions: h.mentions.filter((m) => !LOGINS.some((l) => m.startsWith(l))) };
  };
  const reason = (source: string) =>
    bumpReasonText(decideBump({ flow: { name: "hotfix", kind: "hotfix" }, source, title: "t", body: "", labels: [], labelNames: { major: "m", minor: "n", patch: "p", revert: "r" }, revert: false }));
  const check = (name: string, reporter: string): ObservedCheck => ({ source: "check_run", name, reporter, status: "completed", conclusion: "failure", url: "https://ci.example/1", startedAt: "2026-01-01T00:00:00Z", completedAt: "2026-01-01T00:01:00Z", id: 1 });
  const notes = (text: string): ReleaseNotesData => ({
    repoHtmlUrl: "https://github.com/acme/forecast",
    tag: "v1.0.1",
    previous: "v1.0.0",
    bumpReason: reason(`hotfix/${text}`),
    pull: { number: 3, title: text, url: "https://github.com/acme/forecast/pull/3", author: "alice", mergedBy: "bob", mergedAt: "2026-01-01T00:02:00Z", approvers: ["carol"] },
    flow: "hotfix",
    mergeSha: "a".repeat(40),
    headSha: "b".repeat(40),
    includedPulls: [{ number: 2, title: text }],
    commits: [{ sha: "c".repeat(40), message: `${text}\n\nbody`, author: "alice", parents: [] }],
    totalCommits: 40,
    evidence: [{ name: text, app: text, head: [check(text, text)], merge: [] }],
    validationFlow: "hotfix",
    runningOnMerge: [text],
    bypass: { check: `branch-steward / ${text}`, conclusion: "failure" },
    reverts: { tag: null, why: `the ${code(text)} label` },
    revertedBy: [],
    ignoredTags: [text],
  });

  it.each(PAYLOADS)("the notes stay inert with %j as title, branch, check, tag and commit", (payload) => {
    expect(releaseHazards(renderReleaseNotes(notes(payload)))).toEqual(clean);
  });

  it("the notes stay inert for fuzzed text", () => {
    fc.assert(
      fc.property(userText, (text) => {
        expect(releaseHazards(renderReleaseNotes(notes(text)))).toEqual(clean);
      }),
      { numRuns: 200 },
    );
  });

  it.each(PAYLOADS)("the release comment quotes the branch %j and stays inert", (payload) => {
    const body = renderReleaseComment({ tag: "v1.0.1", releaseUrl: "https://github.com/acme/forecast/releases/tag/v1.0.1", previous: "v1.0.0", bumpReason: reason(`hotfix/${payload}`), reverts: null });
    expect(releaseHazards(body)).toEqual(clean);
    expect(body).toContain(code(`hotfix/${payload}`));
  });

  it.each(PAYLOADS)("the not-released comment stays inert with the config key %j", (payload) => {
    const { problem } = releaseProblemText({ code: "config-invalid", issues: [{ path: `backport.${payload}`, message: `unknown key "${payload}"` }] });
    expect(releaseHazards(renderReleaseProblemComment(problem, "Fix .github/branch-steward.yml on the default branch."))).toEqual(clean);
    expect(problem).toContain(code(`backport.${payload}`));
  });
});

describe("the backport PR title and conflict commands", () => {
  it.each(PAYLOADS)("the title stays one line within 256 characters with %j", (payload) => {
    const title = renderBackportTitle("hotfix", { development: "development", production: "production", number: 12, title: payload.repeat(40) });
    expect(title.length).toBeLessThanOrEqual(256);
    expect(title).not.toMatch(/[\r\n]/);
    expect(title.endsWith(" (backport #12)")).toBe(true);
  });

  it.each(PAYLOADS)("the conflict comment keeps its commands in one fence with the branch %j", (payload) => {
    const body = renderConflict(`backport/${payload}`, `dev${payload}`);
    expect(body.split("\n").filter((l) => /^```/.test(l))).toHaveLength(2);
    expect(hazards(body, ["<!-- branch-steward:backport-conflict -->"])).toEqual(clean);
  });
});
