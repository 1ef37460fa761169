/**
 * Deliveries that must never reach a handler: a bad or missing signature, missing GitHub
 * headers, a body that is not JSON, a wrong content type. Fuzzed with fast-check against the
 * real Probot server (startStack), and asserted on what @octokit/webhooks' middleware answers:
 *
 * - wrong Content-Type                              → 415 (checked first)
 * - a missing x-github-event / -delivery / -hub-signature-256 header → 400 "Required headers missing"
 * - a signature that does not match the body         → 400 "signature does not match"
 * - a correct signature over a body that is not JSON → 400 "Invalid JSON" (an empty body: 400
 *   "signature does not match", since an empty payload cannot be verified)
 *
 * "No handler ran" is asserted on the GitHub twin: not one API request was made because of them.
 */
import fc from "fast-check";
import { startStack, type Stack } from "../../tools/sandbox/stack.js";
import { sign } from "./helpers.js";

const EVENTS = ["pull_request", "push", "issue_comment", "check_run", "check_suite", "status", "installation", "ping"];
const HEADERS = ["x-github-event", "x-github-delivery", "x-hub-signature-256"] as const;

type Case =
  | { kind: "bad-signature"; event: string; body: string; signature: string }
  | { kind: "missing-headers"; event: string; body: string; missing: string[]; validSignature: boolean }
  | { kind: "not-json"; event: string; body: string }
  | { kind: "content-type"; event: string; body: string; contentType: string | null };

const event = fc.oneof(fc.constantFrom(...EVENTS), fc.string({ minLength: 1, maxLength: 20 }).filter((s) => /^[\x21-\x7e]+$/.test(s)));
const body = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('{"action":"opened","pull_request":{"number":1}', "", "null", "{}", "\u0000", '{"installation":{"id":1}}'),
);
const notJson = fc.oneof(
  fc.string({ maxLength: 200 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
  fc.constantFrom("{", "{'a':1}", "undefined", "<xml/>", '{"a":1,}', "[1,2"),
);
const hex = fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 });
const badSignature = fc.oneof(
  hex.map((h) => `sha256=${h}`),
  hex.map((h) => `sha1=${h.slice(0, 40)}`),
  fc.string({ maxLength: 80 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
  fc.constant("sha256="),
);

const arbitraryCase: fc.Arbitrary<Case> = fc.oneof(
  fc.record({ kind: fc.constant("bad-signature" as const), event, body, signature: badSignature }),
  fc.record({
    kind: fc.constant("missing-headers" as const),
    event,
    body,
    missing: fc.subarray([...HEADERS], { minLength: 1 }),
    validSignature: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("not-json" as const), event, body: notJson }),
  fc.record({
    kind: fc.constant("content-type" as const),
    event,
    body,
    contentType: fc.constantFrom(null, "text/plain", "application/x-www-form-urlencoded", "application/jsonp", "multipart/form-data"),
  }),
);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

async function request(c: Case, secret: string): Promise<{ headers: Record<string, string>; expected: number[] }> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-github-event": c.event,
    "x-github-delivery": "00000000-0000-4000-8000-000000000000",
    "x-hub-signature-256": await sign(secret, c.body),
  };
  switch (c.kind) {
    case "bad-signature":
      headers["x-hub-signature-256"] = c.signature;
      // An empty header value counts as present; the signature then fails to verify.
      return { headers, expected: [400] };
    case "missing-headers":
      if (!c.validSignature) headers["x-hub-signature-256"] = await sign("wrong-secret-wrong-secret", c.body);
      for (const h of c.missing) delete headers[h];
      return { headers, expected: [400] };
    case "not-json":
      return { headers, expected: [400] };
    case "content-type":
      if (c.contentType === null) delete headers["content-type"];
      else headers["content-type"] = c.contentType;
      return { headers, expected: [415] };
  }
}

it("answers every forged, incomplete or non-JSON delivery with 4xx and runs no handler", async () => {
  const before = stack.twin.requests.length;
  const seen = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(arbitraryCase, async (c) => {
      const { headers, expected } = await request(c, stack.webhookSecret);
      const res = await fetch(stack.webhookUrl, { method: "POST", headers, body: c.body });
      const text = await res.text();
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
      if (!expected.includes(res.status)) throw new Error(`${c.kind}: expected ${expected.join("/")}, got ${res.status} ${text}`);
      if (c.kind === "missing-headers") expect(text).toMatch(/Required headers missing/);
      // An empty body cannot be verified at all: @octokit/webhooks-methods refuses it, so even a
      // "correct" signature over "" is answered as a signature mismatch.
      if (c.kind === "not-json") expect(text).toMatch(c.body === "" ? /signature does not match/ : /Invalid JSON/);
      if (c.kind === "bad-signature") expect(text).toMatch(/signature does not match/);
    }),
    { numRuns: 1_500, seed: Number(process.env.FUZZ_SEED ?? 20261126) },
  );
  expect(stack.twin.requests.length).toBe(before);
  expect(stack.twin.requests.slice(before)).toEqual([]);
  expect([...seen.keys()].every((s) => s === 400 || s === 415)).toBe(true);
}, 20_000);

it("still accepts a correctly signed delivery afterwards (the fuzz did not break the server)", async () => {
  const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
  const res = await fetch(stack.webhookUrl, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "ok-1", "x-hub-signature-256": await sign(stack.webhookSecret, body) },
    body,
  });
  expect(res.status).toBe(200);
});
