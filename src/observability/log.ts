/**
 * The app's pino logger: Probot's own output (LOG_LEVEL, LOG_FORMAT json/pretty,
 * LOG_LEVEL_IN_STRING, LOG_MESSAGE_KEY, SENTRY_DSN through @probot/pino's transform stream), plus
 * redaction of credentials wherever they appear in a log object. Passed to `run(app, { log })`.
 *
 * Redaction happens inside pino before any formatting, so JSON, pretty and Sentry all receive
 * `[Redacted]`.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from "pino";
import type { LogLevel } from "../env.js";

const SECRET_KEYS = [
  "token",
  "access_token",
  "accessToken",
  "installationToken",
  "privateKey",
  "private_key",
  "secret",
  "webhookSecret",
  "clientSecret",
  "client_secret",
  "password",
  "jwt",
  "pem",
  "authorization",
  "Authorization",
  "cookie",
];

/** fast-redact paths: each key at the top level and up to three levels deep, plus HTTP headers. */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]),
  // Request headers wherever pino-http, octokit errors or our own code put them.
  "headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "request.headers.authorization",
  "err.request.headers.authorization",
  "err.headers.authorization",
  "*.headers[\"x-hub-signature-256\"]",
  // Response headers of failed GitHub requests: nothing in them is needed in a log line.
  "err.response.headers",
  "error.response.headers",
  "response.headers",
  // AggregateError (Probot's webhook errors) serialised by pino's err serializer.
  "err.aggregateErrors[*].request.headers.authorization",
  "err.aggregateErrors[*].response.headers",
  "err.errors[*].request.headers.authorization",
  "err.errors[*].response.headers",
  // A handler error carries the whole webhook (up to 25 MB); the delivery id and event name stay.
  "err.event.payload",
  "err.errors[*].event.payload",
  "err.aggregateErrors[*].event.payload",
];

export interface LogOptions {
  readonly level?: LogLevel;
  readonly format?: "json" | "pretty";
  readonly levelInString?: boolean;
  readonly messageKey?: string;
  readonly sentryDsn?: string;
}

export function redactingOptions(options: LogOptions = {}): LoggerOptions {
  return {
    level: options.level ?? "info",
    name: "probot",
    messageKey: options.messageKey ?? "msg",
    redact: { paths: [...REDACT_PATHS], censor: "[Redacted]" },
  };
}

/** A redacting logger writing to `stream` as JSON lines (tests, and the fallback). */
export function createLogger(options: LogOptions = {}, stream?: DestinationStream): Logger {
  return pino(redactingOptions(options), stream ?? pino.destination(1));
}

interface ProbotPino {
  getTransformStream(options: Record<string, unknown>): Promise<NodeJS.ReadWriteStream>;
}

/** Reads the same variables as Probot's `run()` (see probot/lib/bin/read-env-options.js). */
export function logOptionsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): LogOptions {
  const format = env.LOG_FORMAT ? (env.LOG_FORMAT === "pretty" ? "pretty" : "json") : env.NODE_ENV === "production" ? "json" : "pretty";
  return {
    ...(env.LOG_LEVEL ? { level: env.LOG_LEVEL as LogLevel } : {}),
    format,
    levelInString: env.LOG_LEVEL_IN_STRING === "true",
    ...(env.LOG_MESSAGE_KEY ? { messageKey: env.LOG_MESSAGE_KEY } : {}),
    ...(env.SENTRY_DSN ? { sentryDsn: env.SENTRY_DSN } : {}),
  };
}

/**
 * Probot's formatting (pretty unless json, level names, Sentry) behind our redaction. @probot/pino
 * is Probot's own dependency; when it cannot be loaded the logger writes JSON lines instead.
 */
export async function createAppLogger(options: LogOptions = logOptionsFromEnv()): Promise<Logger> {
  const specifier = "@probot/pino";
  try {
    const { getTransformStream } = (await import(specifier)) as ProbotPino;
    const transform = await getTransformStream({
      logFormat: options.format ?? "json",
      logLevelInString: options.levelInString ?? false,
      sentryDsn: options.sentryDsn,
    });
    transform.pipe(pino.destination(1) as unknown as NodeJS.WritableStream);
    return pino(redactingOptions(options), transform as unknown as DestinationStream);
  } catch {
    const log = createLogger(options);
    if (options.format === "pretty" || options.sentryDsn) log.warn("@probot/pino is unavailable: logging plain JSON");
    return log;
  }
}
