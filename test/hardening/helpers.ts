/** Helpers for the hardening tests. */
import { createHmac } from "node:crypto";

export { freePort } from "../../tools/sandbox/stack.js";

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** A webhook POST as GitHub sends it; `secret` signs the body. */
export function signedDelivery(o: { event: string; body: string; secret: string; id?: string }): RequestInit {
  return {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": o.event,
      "x-github-delivery": o.id ?? "11111111-2222-3333-4444-555555555555",
      "x-hub-signature-256": sign(o.secret, o.body),
    },
    body: o.body,
  };
}
