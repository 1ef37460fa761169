/**
 * GitHub's size limits on texts, with the answers GitHub gives (422). Characters are counted as
 * GitHub (Ruby) does: Unicode code points, not UTF-16 code units.
 *
 * Known answers: comment, issue, pull request and release bodies and issue/PR titles get
 * `Validation Failed` with `{resource, code: "custom", field, message: "<field> is too long (maximum is N characters)"}`.
 * Check run output over 65,535 characters gets the schema answer `Invalid request.\n\nOnly 65535
 * characters are allowed; N were supplied.`; within the characters but over 65,535 UTF-8 bytes it gets
 * `Validation Failed` with `summary exceeds a maximum bytesize of 65535`.
 */
import { HttpError, validationFailed } from "./errors.js";

export const TEXT_LIMITS = {
  checkText: 65_535,
  /** GitHub documents no limit on a check run title; the twin's guess. */
  checkTitle: 255,
  body: 65_536,
  releaseBody: 125_000,
  title: 256,
  labelName: 50,
} as const;

/** Characters as GitHub counts them (code points). */
export function characters(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** `<field> is too long (maximum is N characters)` when `value` is longer than `max`. */
export function checkLength(resource: string, field: string, value: string | null | undefined, max: number): void {
  if (value === null || value === undefined || value.length <= max || characters(value) <= max) return;
  throw validationFailed({ resource, code: "custom", field, message: `${field} is too long (maximum is ${max} characters)` });
}

/**
 * Issue and pull request titles ≤ 256 and bodies ≤ 65,536 characters. A pull request's title and
 * body live on its issue: GitHub names the resource `Issue` for both.
 */
export function checkIssueText(input: { title?: string | null; body?: string | null }): void {
  checkLength("Issue", "title", input.title, TEXT_LIMITS.title);
  checkLength("Issue", "body", input.body, TEXT_LIMITS.body);
}

/** Check run `output`: summary and text within 65,535 characters and bytes, a short title. */
export function checkRunOutput(output: { title?: string | null; summary?: string | null; text?: string | null } | undefined): void {
  if (!output) return;
  for (const field of ["summary", "text"] as const) {
    const value = output[field];
    if (typeof value !== "string") continue;
    const chars = characters(value);
    if (chars > TEXT_LIMITS.checkText) {
      throw new HttpError(422, `Invalid request.\n\nOnly ${TEXT_LIMITS.checkText} characters are allowed; ${chars} were supplied.`);
    }
    if (Buffer.byteLength(value, "utf8") > TEXT_LIMITS.checkText) {
      throw validationFailed({ resource: "CheckRun", code: "custom", field, message: `${field} exceeds a maximum bytesize of ${TEXT_LIMITS.checkText}` });
    }
  }
  checkLength("CheckRun", "title", output.title, TEXT_LIMITS.checkTitle);
}
