/** Markdown helpers for text that users control (branch names, titles, check names). */

/** Makes a table cell safe: no pipes or newlines break the row. */
export function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r\n?|\n/g, "<br>");
}

/** Renders `@name` as text, never as a mention (Renovate's trick: a zero-width space after `@`). */
const NO_MENTION = "@&#8203;";

/**
 * Escapes markdown and HTML in plain user text so it renders as written, on one line: `@` never
 * pings anyone, `&` never starts an entity, and a newline cannot start a new block.
 * `mentions: true` keeps `@login` as written (`\@`) for texts the app itself wrote about a user.
 */
export function escapeText(text: string, options: { readonly mentions?: boolean } = {}): string {
  const at = options.mentions ? "\\@" : NO_MENTION;
  return text.replace(/\r\n?|\n/g, " ").replace(/[\\`*_{}[\]()#+\-.!<>|~@&]/g, (c) => (c === "@" ? at : `\\${c}`));
}

/**
 * A lighter escape for plain text in the middle of a line (never at its start): only what can
 * open inline markup (emphasis, code, links, images, HTML, entities, strikethrough, mentions).
 */
export function escapeInline(text: string): string {
  return text.replace(/\r\n?|\n/g, " ").replace(/[\\`*_[\]<>~@&]/g, (c) => (c === "@" ? NO_MENTION : `\\${c}`));
}

/**
 * An inline code span that shows `text` exactly: the fence is one backtick longer than the
 * longest backtick run inside, padded when the text starts or ends with a backtick.
 */
export function code(text: string): string {
  const flat = text.replace(/\r\n?|\n/g, " ");
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") || (flat.startsWith(" ") && flat.endsWith(" ") && flat.trim() !== "") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * Defence in depth for markdown built elsewhere (the policy layer's rule details and fixes, which
 * may quote commit titles or check names): outside code spans and backslash escapes, `<` cannot
 * open HTML, `&` cannot spell an entity, `@name` does not mention anyone, `![…]` is no image and
 * a link must point to an http(s) URL or a path. Code spans, links and emphasis are kept.
 * Newlines become spaces and a leading block marker is escaped (the text is one table cell or
 * list item).
 */
export function inertMarkdown(markdown: string): string {
  const text = markdown.replace(/\s*(\r\n?|\n)\s*/g, " ").trim();
  // Never open a block (heading, quote, list, thematic break) when placed at a line start.
  let out = /^([#>=+*-]|\d+[.)])/.test(text) ? "\\" : "";
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "\\" && i + 1 < text.length) {
      out += text.slice(i, i + 2);
      i += 2;
    } else if (c === "`") {
      let run = 1;
      while (text[i + run] === "`") run++;
      const fence = "`".repeat(run);
      // A code span closes at the next backtick run of exactly the same length.
      let close = -1;
      for (let j = text.indexOf(fence, i + run); j !== -1; j = text.indexOf(fence, j + 1)) {
        let len = 0;
        while (text[j + len] === "`") len++;
        if (len === run) {
          close = j;
          break;
        }
        j += len - 1;
      }
      if (close === -1) {
        out += fence.replace(/`/g, "\\`"); // an unmatched run is literal backticks
        i += run;
      } else {
        out += text.slice(i, close + run);
        i = close + run;
      }
    } else if (c === "!" && text[i + 1] === "[") {
      out += "\\!"; // no images
      i++;
    } else if (c === "]" && text[i + 1] === "(" && !/^\((https?:\/\/|\/|#)/.test(text.slice(i + 1))) {
      out += "\\]"; // links only to http(s) URLs and paths: no javascript:, data:, …
      i++;
    } else if (c === "<") {
      out += "&lt;";
      i++;
    } else if (c === "&") {
      out += "&amp;";
      i++;
    } else if (c === "@" && /[A-Za-z0-9]/.test(text[i + 1] ?? "")) {
      out += NO_MENTION;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * One shell word that a person can paste safely: names made of ordinary characters stay as they
 * are, anything else is single-quoted (a branch name may hold `$(…)`, `;` or a backtick).
 */
export function shellArg(text: string): string {
  if (/^[A-Za-z0-9._/@%+=:,-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, "'\\''")}'`;
}
