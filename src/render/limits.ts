/**
 * GitHub's size limits on what branch-steward writes, and the one way to fit a text into them.
 *
 * GitHub answers 422 to a text over its limit, and a refused check run or backport PR fails
 * enforcement, so every text the app sends is fitted here. Fitting never cuts half a character
 * (surrogate pair or grapheme), half a table row, an inline code span, a code fence or an HTML
 * comment (the hidden markers the app finds its own comments by always survive), and it says
 * what it left out and where the whole thing is.
 *
 * Sizes are counted in UTF-16 code units (`string.length`), which is never less than GitHub's
 * count of characters, and, where GitHub also counts them, in UTF-8 bytes.
 */

export interface Limit {
  /** Most characters (UTF-16 code units). */
  readonly chars: number;
  /** Most UTF-8 bytes, where GitHub counts them too. */
  readonly bytes?: number;
}

/** Check run `output.summary` and `output.text`: 65,535 characters and 65,535 bytes. */
export const CHECK_TEXT: Limit = { chars: 65_535, bytes: 65_535 };
/** Check run `output.title`: GitHub documents no limit; a title is one short line. */
export const CHECK_TITLE: Limit = { chars: 255 };
/** Issue comments. */
export const COMMENT_BODY: Limit = { chars: 65_536 };
/** Issue and pull request descriptions. */
export const ISSUE_BODY: Limit = { chars: 65_536 };
/** Release notes. */
export const RELEASE_BODY: Limit = { chars: 125_000 };
/** Issue and pull request titles. */
export const TITLE: Limit = { chars: 256 };
/** Label names. */
export const LABEL_NAME: Limit = { chars: 50 };
/** Release names: no documented limit; kept short so the releases list stays readable. */
export const RELEASE_NAME: Limit = { chars: 120 };

const ELLIPSIS = "…";

/** UTF-8 size of a text without encoding it. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** True when `text` is within `limit` (characters and, when limited, bytes). */
export function fits(text: string, limit: Limit): boolean {
  if (text.length > limit.chars) return false;
  // One UTF-16 code unit is at most 3 UTF-8 bytes: most texts never need counting.
  return limit.bytes === undefined || text.length * 3 <= limit.bytes || utf8Bytes(text) <= limit.bytes;
}

/** A limit with room left for `reserved` (a text that will be added). */
export function minus(limit: Limit, reserved: string): Limit {
  const chars = limit.chars - reserved.length;
  return limit.bytes === undefined ? { chars } : { chars, bytes: limit.bytes - utf8Bytes(reserved) };
}

const isHigh = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

/** The largest code point boundary `end` ≤ the limit such that `text.slice(0, end)` fits. */
function codePointEnd(text: string, limit: Limit): number {
  let end = Math.max(0, Math.min(text.length, limit.chars));
  if (limit.bytes !== undefined && end * 3 > limit.bytes) {
    let bytes = 0;
    let i = 0;
    while (i < end) {
      const cp = text.codePointAt(i) as number;
      const units = cp > 0xffff ? 2 : 1;
      const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp > 0xffff ? 4 : 3;
      if (bytes + size > limit.bytes || i + units > end) break;
      bytes += size;
      i += units;
    }
    end = i;
  }
  // Never keep the first half of a surrogate pair.
  if (end > 0 && end < text.length && isHigh(text.charCodeAt(end - 1)) && isLow(text.charCodeAt(end))) end--;
  return end;
}

let segmenter: Intl.Segmenter | undefined;

/** The last grapheme boundary at or before `end` (a code point boundary). */
function graphemeBoundary(text: string, end: number): number {
  if (end <= 0 || end >= text.length) return end;
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  // Graphemes are local: a window around the cut is enough (a longer cluster is cut between code points).
  let start = Math.max(0, end - 64);
  if (start > 0 && isLow(text.charCodeAt(start)) && isHigh(text.charCodeAt(start - 1))) start--;
  let boundary = start;
  for (const { index } of segmenter.segment(text.slice(start, Math.min(text.length, end + 16)))) {
    if (start + index > end) break;
    boundary = start + index;
  }
  return boundary === start && start > 0 ? end : boundary;
}

/** The longest prefix of `text` that fits `limit`, cut between graphemes. */
export function cutText(text: string, limit: Limit): string {
  if (fits(text, limit)) return text;
  return text.slice(0, graphemeBoundary(text, codePointEnd(text, limit)));
}

/** Code spans of one line of markdown (CommonMark: a backtick run closes at the next run of equal length). */
function codeSpans(text: string): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\") {
      i += 2;
      continue;
    }
    if (c !== "`") {
      i++;
      continue;
    }
    let run = 1;
    while (text[i + run] === "`") run++;
    let close = -1;
    for (let j = i + run; j < text.length; ) {
      if (text[j] !== "`") {
        j++;
        continue;
      }
      let len = 1;
      while (text[j + len] === "`") len++;
      if (len === run) {
        close = j;
        break;
      }
      j += len;
    }
    if (close < 0) {
      i += run;
    } else {
      spans.push({ start: i, end: close + run });
      i = close + run;
    }
  }
  return spans;
}

/**
 * Shortens one line of inline markdown (a table cell, a list item) to at most `limit`, ending
 * with "…". It never ends inside a code span (what the span held could become live markup), in
 * an entity or after a lone backslash.
 */
export function clipInline(text: string, limit: Limit): string {
  if (fits(text, limit)) return text;
  let end = cutText(text, minus(limit, ELLIPSIS)).length;
  const inside = codeSpans(text).find((s) => s.start < end && end < s.end);
  if (inside) end = inside.start;
  let kept = text.slice(0, end);
  kept = kept.replace(/&#?[A-Za-z0-9]*$/, "").replace(/(?<!\\)(\\\\)*\\$/, "$1");
  return `${kept.trimEnd()}${ELLIPSIS}`;
}

/** One line of plain text: white space runs become one space. */
const oneLine = (text: string): string => text.replace(/\s+/g, " ");

/**
 * A title (plain text, one line) within `limit`. With a frame, only the text between prefix and
 * suffix is shortened, so `[development] <title> (backport #12)` keeps its prefix and suffix.
 */
export function fitTitle(text: string, limit: Limit = TITLE, frame: { readonly prefix?: string; readonly suffix?: string } = {}): string {
  const prefix = oneLine(frame.prefix ?? "");
  const suffix = oneLine(frame.suffix ?? "");
  const middle = oneLine(text).trim();
  const whole = `${prefix}${middle}${suffix}`;
  if (fits(whole, limit)) return whole;
  const room = minus(limit, `${prefix}${ELLIPSIS}${suffix}`);
  if (room.chars > 0 && (room.bytes === undefined || room.bytes > 0)) return `${prefix}${cutText(middle, room).trimEnd()}${ELLIPSIS}${suffix}`;
  return `${cutText(whole, minus(limit, ELLIPSIS)).trimEnd()}${ELLIPSIS}`;
}

export interface FitListOptions {
  /** Most items shown. */
  readonly max?: number;
  /** The joined result (items and the "more" line) fits this. */
  readonly limit?: Limit;
  /** Between items; "\n" by default. */
  readonly separator?: string;
  /** The line that replaces the items left out, e.g. (n) => `- … and ${n} more: see the Commits tab`. */
  readonly more: (omitted: number) => string;
}

/**
 * The first items that fit (at most `max`, and joined within `limit`), followed by `more(n)` when
 * n items were left out. Items are whole: a list item or table row is never cut.
 */
export function fitList(items: readonly string[], options: FitListOptions): string[] {
  const sep = options.separator ?? "\n";
  let keep = Math.min(items.length, options.max ?? items.length);
  const build = (k: number): string[] => (k < items.length ? [...items.slice(0, k), options.more(items.length - k)] : [...items]);
  const limit = options.limit;
  if (!limit) return build(keep);
  // Grow while the items and the longest possible "more" line fit, then make sure the real one does.
  const reserve = `${sep}${options.more(items.length)}`;
  const sepBytes = utf8Bytes(sep);
  const budget = minus(limit, reserve);
  let chars = 0;
  let bytes = 0;
  let k = 0;
  for (; k < keep; k++) {
    const item = items[k] as string;
    const addChars = item.length + (k ? sep.length : 0);
    const addBytes = budget.bytes === undefined ? 0 : utf8Bytes(item) + (k ? sepBytes : 0);
    const last = k + 1 === items.length;
    const room = last ? limit : budget;
    if (chars + addChars > room.chars || (room.bytes !== undefined && bytes + addBytes > room.bytes)) break;
    chars += addChars;
    bytes += addBytes;
  }
  keep = k;
  while (keep > 0 && !fits(build(keep).join(sep), limit)) keep--;
  return build(keep);
}

/** An opening code fence: its character and length. */
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const TABLE_DELIMITER = /^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
const MARKER_LINE = /^<!--.*-->\s*$/;

/** `<!--` and `-->` outside code spans and escapes. */
function commentDelta(line: string, open: boolean): boolean {
  const spans = codeSpans(line);
  let state = open;
  const outside = (i: number) => !spans.some((s) => s.start <= i && i < s.end);
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "\\") {
      i++;
      continue;
    }
    if (!state && line.startsWith("<!--", i) && outside(i)) {
      state = true;
      i += 3;
    } else if (state && line.startsWith("-->", i)) {
      state = false;
      i += 2;
    }
  }
  return state;
}

interface Cut {
  /** Lines kept: lines[0..count). */
  readonly count: number;
  /** Text that closes what is open at the cut (a code fence). */
  readonly close: string;
}

/** Places where the text can end after whole lines without leaving markup open. */
function safeCuts(lines: readonly string[]): Cut[] {
  const cuts: Cut[] = [{ count: 0, close: "" }];
  let fence: { char: string; length: number } | null = null;
  let comment = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (fence) {
      const m = FENCE.exec(line);
      if (m && (m[1] as string)[0] === fence.char && (m[1] as string).length >= fence.length && line.trim() === m[1]) fence = null;
    } else if (!comment && FENCE.test(line)) {
      const run = (FENCE.exec(line) as RegExpExecArray)[1] as string;
      fence = { char: run[0] as string, length: run.length };
    } else {
      comment = commentDelta(line, comment);
    }
    if (comment) continue;
    // A table keeps its header: never end on a header or delimiter row.
    const next = lines[i + 1];
    if (!fence && line.includes("|") && next !== undefined && TABLE_DELIMITER.test(next)) continue;
    if (!fence && TABLE_DELIMITER.test(line) && line.includes("-") && i > 0 && (lines[i - 1] as string).includes("|")) continue;
    cuts.push({ count: i + 1, close: fence ? `\n${fence.char.repeat(fence.length)}` : "" });
  }
  return cuts;
}

/**
 * A markdown body within `limit`. When it does not fit, it ends after whole lines at a safe place
 * (no open code fence, HTML comment or header-only table), then says `notice` (what was left out
 * and where the whole thing is). Hidden marker lines (`<!-- … -->`) stay: those it starts with stay
 * first, those that were cut come after the notice.
 */
export function fitBody(text: string, limit: Limit, notice = "… (shortened to fit GitHub's size limit)"): string {
  if (fits(text, limit)) return text;
  const lines = text.split("\n");
  const markersAfter: string[] = [];
  // markersAfter[i]: the marker lines among lines[i..], in order.
  let acc = "";
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as string;
    if (MARKER_LINE.test(line)) acc = acc ? `${line}\n${acc}` : line;
    markersAfter[i] = acc;
  }
  // Prefix sizes of whole lines, as far as any can be kept.
  const prefixChars: number[] = [0];
  const prefixBytes: number[] = [0];
  let reach = 0;
  while (reach < lines.length && (prefixChars[reach] as number) <= limit.chars) {
    const line = lines[reach] as string;
    prefixChars.push((prefixChars[reach] as number) + line.length + (reach ? 1 : 0));
    prefixBytes.push((prefixBytes[reach] as number) + (limit.bytes === undefined ? 0 : utf8Bytes(line) + (reach ? 1 : 0)));
    reach++;
  }
  // Leading marker lines stay first: the app finds its comments by the marker they start with.
  let leading = 0;
  while (leading < lines.length && MARKER_LINE.test(lines[leading] as string)) leading++;
  const cuts = safeCuts(lines.slice(0, reach + 1)).filter((c) => c.count <= reach);
  for (let c = cuts.length - 1; c >= 0; c--) {
    const { count, close } = cuts[c] as Cut;
    if (count < leading) break;
    const markers = markersAfter[count] ?? "";
    const tail = `${close}${count ? "\n\n" : ""}${notice}${markers ? `\n${markers}` : ""}`;
    const room = minus(limit, tail);
    if ((prefixChars[count] as number) > room.chars) continue;
    if (room.bytes !== undefined && (prefixBytes[count] as number) > room.bytes) continue;
    return `${lines.slice(0, count).join("\n")}${tail}`;
  }
  return cutText([...lines.slice(0, leading), notice].join("\n"), limit);
}

/** A check run summary (or text) within 65,535 characters and bytes. */
export function fitCheckSummary(markdown: string, notice = "… shortened: GitHub limits a check summary to 65,535 characters."): string {
  return fitBody(markdown, CHECK_TEXT, notice);
}
