/**
 * The process environment, validated once at boot (src/main.ts, before Probot's `run`).
 *
 * In production (`NODE_ENV=production`) a missing or unsafe credential is fatal: Probot would
 * otherwise accept webhooks signed with the default secret `development`. Outside production the
 * same problems are only warnings, so Probot's setup page (the manifest flow) still works
 * without credentials.
 */
import { accessSync, constants } from "node:fs";
import { z } from "zod";

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The webhook secret Probot falls back to when WEBHOOK_SECRET is unset. Never valid in production. */
export const PROBOT_DEFAULT_SECRET = "development";
export const MIN_SECRET_LENGTH = 16;

const blankToUndefined = (v: unknown): unknown => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

const FORMAT = z.object({
  NODE_ENV: optional(z.string()),
  APP_ID: optional(z.string().regex(/^[1-9]\d*$/, "must be a positive integer (the app's numeric id)")),
  PRIVATE_KEY: optional(z.string()),
  PRIVATE_KEY_PATH: optional(z.string()),
  WEBHOOK_SECRET: optional(z.string()),
  HOST: optional(z.string()),
  PORT: optional(
    z
      .string()
      .regex(/^\d+$/, "must be a port number")
      .transform(Number)
      .pipe(z.number().int().min(1, "must be between 1 and 65535").max(65_535, "must be between 1 and 65535")),
  ),
  LOG_LEVEL: optional(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })),
  LOG_FORMAT: optional(z.enum(["json", "pretty"], { error: "must be json or pretty" })),
  RECONCILE_INTERVAL_MINUTES: optional(
    z
      .string()
      .regex(/^\d+(\.\d+)?$/, "must be a number of minutes")
      .transform(Number)
      .pipe(z.number().min(0, "must be 0 (no periodic sweeps) or more")),
  ),
  WRITE_THROTTLE: optional(z.enum(["on", "off"], "must be on or off")),
  REDIS_URL: optional(z.url({ error: "must be a URL, e.g. redis://host:6379" })),
  ADMIN_TOKEN: optional(z.string().min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters`)),
  SHUTDOWN_GRACE_MS: optional(z.string().regex(/^\d+$/, "must be a number of milliseconds").transform(Number)),
  GHE_HOST: optional(z.string().regex(/^[A-Za-z0-9.-]+(:\d+)?$/, "must be a host name (and port), without a scheme or path")),
  GHE_PROTOCOL: optional(z.enum(["http", "https"], { error: "must be http or https" })),
  // The setup page (registration from app.yml): where GitHub will send webhooks, and for which organisation.
  PUBLIC_URL: optional(z.url({ protocol: /^https?$/, error: "must be the http(s) URL the app is reachable at, e.g. https://steward.example.com" })),
  WEBHOOK_PROXY_URL: optional(z.url({ protocol: /^https?$/, error: "must be a webhook proxy channel URL, e.g. https://smee.io/abc123" })),
  GH_ORG: optional(z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "must be an organisation login")),
});

export interface EnvConfig {
  readonly production: boolean;
  readonly appId?: number;
  /** True when PRIVATE_KEY is set or PRIVATE_KEY_PATH is readable. The key itself is not kept. */
  readonly hasPrivateKey: boolean;
  /** True when WEBHOOK_SECRET is set, not `development` and long enough. */
  readonly hasWebhookSecret: boolean;
  readonly host?: string;
  readonly port?: number;
  readonly logLevel?: LogLevel;
  readonly logFormat?: "json" | "pretty";
  readonly reconcileIntervalMinutes?: number;
  readonly redisUrl?: string;
  readonly adminToken?: string;
  readonly shutdownGraceMs: number;
  /** The setup page's inputs (src/setup.ts). */
  readonly setup: SetupEnv;
}

/** What the setup page needs to register the app (see src/setup/manifest.ts). */
export interface SetupEnv {
  readonly publicUrl?: string;
  readonly webhookProxyUrl?: string;
  readonly ghOrg?: string;
  readonly gheHost?: string;
  readonly gheProtocol?: "http" | "https";
}

export interface EnvResult {
  /** False only when a problem is fatal, i.e. in production. */
  readonly ok: boolean;
  /** One line per problem, naming the variable; never the secret values. */
  readonly problems: string[];
  readonly config: EnvConfig;
}

export interface ValidateOptions {
  /** How to tell whether PRIVATE_KEY_PATH is readable; injectable for tests. */
  readonly canRead?: (path: string) => boolean;
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Validates an environment (pure apart from the PRIVATE_KEY_PATH readability probe). */
export function validateEnv(env: Readonly<Record<string, string | undefined>>, options: ValidateOptions = {}): EnvResult {
  const canRead = options.canRead ?? readable;
  const production = env.NODE_ENV === "production";
  const problems: string[] = [];
  const parsed = FORMAT.safeParse(env);
  const values: Partial<z.output<typeof FORMAT>> = {};
  if (parsed.success) {
    Object.assign(values, parsed.data);
  } else {
    const bad = new Set<string>();
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? "environment");
      bad.add(key);
      problems.push(`${key} ${issue.message}`);
    }
    // Keep the well-formed values: one bad variable must not hide the others' problems.
    for (const key of Object.keys(FORMAT.shape) as (keyof typeof FORMAT.shape)[]) {
      if (bad.has(key)) continue;
      const one = FORMAT.shape[key].safeParse(env[key]);
      if (one.success) (values as Record<string, unknown>)[key] = one.data;
    }
  }

  const secret = values.WEBHOOK_SECRET;
  const hasWebhookSecret = secret !== undefined && secret !== PROBOT_DEFAULT_SECRET && secret.length >= MIN_SECRET_LENGTH;
  if (!env.APP_ID?.trim()) problems.push("APP_ID is not set");
  if (!values.PRIVATE_KEY && !values.PRIVATE_KEY_PATH) {
    problems.push("no private key: set PRIVATE_KEY (the PEM, or base64 of it) or PRIVATE_KEY_PATH (a readable .pem file)");
  } else if (!values.PRIVATE_KEY && values.PRIVATE_KEY_PATH && !canRead(values.PRIVATE_KEY_PATH)) {
    problems.push(`PRIVATE_KEY_PATH ${values.PRIVATE_KEY_PATH} is not readable`);
  }
  if (secret === undefined) {
    problems.push(`WEBHOOK_SECRET is not set (Probot would accept webhooks signed with "${PROBOT_DEFAULT_SECRET}")`);
  } else if (secret === PROBOT_DEFAULT_SECRET) {
    problems.push(`WEBHOOK_SECRET is Probot's default "${PROBOT_DEFAULT_SECRET}"; use a random secret`);
  } else if (secret.length < MIN_SECRET_LENGTH) {
    problems.push(`WEBHOOK_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  }

  const hasPrivateKey = Boolean(values.PRIVATE_KEY) || (Boolean(values.PRIVATE_KEY_PATH) && canRead(values.PRIVATE_KEY_PATH as string));
  const config: EnvConfig = {
    production,
    ...(values.APP_ID ? { appId: Number(values.APP_ID) } : {}),
    hasPrivateKey,
    hasWebhookSecret,
    ...(values.HOST ? { host: values.HOST } : {}),
    ...(values.PORT !== undefined ? { port: values.PORT } : {}),
    ...(values.LOG_LEVEL ? { logLevel: values.LOG_LEVEL } : {}),
    ...(values.LOG_FORMAT ? { logFormat: values.LOG_FORMAT } : {}),
    ...(values.RECONCILE_INTERVAL_MINUTES !== undefined ? { reconcileIntervalMinutes: values.RECONCILE_INTERVAL_MINUTES } : {}),
    ...(values.REDIS_URL ? { redisUrl: values.REDIS_URL } : {}),
    ...(values.ADMIN_TOKEN ? { adminToken: values.ADMIN_TOKEN } : {}),
    shutdownGraceMs: values.SHUTDOWN_GRACE_MS ?? 8_000,
    setup: {
      ...(values.PUBLIC_URL ? { publicUrl: values.PUBLIC_URL } : {}),
      ...(values.WEBHOOK_PROXY_URL ? { webhookProxyUrl: values.WEBHOOK_PROXY_URL } : {}),
      ...(values.GH_ORG ? { ghOrg: values.GH_ORG } : {}),
      ...(values.GHE_HOST ? { gheHost: values.GHE_HOST } : {}),
      ...(values.GHE_PROTOCOL ? { gheProtocol: values.GHE_PROTOCOL } : {}),
    },
  };
  return { ok: !production || problems.length === 0, problems, config };
}

/** The message printed at boot: every problem, one per line. */
export function formatProblems(result: EnvResult): string {
  const head = result.ok
    ? `branch-steward: ${result.problems.length} configuration warning${result.problems.length === 1 ? "" : "s"} (fatal in production):`
    : `branch-steward cannot start: ${result.problems.length} configuration problem${result.problems.length === 1 ? "" : "s"} (NODE_ENV=production):`;
  return [head, ...result.problems.map((p) => `  - ${p}`)].join("\n");
}
