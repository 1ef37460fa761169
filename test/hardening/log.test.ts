/** src/observability/log.ts: credentials never reach a log line. */
import { Writable } from "node:stream";
import { RequestError } from "@octokit/request-error";
import { createLogger, logOptionsFromEnv, REDACT_PATHS } from "../../src/observability/log.js";

function capture(level: "info" | "debug" = "debug") {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: createLogger({ level }, stream), lines };
}

const TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
const KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAsecret\n-----END RSA PRIVATE KEY-----";

describe("the redacting logger", () => {
  it("never writes the webhook payload a handler error carries, but keeps the delivery id and event", () => {
    const { log, lines } = capture();
    const error = Object.assign(new Error("handler failed"), {
      event: { id: "d-1", name: "pull_request", payload: { secret_marker: "payload-body-marker" } },
    });
    log.error({ err: error }, "webhook handler failed");
    const line = lines.join("");
    expect(line).not.toContain("payload-body-marker");
    const parsed = JSON.parse(line) as { err: { event: Record<string, unknown> } };
    expect(parsed.err.event).toEqual({ id: "d-1", name: "pull_request", payload: "[Redacted]" });
  });

  it("redacts tokens, keys and authorization headers wherever pino-http, octokit or we put them", () => {
    const { log, lines } = capture();
    log.info(
      {
        token: TOKEN,
        installation: { token: TOKEN, expires_at: "later" },
        auth: { type: "app", privateKey: KEY, private_key: KEY, secret: "wh-secret-value" },
        options: { auth: { token: TOKEN } },
        req: { method: "POST", url: "/api/github/webhooks", headers: { authorization: `token ${TOKEN}`, cookie: "s=1", "user-agent": "GitHub-Hookshot" } },
        headers: { authorization: `Bearer ${TOKEN}`, accept: "application/json" },
        request: { headers: { authorization: `token ${TOKEN}` } },
      },
      "something happened",
    );
    const line = lines.join("");
    expect(line).not.toContain(TOKEN);
    expect(line).not.toContain("MIIEpAIBAAKCAQEAsecret");
    expect(line).not.toContain("wh-secret-value");
    const parsed = JSON.parse(line) as Record<string, Record<string, unknown>>;
    expect(parsed.token).toBe("[Redacted]");
    expect(parsed.installation).toEqual({ token: "[Redacted]", expires_at: "later" });
    expect(parsed.auth).toEqual({ type: "app", privateKey: "[Redacted]", private_key: "[Redacted]", secret: "[Redacted]" });
    expect(parsed.req?.headers).toEqual({ authorization: "[Redacted]", cookie: "[Redacted]", "user-agent": "GitHub-Hookshot" });
    expect(parsed.headers).toEqual({ authorization: "[Redacted]", accept: "application/json" });
    expect(parsed.msg).toBe("something happened");
  });

  it("redacts an octokit RequestError's request and response headers, also inside Probot's AggregateError", () => {
    const { log, lines } = capture();
    const error = new RequestError("Bad credentials", 401, {
      request: { method: "GET", url: "https://api.github.com/app", headers: { authorization: `bearer ${TOKEN}` } },
      response: { status: 401, url: "https://api.github.com/app", headers: { "x-github-request-id": "ABC", "set-cookie": `t=${TOKEN}` }, data: {} },
    });
    // octokit masks the header itself; put the raw token back to prove our redaction works alone.
    (error.request.headers as Record<string, string>).authorization = `bearer ${TOKEN}`;
    log.error({ err: error }, "request failed");
    log.error({ err: new AggregateError([error], "handler failed") }, "delivery failed");
    log.error(new AggregateError([error], "handler failed"));
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain(TOKEN);
      expect(line).toContain("[Redacted]");
    }
    const first = JSON.parse(lines[0] as string) as { err: { request: { headers: Record<string, string> }; response: { headers: unknown } } };
    expect(first.err.request.headers.authorization).toBe("[Redacted]");
    expect(first.err.response.headers).toBe("[Redacted]");
  });

  it("keeps Probot's environment behaviour for level and format", () => {
    expect(logOptionsFromEnv({ NODE_ENV: "production" })).toMatchObject({ format: "json", levelInString: false });
    expect(logOptionsFromEnv({})).toMatchObject({ format: "pretty" });
    expect(logOptionsFromEnv({ LOG_FORMAT: "json", LOG_LEVEL: "warn", LOG_LEVEL_IN_STRING: "true", LOG_MESSAGE_KEY: "message" })).toEqual({
      format: "json",
      level: "warn",
      levelInString: true,
      messageKey: "message",
    });
    const { log, lines } = capture("info");
    log.debug({ token: TOKEN }, "hidden");
    expect(lines).toEqual([]);
  });

  it("has a redaction path for each credential key at several depths", () => {
    for (const key of ["token", "privateKey", "private_key", "authorization"]) {
      expect(REDACT_PATHS).toEqual(expect.arrayContaining([key, `*.${key}`, `*.*.${key}`]));
    }
    expect(REDACT_PATHS).toEqual(expect.arrayContaining(["req.headers.authorization", "headers.authorization", "err.request.headers.authorization", "err.response.headers"]));
  });
});
