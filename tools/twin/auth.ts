/**
 * App authentication: RS256 JWT verification with the app's key (node:crypto only) and
 * installation access tokens. Validity is checked against wall-clock time, not the twin
 * clock, because clients (octokit) sign and cache with wall-clock time.
 */
import { createPrivateKey, createPublicKey, randomBytes, verify, type KeyObject } from "node:crypto";

export type Credential = { kind: "app" } | { kind: "installation"; installationId: number; token: string };

export class AuthError extends Error {}

export function publicKeyFromPrivate(privateKeyPem: string): KeyObject {
  return createPublicKey(createPrivateKey(privateKeyPem));
}

function decodeSegment(segment: string): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  if (value === null || typeof value !== "object") throw new AuthError("A JSON web token could not be decoded");
  return value as Record<string, unknown>;
}

/** Verifies an app JWT: RS256 signature, `iss` = app id, `exp` in the future, `iat` not in the future. */
export function verifyAppJwt(jwt: string, publicKey: KeyObject, appId: number, nowMs = Date.now()): void {
  const parts = jwt.split(".");
  if (parts.length !== 3) throw new AuthError("A JSON web token could not be decoded");
  const [header, payload, signature] = parts as [string, string, string];
  let claims: Record<string, unknown>;
  try {
    if (decodeSegment(header).alg !== "RS256") throw new AuthError("A JSON web token could not be decoded");
    claims = decodeSegment(payload);
  } catch {
    throw new AuthError("A JSON web token could not be decoded");
  }
  const valid = verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, "base64url"));
  if (!valid) throw new AuthError("A JSON web token could not be decoded");
  if (String(claims.iss) !== String(appId)) throw new AuthError("'Issuer' claim ('iss') must be an Integer");
  const nowSec = Math.floor(nowMs / 1000);
  if (typeof claims.exp !== "number" || claims.exp <= nowSec) {
    throw new AuthError("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.");
  }
  // GitHub rejects iat in the future (clock drift); allow 60 s like its documented guidance.
  if (typeof claims.iat !== "number" || claims.iat > nowSec + 60) {
    throw new AuthError("'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued.");
  }
}

const TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Installation access tokens: `ghs_` + 36 chars, valid for one hour. */
export class TokenStore {
  private readonly tokens = new Map<string, { installationId: number; expiresAt: number }>();

  issue(installationId: number, nowMs = Date.now()): { token: string; expiresAt: Date } {
    const bytes = randomBytes(36);
    const token = `ghs_${[...bytes].map((b) => TOKEN_CHARS[b % TOKEN_CHARS.length]).join("")}`;
    const expiresAt = nowMs + 60 * 60 * 1000;
    this.tokens.set(token, { installationId, expiresAt });
    return { token, expiresAt: new Date(expiresAt) };
  }

  lookup(token: string, nowMs = Date.now()): number | null {
    const entry = this.tokens.get(token);
    if (!entry || entry.expiresAt <= nowMs) return null;
    return entry.installationId;
  }

  /** Test helper: make every token issued so far expire. */
  expireAll(): void {
    for (const entry of this.tokens.values()) entry.expiresAt = 0;
  }
}

/** Parses `Authorization: token X` / `Bearer X`; JWTs (three segments) are app credentials. */
export function authenticate(
  header: string | undefined,
  check: { publicKey: KeyObject; appId: number; tokens: TokenStore },
): Credential {
  const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header ?? "");
  if (!match) throw new AuthError("Requires authentication");
  const secret = match[1] as string;
  if (secret.split(".").length === 3) {
    verifyAppJwt(secret, check.publicKey, check.appId);
    return { kind: "app" };
  }
  const installationId = check.tokens.lookup(secret);
  if (installationId === null) throw new AuthError("Bad credentials");
  return { kind: "installation", installationId, token: secret };
}
