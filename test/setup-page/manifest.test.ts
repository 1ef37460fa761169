/** The setup page's pure parts: which webhook URL GitHub gets, where the form posts, the manifest, the .env it writes. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { validateEnv } from "../../src/env.js";
import { createAppUrl, githubApiUrl, isPrivateHost, setupManifest, webhookTarget } from "../../src/setup/manifest.js";
import { updateDotEnv } from "../../src/setup/server.js";

describe("webhookTarget", () => {
  it("is PUBLIC_URL + Probot's webhook path, then WEBHOOK_PROXY_URL unchanged, then a public page address", () => {
    expect(webhookTarget({ publicUrl: "https://steward.example.com/" }, "http://localhost:3000")).toEqual({ usable: true, url: "https://steward.example.com/api/github/webhooks", via: "PUBLIC_URL" });
    expect(webhookTarget({ publicUrl: "https://x.example.com/steward", webhookProxyUrl: "https://smee.io/a" }, "http://localhost:3000").url).toBe("https://x.example.com/steward/api/github/webhooks");
    expect(webhookTarget({ webhookProxyUrl: "https://smee.io/a" }, "http://localhost:3000")).toEqual({ usable: true, url: "https://smee.io/a", via: "WEBHOOK_PROXY_URL" });
    expect(webhookTarget({}, "https://steward.example.com")).toEqual({ usable: true, url: "https://steward.example.com/api/github/webhooks", via: "page address" });
    expect(webhookTarget({}, "http://127.0.0.1:3000")).toEqual({ usable: false, url: "http://127.0.0.1:3000/api/github/webhooks", reason: "local" });
  });

  it("treats loopback, private, link-local and bare names as unreachable from GitHub", () => {
    for (const host of ["localhost", "app.localhost", "127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.9.9", "192.168.1.1", "169.254.0.1", "0.0.0.0", "[::1]", "fd00::1", "fe80::1", "steward", "box.local", "svc.internal"]) {
      expect([host, isPrivateHost(host)]).toEqual([host, true]);
    }
    for (const host of ["steward.example.com", "8.8.8.8", "172.32.0.1", "[2001:db8::1]", "fdroid.example.org"]) expect([host, isPrivateHost(host)]).toEqual([host, false]);
  });
});

describe("where the manifest goes", () => {
  it("the user's settings, the organisation's with GH_ORG, on GHES with GHE_HOST and GHE_PROTOCOL", () => {
    expect(createAppUrl({})).toBe("https://github.com/settings/apps/new");
    expect(createAppUrl({ ghOrg: "acme" })).toBe("https://github.com/organizations/acme/settings/apps/new");
    expect(createAppUrl({ ghOrg: "acme", gheHost: "ghe.corp:8443", gheProtocol: "http" })).toBe("http://ghe.corp:8443/organizations/acme/settings/apps/new");
    expect(githubApiUrl({})).toBe("https://api.github.com");
    expect(githubApiUrl({ gheHost: "ghe.corp" })).toBe("https://ghe.corp/api/v3");
  });

  it("the manifest is app.yml with the webhook, the way back and public as app.yml says", () => {
    const appYml = { name: "n", default_events: ["push"], default_permissions: { checks: "write" }, public: false, hook_attributes: { url: "ignored" } };
    expect(setupManifest(appYml, { webhookUrl: "https://w.example/api/github/webhooks", pageBaseUrl: "http://localhost:3000/" })).toEqual({
      name: "n",
      default_events: ["push"],
      default_permissions: { checks: "write" },
      public: false,
      hook_attributes: { url: "https://w.example/api/github/webhooks", active: true },
      redirect_url: "http://localhost:3000/probot/setup",
    });
  });
});

describe("the environment of the setup page", () => {
  it("validates PUBLIC_URL, WEBHOOK_PROXY_URL, GH_ORG, GHE_HOST and GHE_PROTOCOL, naming each", () => {
    const ok = validateEnv({ PUBLIC_URL: "https://s.example.com", WEBHOOK_PROXY_URL: "https://smee.io/x", GH_ORG: "acme-org", GHE_HOST: "ghe.corp:8443", GHE_PROTOCOL: "http" });
    expect(ok.config.setup).toEqual({ publicUrl: "https://s.example.com", webhookProxyUrl: "https://smee.io/x", ghOrg: "acme-org", gheHost: "ghe.corp:8443", gheProtocol: "http" });
    const bad = validateEnv({ PUBLIC_URL: "steward.example.com", WEBHOOK_PROXY_URL: "ftp://smee.io/x", GH_ORG: "acme org", GHE_HOST: "https://ghe.corp", GHE_PROTOCOL: "ftp" });
    for (const key of ["PUBLIC_URL", "WEBHOOK_PROXY_URL", "GH_ORG", "GHE_HOST", "GHE_PROTOCOL"]) expect(bad.problems.some((p) => p.startsWith(`${key} `))).toBe(true);
    expect(bad.config.setup).toEqual({});
  });
});

describe("updateDotEnv", () => {
  it("sets the app's credentials, keeps every other line, and quotes a PEM so that it reads back intact", () => {
    const path = join(mkdtempSync(join(tmpdir(), "dotenv-")), ".env");
    writeFileSync(path, "# mine\nGH_ORG=acme\nAPP_ID=1\n");
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n";
    updateDotEnv(path, { APP_ID: "42", PRIVATE_KEY: pem, WEBHOOK_SECRET: "s3cret" });
    const text = readFileSync(path, "utf8");
    expect(text.split("\n").slice(0, 3)).toEqual(["# mine", "GH_ORG=acme", "APP_ID=42"]);
    const env = parseEnv(text); // Node's own .env parser, as process.loadEnvFile in src/main.ts reads it
    expect(env).toEqual({ APP_ID: "42", PRIVATE_KEY: pem, WEBHOOK_SECRET: "s3cret", GH_ORG: "acme" });
  });
});
