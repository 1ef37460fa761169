/** Markdown helpers for text that users control (branch names, titles, check names). */

/** Makes a table cell safe: no pipes or newlines break the row. */
export function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

/** Escapes markdown and HTML in plain user text so it renders as written. */
export function escapeText(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|~@]/g, "\\$&");
}

/** GitHub limits check output summaries and texts to 65,535 characters. */
export const CHECK_TEXT_LIMIT = 65_535;

export function truncate(text: string, limit = CHECK_TEXT_LIMIT): string {
  if (text.length <= limit) return text;
  const note = "\n\n… (truncated)";
  return text.slice(0, limit - note.length) + note;
}
