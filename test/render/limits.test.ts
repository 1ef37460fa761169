/**
 * The fitting functions of src/render/limits.ts: examples, then properties over arbitrary
 * Unicode and arbitrary markdown documents (fences, tables, HTML comments, hidden markers).
 */
import fc from "fast-check";
import { CHECK_TEXT, TITLE, clipInline, cutText, fitBody, fitList, fitTitle, fits, utf8Bytes, type Limit } from "../../src/render/limits.js";
import { code } from "../../src/render/markdown.js";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const within = (text: string, limit: Limit) => text.length <= limit.chars && (limit.bytes === undefined || utf8Bytes(text) <= limit.bytes);

describe("fits and cutText", () => {
  it("count UTF-8 bytes where the limit has them", () => {
    expect(fits("€".repeat(21_845), CHECK_TEXT)).toBe(true); // 65,535 bytes
    expect(fits("€".repeat(21_846), CHECK_TEXT)).toBe(false);
    expect(fits("€".repeat(21_846), { chars: 65_535 })).toBe(true);
  });

  it("never cut a surrogate pair or a grapheme", () => {
    expect(cutText("ab😀", { chars: 3 })).toBe("ab");
    expect(cutText("ab😀", { chars: 2, bytes: 5 })).toBe("ab");
    expect(cutText("abe\u0301x", { chars: 3 })).toBe("ab"); // é as e + combining acute
    expect(cutText("a👩‍👩‍👧b", { chars: 6 })).toBe("a"); // a family emoji is one grapheme of 8 code units
    expect(cutText("a€€", { chars: 10, bytes: 6 })).toBe("a€");
  });
});

describe("fitTitle", () => {
  it("keeps the prefix and the suffix of a backport title and shortens only the middle", () => {
    const title = fitTitle("t".repeat(250), TITLE, { prefix: "[development] ", suffix: " (backport #12)" });
    expect(title).toHaveLength(256);
    expect(title).toBe(`[development] ${"t".repeat(226)}… (backport #12)`);
  });

  it("leaves a title that fits alone, on one line", () => {
    expect(fitTitle("Fix\n  drift\tthreshold ", TITLE, { prefix: "[dev] ", suffix: " (backport #1)" })).toBe("[dev] Fix drift threshold (backport #1)");
  });

  it("cuts the whole title when the frame alone is too long", () => {
    const title = fitTitle("x", { chars: 20 }, { prefix: "p".repeat(30) });
    expect(title).toBe(`${"p".repeat(19)}…`);
  });
});

describe("fitList", () => {
  const items = Array.from({ length: 100 }, (_, i) => `- item ${i}`);

  it("shows at most max items and says how many more", () => {
    expect(fitList(items, { max: 3, more: (n) => `- … and ${n} more` })).toEqual(["- item 0", "- item 1", "- item 2", "- … and 97 more"]);
    expect(fitList(items.slice(0, 3), { max: 3, more: (n) => `- … and ${n} more` })).toEqual(["- item 0", "- item 1", "- item 2"]);
  });

  it("keeps the joined list within a limit, more line included", () => {
    const out = fitList(items, { limit: { chars: 60 }, more: (n) => `- … and ${n} more` });
    expect(out.join("\n").length).toBeLessThanOrEqual(60);
    expect(out.at(-1)).toBe(`- … and ${100 - out.length + 1} more`);
  });
});

describe("fitBody", () => {
  const marker = "<!-- branch-steward -->";

  it("returns a text that fits unchanged", () => {
    expect(fitBody(`${marker}\nhello`, { chars: 100 })).toBe(`${marker}\nhello`);
  });

  it("cuts whole table rows, keeps the header and the marker, and says what it left out", () => {
    const rows = Array.from({ length: 50 }, (_, i) => `| rule ${i} | ✅ pass |`);
    const text = [marker, "intro", "", "| Rule | Result |", "| --- | --- |", ...rows, "", "footer"].join("\n");
    const out = fitBody(text, { chars: 200 }, "… 40 more rules: see the check");
    expect(out.length).toBeLessThanOrEqual(200);
    const lines = out.split("\n");
    expect(lines[0]).toBe(marker);
    expect(lines).toContain("| Rule | Result |");
    expect(lines.filter((l) => l.startsWith("| rule ")).every((l) => rows.includes(l))).toBe(true);
    expect(out.endsWith("\n\n… 40 more rules: see the check")).toBe(true);
  });

  it("never ends on a table header without its rows", () => {
    const text = ["intro", "| Rule | Result |", "| --- | --- |", `| ${"x".repeat(100)} | y |`].join("\n");
    expect(fitBody(text, { chars: 60 }, "…")).toBe("intro\n\n…");
  });

  it("closes a code fence it cuts", () => {
    const text = ["Run:", "", "```sh", ...Array.from({ length: 40 }, (_, i) => `echo ${i}`), "```", "done"].join("\n");
    const out = fitBody(text, { chars: 120 }, "… shortened");
    expect(out.split("\n").filter((l) => l.startsWith("```"))).toHaveLength(2);
    expect(out.endsWith("```\n\n… shortened")).toBe(true);
  });

  it("never ends inside an HTML comment, and keeps hidden marker lines it cut", () => {
    const text = ["top", "<!--", "a note ".repeat(10), "-->", "tail ".repeat(20), "<!-- branch-steward:reverted-by v1.2.0 -->"].join("\n");
    const out = fitBody(text, { chars: 60 }, "…");
    expect(out).toBe("top\n\n…\n<!-- branch-steward:reverted-by v1.2.0 -->");
  });

  it("counts bytes when the limit does", () => {
    const text = Array.from({ length: 100 }, () => "€".repeat(10)).join("\n");
    const out = fitBody(text, { chars: 1_000, bytes: 300 }, "…");
    expect(utf8Bytes(out)).toBeLessThanOrEqual(300);
    expect(out.length).toBeGreaterThan(80);
  });
});

describe("clipInline", () => {
  it("never ends inside a code span, whose content would become live markup", () => {
    const text = `see ${code("<img src=x onerror=alert(1)>")} now`;
    expect(clipInline(text, { chars: 20 })).toBe("see…");
  });

  it("drops a half entity and a lone trailing backslash", () => {
    expect(clipInline("a @&#8203;everyone b", { chars: 8 })).toBe("a @…");
    expect(clipInline("abc\\<def", { chars: 5 })).toBe("abc…");
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const unicode = fc.string({ unit: "grapheme", maxLength: 80 });
const anyUnits = fc.string({ unit: "binary", maxLength: 80 });
const limits = fc.record({ chars: fc.integer({ min: 0, max: 120 }), bytes: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }) }).map((l) =>
  l.bytes === undefined ? { chars: l.chars } : { chars: l.chars, bytes: l.bytes },
);

describe("properties", () => {
  it("cutText: a prefix within the limit, never half a surrogate pair", () => {
    fc.assert(
      fc.property(fc.oneof(unicode, anyUnits), limits, (text, limit) => {
        const out = cutText(text, limit);
        expect(text.startsWith(out)).toBe(true);
        expect(within(out, limit)).toBe(true);
        if (!LONE_SURROGATE.test(text)) expect(out).not.toMatch(LONE_SURROGATE);
      }),
      { numRuns: 500 },
    );
  });

  it("fitTitle: one line within the limit, prefix and suffix kept when they fit, no half character", () => {
    fc.assert(
      fc.property(fc.oneof(unicode, anyUnits), fc.constantFrom("", "[development] ", "[dév🛠️] "), fc.constantFrom("", " (backport #12)"), fc.integer({ min: 1, max: 120 }), (text, prefix, suffix, chars) => {
        const limit = { chars };
        const out = fitTitle(text, limit, { prefix, suffix });
        expect(within(out, limit)).toBe(true);
        expect(out).not.toMatch(/[\r\n]/);
        if (!LONE_SURROGATE.test(text)) expect(out).not.toMatch(LONE_SURROGATE);
        if (prefix.length + suffix.length + 2 <= chars) {
          expect(out.startsWith(prefix)).toBe(true);
          expect(out.endsWith(suffix)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("fitList: whole items in order within the limit, and an exact count of the rest", () => {
    fc.assert(
      fc.property(fc.array(unicode, { maxLength: 30 }), fc.integer({ min: 20, max: 400 }), fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }), (items, chars, max) => {
        const out = fitList(items, { limit: { chars, bytes: chars * 2 }, ...(max === undefined ? {} : { max }), more: (n) => `… and ${n} more` });
        const last = out.at(-1) ?? "";
        const more = /^… and (\d+) more$/.exec(last);
        const shown = more && out.length - 1 + Number(more[1]) === items.length ? out.slice(0, -1) : out;
        expect(shown).toEqual(items.slice(0, shown.length));
        expect(shown.length + (shown === out ? 0 : Number((more as RegExpExecArray)[1]))).toBe(items.length);
        if (fits(`… and ${items.length} more`, { chars, bytes: chars * 2 })) expect(within(out.join("\n"), { chars, bytes: chars * 2 })).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  const MARKER = "<!-- branch-steward:release -->";
  const block = fc.oneof(
    unicode.map((t) => t.replace(/[\r\n]/g, " ").replace(/^(```|~~~|<!--|\|)/, "x")),
    fc.array(unicode.map((t) => t.replace(/[\r\n`]/g, " ")), { minLength: 1, maxLength: 6 }).map((lines) => ["```sh", ...lines, "```"].join("\n")),
    fc.array(unicode.map((t) => `| ${t.replace(/[\r\n|]/g, " ")} | ✅ |`), { minLength: 1, maxLength: 8 }).map((rows) => ["| Rule | Result |", "| --- | --- |", ...rows].join("\n")),
    unicode.map((t) => `<!--\n${t.replace(/-->|[\r\n]/g, " ")}\n-->`),
    fc.constantFrom("<!-- branch-steward:reverted-by v1.2.0 -->", "<!-- branch-steward:version v2.0.0 -->"),
  );
  const doc = fc.array(block, { maxLength: 12 }).map((blocks) => [MARKER, ...blocks].join("\n\n"));
  const fences = (text: string) => text.split("\n").filter((l) => /^```/.test(l)).length;
  const comments = (text: string) => [(text.match(/<!--/g) ?? []).length, (text.match(/-->/g) ?? []).length];

  it("fitBody: within the limit in characters and bytes, markers kept, fences and comments balanced, tables with headers", () => {
    fc.assert(
      fc.property(doc, fc.integer({ min: 150, max: 2_000 }), fc.boolean(), (text, chars, bytes) => {
        const limit: Limit = bytes ? { chars, bytes: chars } : { chars };
        const notice = "… shortened: see the check run";
        const out = fitBody(text, limit, notice);
        expect(within(out, limit)).toBe(true);
        if (!LONE_SURROGATE.test(text)) expect(out).not.toMatch(LONE_SURROGATE);
        if (out === text) return;
        expect(out.split("\n")[0]).toBe(MARKER);
        const markers = text.split("\n").filter((l) => /^<!-- branch-steward:[^>]*-->$/.test(l));
        if (markers.join("\n").length + notice.length + 10 > chars) return; // no room for them all
        for (const marker of markers) expect(out).toContain(marker);
        expect(fences(out) % 2).toBe(0);
        const [open, close] = comments(out);
        expect(open).toBe(close);
        expect(out).toContain(notice);
        // Every table kept starts with its header and delimiter row.
        const lines = out.split("\n");
        lines.forEach((line, i) => {
          if (line.startsWith("| ") && !(lines[i - 1] ?? "").startsWith("|")) {
            expect(line).toBe("| Rule | Result |");
            expect(lines[i + 1]).toBe("| --- | --- |");
            expect(lines[i + 2]?.startsWith("| ")).toBe(true);
          }
        });
      }),
      { numRuns: 400 },
    );
  });

  it("clipInline: within the limit and never ends inside a code span", () => {
    fc.assert(
      fc.property(unicode, unicode, fc.integer({ min: 1, max: 60 }), (a, b, chars) => {
        const text = `${a.replace(/`/g, "'")} ${code(`<b>${b}</b>`)} tail`;
        const out = clipInline(text, { chars });
        expect(out.length).toBeLessThanOrEqual(chars);
        // The code span is kept whole or left out: no `<b>` outside one.
        expect(out.includes("<b>") ? out.includes(code(`<b>${b}</b>`)) : true).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
