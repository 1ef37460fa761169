/** Helpers for the hardening tests. */
import { sign as signBody } from "@octokit/webhooks-methods";

export { freePort } from "../../tools/sandbox/stack.js";

/**
 * `X-Hub-Signature-256` of `body`. GitHub never sends an empty body, and @octokit/webhooks-methods
 * refuses to sign one (or to verify it, whatever the header says): a well-formed stand-in goes then.
 */
export async function sign(secret: string, body: string): Promise<string> {
  return body === "" ? `sha256=${"0".repeat(64)}` : signBody(secret, body);
}

/** A webhook POST as GitHub sends it; `secret` signs the body. */
export async function signedDelivery(o: { event: string; body: string; secret: string; id?: string }): Promise<RequestInit> {
  return {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": o.event,
      "x-github-delivery": o.id ?? "11111111-2222-3333-4444-555555555555",
      "x-hub-signature-256": await sign(o.secret, o.body),
    },
    body: o.body,
  };
}
