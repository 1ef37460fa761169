/** src/env.ts: the boot-time environment check. */
import { formatProblems, validateEnv } from "../../src/env.js";

const SECRET = "0123456789abcdef0123";
const good = { NODE_ENV: "production", APP_ID: "123456", PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\n…", WEBHOOK_SECRET: SECRET };
const noFile = { canRead: () => false };

describe("validateEnv", () => {
  it("accepts a complete production environment", () => {
    const r = validateEnv(good, noFile);
    expect(r).toMatchObject({ ok: true, problems: [] });
    expect(r.config).toMatchObject({ production: true, appId: 123456, hasPrivateKey: true, hasWebhookSecret: true, shutdownGraceMs: 8000 });
  });

  it("refuses production without credentials and lists every problem at once", () => {
    const r = validateEnv({ NODE_ENV: "production" }, noFile);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([expect.stringMatching(/^APP_ID is not set/), expect.stringMatching(/^no private key/), expect.stringMatching(/^WEBHOOK_SECRET is not set/)]);
    const message = formatProblems(r);
    expect(message).toMatch(/cannot start: 3 configuration problems/);
    expect(message.split("\n")).toHaveLength(4);
  });

  it.each([
    ["", /WEBHOOK_SECRET is not set/],
    ["   ", /WEBHOOK_SECRET is not set/],
    ["development", /Probot's default "development"/],
    ["short-secret", /at least 16 characters/],
  ])("refuses the webhook secret %j in production", (secret, problem) => {
    const r = validateEnv({ ...good, WEBHOOK_SECRET: secret }, noFile);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([expect.stringMatching(problem)]);
    expect(r.config.hasWebhookSecret).toBe(false);
  });

  it("accepts a readable PRIVATE_KEY_PATH and refuses an unreadable one", () => {
    const { PRIVATE_KEY: _key, ...rest } = good;
    expect(validateEnv({ ...rest, PRIVATE_KEY_PATH: "/keys/app.pem" }, { canRead: (p) => p === "/keys/app.pem" })).toMatchObject({ ok: true, config: { hasPrivateKey: true } });
    const r = validateEnv({ ...rest, PRIVATE_KEY_PATH: "/nope.pem" }, noFile);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual(["PRIVATE_KEY_PATH /nope.pem is not readable"]);
  });

  it("probes the file system by default", () => {
    const { PRIVATE_KEY: _key, ...rest } = good;
    expect(validateEnv({ ...rest, PRIVATE_KEY_PATH: "/definitely/not/here.pem" }).ok).toBe(false);
    expect(validateEnv({ ...rest, PRIVATE_KEY_PATH: "package.json" }).ok).toBe(true);
  });

  it("validates formats and keeps the well-formed values", () => {
    const r = validateEnv(
      {
        ...good,
        APP_ID: "12ab",
        PORT: "70000",
        LOG_LEVEL: "verbose",
        LOG_FORMAT: "xml",
        RECONCILE_INTERVAL_MINUTES: "soon",
        REDIS_URL: "not a url",
        ADMIN_TOKEN: "short",
        HOST: "0.0.0.0",
      },
      noFile,
    );
    expect(r.ok).toBe(false);
    const keys = r.problems.map((p) => p.split(" ")[0]).sort();
    expect(keys).toEqual(["ADMIN_TOKEN", "APP_ID", "LOG_FORMAT", "LOG_LEVEL", "PORT", "RECONCILE_INTERVAL_MINUTES", "REDIS_URL"]);
    expect(r.config.host).toBe("0.0.0.0");
    expect(r.config.hasWebhookSecret).toBe(true);
    expect(r.config.appId).toBeUndefined();
  });

  it("parses the optional settings", () => {
    const r = validateEnv(
      { ...good, PORT: "8080", LOG_LEVEL: "debug", LOG_FORMAT: "json", RECONCILE_INTERVAL_MINUTES: "7.5", REDIS_URL: "redis://:pw@redis:6379/0", ADMIN_TOKEN: "a".repeat(32), SHUTDOWN_GRACE_MS: "2000" },
      noFile,
    );
    expect(r.problems).toEqual([]);
    expect(r.config).toMatchObject({ port: 8080, logLevel: "debug", logFormat: "json", reconcileIntervalMinutes: 7.5, redisUrl: "redis://:pw@redis:6379/0", adminToken: "a".repeat(32), shutdownGraceMs: 2000 });
  });

  it("treats empty optional variables as unset", () => {
    expect(validateEnv({ ...good, PORT: "", REDIS_URL: "", ADMIN_TOKEN: "", LOG_LEVEL: "" }, noFile).problems).toEqual([]);
  });

  it("only warns outside production, so Probot's setup page still works", () => {
    for (const NODE_ENV of [undefined, "development", "test"]) {
      const r = validateEnv({ NODE_ENV, LOG_LEVEL: "loud" }, noFile);
      expect(r.ok).toBe(true);
      expect(r.problems).toHaveLength(4);
      expect(formatProblems(r)).toMatch(/4 configuration warnings \(fatal in production\)/);
    }
  });

  it("never echoes a secret value", () => {
    const r = validateEnv({ NODE_ENV: "production", WEBHOOK_SECRET: "hunter2", ADMIN_TOKEN: "tiny-token", PRIVATE_KEY: "" }, noFile);
    const text = formatProblems(r);
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("tiny-token");
  });
});
