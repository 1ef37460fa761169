/**
 * The setup page in a real browser: Debian's `chromium`, driven headless by puppeteer-core (the
 * system browser; nothing is downloaded). The page is served by the app in setup mode (no
 * APP_ID); the test clicks "Register", catches the POST the browser would send to GitHub, and
 * checks the manifest in it against app.yml, docs/permissions.md and the app itself: the
 * webhook URL is where the running app accepts a signed delivery, every event a handler needs
 * is subscribed (or always delivered), and the permissions are those documented.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import { pino } from "pino";
import type { Server } from "probot";
import puppeteer, { type Browser } from "puppeteer-core";
import { parse as parseYaml } from "yaml";
import { HANDLERS } from "../../src/handlers/index.js";
import { startSetup } from "../../src/setup/server.js";
import type { SetupEnv } from "../../src/env.js";
import { freePort, startStack } from "../../tools/sandbox/stack.js";

const ROOT = join(new URL(".", import.meta.url).pathname, "..", "..");
const BROWSER = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find((p): p is string => Boolean(p && existsSync(p)));
if (!BROWSER) console.warn("SKIPPED: the setup page browser test needs Debian's chromium (apt-get install -y chromium) or CHROMIUM_PATH; none was found");
const withBrowser = BROWSER ? describe : describe.skip;

/** GitHub delivers these to every app; they cannot be subscribed to (GitHub's webhook reference). */
const ALWAYS_DELIVERED = ["installation", "installation_repositories"];

const appYml = parseYaml(readFileSync(join(ROOT, "app.yml"), "utf8")) as { name: string; description: string; url: string; public: boolean; default_events: string[]; default_permissions: Record<string, string> };
const permissionsDoc = readFileSync(join(ROOT, "docs", "permissions.md"), "utf8");

/** `checks: write`, … from the "Compared with app.yml" list in docs/permissions.md. */
function documentedPermissions(): Record<string, string> {
  const line = permissionsDoc.split("## Compared with `app.yml`")[1]?.split(/\n- /)[1] ?? "";
  return Object.fromEntries([...line.matchAll(/`([a-z_]+): (read|write)`/g)].map((m) => [m[1], m[2]]));
}

/** The first column of the "Webhook events" table in docs/permissions.md. */
function documentedEvents(): string[] {
  const section = permissionsDoc.split("## Webhook events and the permission that delivers them")[1]?.split("\n## ")[0] ?? "";
  return [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1] as string);
}

async function setupServer(env: SetupEnv): Promise<{ url: string; server: Server }> {
  const port = await freePort();
  const server = await startSetup({ env, log: pino({ level: "silent" }), host: "127.0.0.1", port, cwd: ROOT });
  return { url: `http://127.0.0.1:${port}`, server };
}

interface Posted {
  readonly url: string;
  readonly method: string;
  readonly manifest: Record<string, unknown> & { hook_attributes: { url: string }; default_events: string[]; default_permissions: Record<string, string>; redirect_url: string };
}

/** Opens the page, clicks Register, and returns what the browser posted to GitHub (answered locally). */
async function register(pageUrl: string): Promise<{ posted: Posted | undefined; text: string; disabled: boolean }> {
  const browser: Browser = await puppeteer.launch({ executablePath: BROWSER, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  const page = await browser.newPage();
  try {
    await page.setRequestInterception(true);
    let posted: Posted | undefined;
    page.on("request", (request) => {
      if (!request.url().startsWith("http://127.0.0.1")) {
        const form = new URLSearchParams(request.postData() ?? "");
        posted = { url: request.url(), method: request.method(), manifest: JSON.parse(form.get("manifest") ?? "null") as Posted["manifest"] };
        void request.respond({ status: 200, contentType: "text/html", body: "<p>GitHub (intercepted)</p>" });
      } else void request.continue();
    });
    await page.goto(pageUrl, { waitUntil: "load" });
    const text = await page.$eval("body", (b) => (b as unknown as { innerText: string }).innerText);
    const disabled = await page.$eval("#register-button", (b) => (b as unknown as { disabled: boolean }).disabled);
    if (!disabled) await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click("#register-button")]);
    return { posted, text, disabled };
  } finally {
    await browser.close(); // its keep-alive sockets would hold the server open
  }
}

withBrowser("the setup page in Chromium", () => {
  it("registers under GH_ORG with app.yml's manifest and the webhook URL where the app accepts deliveries", async () => {
    const { url, server } = await setupServer({ publicUrl: "https://steward.example.com/", ghOrg: "acme" });
    try {
      const { posted, disabled } = await register(`${url}/`);
      expect(disabled).toBe(false);
      expect(posted).toMatchObject({ url: "https://github.com/organizations/acme/settings/apps/new", method: "POST" });
      const manifest = (posted as Posted).manifest;
      expect(manifest).toMatchObject({ name: appYml.name, description: appYml.description, url: appYml.url, public: false, redirect_url: `${url}/probot/setup` });
      expect(manifest.hook_attributes).toEqual({ url: "https://steward.example.com/api/github/webhooks", active: true });
      expect(manifest.default_events).toEqual(appYml.default_events);
      expect(manifest.default_permissions).toEqual(appYml.default_permissions);

      // Every event a handler needs is subscribed, or delivered to every app anyway; docs/permissions.md lists them all.
      const handled = [...new Set(HANDLERS.flatMap((r) => r.events.map((e) => e.split(".")[0] as string)))];
      expect(handled.filter((e) => !manifest.default_events.includes(e) && !ALWAYS_DELIVERED.includes(e))).toEqual([]);
      expect(new Set(documentedEvents())).toEqual(new Set([...manifest.default_events, ...ALWAYS_DELIVERED]));
      expect(documentedPermissions()).toEqual(manifest.default_permissions);

      // The app serves webhooks at exactly that path: a signed ping there is accepted, at the root it is not.
      const stack = await startStack();
      try {
        const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
        const headers = { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "setup-page-test", "x-hub-signature-256": await sign(stack.webhookSecret, body) };
        const at = async (path: string) => (await fetch(`${stack.appUrl}${path}`, { method: "POST", headers, body })).status;
        expect(await at(new URL(manifest.hook_attributes.url).pathname)).toBe(200);
        expect(await at("/")).toBe(404);
      } finally {
        await stack.close();
      }
    } finally {
      await server.stop();
    }
  });

  it("without a public URL it says GitHub refuses a localhost webhook and how to use a webhook proxy, and offers no registration", async () => {
    const { url, server } = await setupServer({});
    try {
      const { posted, text, disabled } = await register(`${url}/probot`);
      expect(disabled).toBe(true);
      expect(posted).toBeUndefined();
      expect(text).toContain("GitHub refuses a webhook URL on localhost or a private network");
      expect(text).toContain("PUBLIC_URL=https://");
      expect(text).toContain("https://smee.io/new");
      expect(text).toContain("WEBHOOK_PROXY_URL=https://smee.io/");
      expect(text).toContain("GH_ORG=<organisation>");
    } finally {
      await server.stop();
    }
  });

  it("with WEBHOOK_PROXY_URL the proxy channel receives the webhooks, on the user's account, on GitHub Enterprise Server", async () => {
    const { url, server } = await setupServer({ webhookProxyUrl: "https://smee.io/abc123", gheHost: "ghe.example.com", gheProtocol: "https" });
    try {
      const { posted } = await register(`${url}/probot`);
      expect(posted?.url).toBe("https://ghe.example.com/settings/apps/new");
      expect(posted?.manifest.hook_attributes.url).toBe("https://smee.io/abc123");
    } finally {
      await server.stop();
    }
  });
});
