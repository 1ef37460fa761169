/**
 * Guard for admin routes (e.g. `POST /admin/reconcile`): `Authorization: Bearer <ADMIN_TOKEN>`,
 * compared in constant time.
 *
 * - ADMIN_TOKEN unset (or empty): 404, the admin surface does not exist.
 * - no or malformed Authorization header: 401 with `WWW-Authenticate: Bearer`.
 * - a wrong token: 403.
 *
 * Returns true when the request may proceed; otherwise it has already answered.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

function digest(text: string): Buffer {
  // Hashing first gives equal-length buffers, so neither the comparison nor an early length
  // check leaks how long the token is.
  return createHash("sha256").update(text, "utf8").digest();
}

export function tokensEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

function answer(res: ServerResponse, status: number, error: string, headers: Record<string, string> = {}): false {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify({ error }));
  return false;
}

export function requireAdminToken(req: IncomingMessage, res: ServerResponse, token: string | undefined): boolean {
  if (!token) return answer(res, 404, "not found");
  const header = req.headers.authorization;
  const match = typeof header === "string" ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null;
  if (!match?.[1]) return answer(res, 401, "missing bearer token", { "www-authenticate": 'Bearer realm="branch-steward admin"' });
  if (!tokensEqual(match[1], token)) return answer(res, 403, "invalid token");
  return true;
}
