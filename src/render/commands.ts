/**
 * Replies to slash commands. Only one: the refusal someone without write access gets, once per
 * PR. Its hidden marker names the login, so a later command from them finds it and stays quiet.
 */
import { code, escapeText } from "./markdown.js";

/** GitHub logins are at most 39 characters; anything longer is cut in the text. */
const LOGIN_SHOWN = 39;

/** `<!-- branch-steward:refused:<login> -->`: the login lower-cased (GitHub's are case-insensitive) and URI-encoded, so it cannot close the comment. */
export function refusalMarker(login: string): string {
  return `<!-- branch-steward:refused:${encodeURIComponent(login.toLowerCase()).slice(0, 200)} -->`;
}

/** The one reply to someone without write access (no mention: they are subscribed, having commented). */
export function renderRefusal(login: string, command: string): string {
  const shown = login.length > LOGIN_SHOWN ? `${login.slice(0, LOGIN_SHOWN)}…` : login;
  return [
    refusalMarker(login),
    `${escapeText(`@${shown}`)}: ${code(command)} is reserved for people with write access to this repository, so branch-steward did not run it. ` +
      "A maintainer can run it for you. branch-steward will not answer your commands on this PR again.",
  ].join("\n");
}
