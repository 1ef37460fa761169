/**
 * GitHub's way back from the registration: `/probot/setup?code=…` exchanges the code
 * (`POST /app-manifests/{code}/conversions`, on GHES under /api/v3), writes the app's
 * credentials to .env and sends the browser to the app's install page.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import nock from "nock";
import { pino } from "pino";
import type { Server } from "probot";
import { startSetup } from "../../src/setup/server.js";
import { freePort } from "../../tools/sandbox/stack.js";
import { useNock } from "../github/nock.js";

useNock();
const ROOT = join(new URL(".", import.meta.url).pathname, "..", "..");
const PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n";

let server: Server | undefined;
afterEach(async () => {
  await server?.stop();
});

async function setupIn(dir: string, env: Parameters<typeof startSetup>[0]["env"]): Promise<string> {
  copyFileSync(join(ROOT, "app.yml"), join(dir, "app.yml"));
  const port = await freePort();
  server = await startSetup({ env, log: pino({ level: "silent" }), host: "127.0.0.1", port, cwd: dir });
  return `http://127.0.0.1:${port}`;
}

it("exchanges the code on GHES, writes APP_ID, PRIVATE_KEY and WEBHOOK_SECRET to .env, and opens the install page", async () => {
  const dir = mkdtempSync(join(tmpdir(), "setup-"));
  writeFileSync(join(dir, ".env"), "GH_ORG=acme\nPUBLIC_URL=https://steward.example.com\n");
  const url = await setupIn(dir, { gheHost: "ghe.example.com", ghOrg: "acme", publicUrl: "https://steward.example.com" });
  nock("https://ghe.example.com").post("/api/v3/app-manifests/c0de/conversions").reply(201, {
    id: 77,
    slug: "branch-steward-acme",
    name: "branch-steward-acme",
    html_url: "https://ghe.example.com/organizations/acme/settings/apps/branch-steward-acme",
    client_id: "Iv1.abc",
    client_secret: "cs",
    webhook_secret: "whs-0123456789abcdef",
    pem: PEM,
  });
  const res = await fetch(`${url}/probot/setup?code=c0de`, { redirect: "manual" });
  expect(res.status).toBe(302);
  expect(res.headers.get("location")).toBe("https://ghe.example.com/organizations/acme/settings/apps/branch-steward-acme/installations/new");
  expect(parseEnv(readFileSync(join(dir, ".env"), "utf8"))).toEqual({
    GH_ORG: "acme",
    PUBLIC_URL: "https://steward.example.com",
    APP_ID: "77",
    PRIVATE_KEY: PEM,
    WEBHOOK_SECRET: "whs-0123456789abcdef",
    GITHUB_CLIENT_ID: "Iv1.abc",
    GITHUB_CLIENT_SECRET: "cs",
  });
});

it("a used or expired code writes nothing and says to register again; a malformed one is refused without a request", async () => {
  const dir = mkdtempSync(join(tmpdir(), "setup-"));
  const url = await setupIn(dir, {});
  nock("https://api.github.com").post("/app-manifests/old/conversions").reply(404, { message: "Not Found" });
  const res = await fetch(`${url}/probot/setup?code=old`, { redirect: "manual" });
  expect(res.status).toBe(502);
  expect(await res.text()).toContain("register again from /probot");
  expect((await fetch(`${url}/probot/setup?code=a/../b`)).status).toBe(400);
  expect(() => readFileSync(join(dir, ".env"))).toThrow();
});
