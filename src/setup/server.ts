/**
 * Setup mode (no APP_ID or private key, outside production): Probot's server with our setup page
 * instead of Probot's, so that the registration works in one pass for an organisation:
 *   GET /probot        the page: the manifest from app.yml, posted to GitHub (src/setup/manifest.ts);
 *   GET /probot/setup  GitHub's redirect with a code: the code is exchanged for the app's
 *                      credentials, which are written to .env; then GitHub's install page.
 */
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { Logger } from "pino";
import { Probot, Server } from "probot";
import { parse as parseYaml } from "yaml";
import type { SetupEnv } from "../env.js";
import { renderSetupDone, renderSetupPage } from "../render/setup-page.js";
import { createAppUrl, githubApiUrl, setupManifest, webhookTarget } from "./manifest.js";

export interface SetupOptions {
  readonly env: SetupEnv;
  readonly log: Logger;
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  /** Where app.yml is read and .env written (default: the working directory). */
  readonly cwd?: string;
}

/** The address the browser used, as Probot computes it (proxies' x-forwarded-* first). */
function pageBaseUrl(req: IncomingMessage): string {
  const forwarded = req.headers["x-forwarded-proto"];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim() || ((req.socket as { encrypted?: boolean }).encrypted ? "https" : "http");
  const host = req.headers["x-forwarded-host"] ?? req.headers.host ?? "localhost";
  return `${proto}://${Array.isArray(host) ? host[0] : host}`;
}

/** Sets `values` in the .env file at `path`, keeping every other line. */
export function updateDotEnv(path: string, values: Readonly<Record<string, string>>): void {
  const lines = existsSync(path) ? readFileSync(path, "utf8").split("\n").filter((l, i, all) => l !== "" || i < all.length - 1) : [];
  const format = (key: string, value: string) => `${key}=${/[\s"#'\\]/.test(value) ? `"${value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"` : value}`;
  const pending = new Map(Object.entries(values));
  const kept = lines.map((line) => {
    const key = line.match(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/)?.[1];
    if (key === undefined || !pending.has(key)) return line;
    const value = pending.get(key) as string;
    pending.delete(key);
    return format(key, value);
  });
  writeFileSync(path, [...kept, ...[...pending].map(([k, v]) => format(k, v))].join("\n") + "\n", { mode: 0o600 });
}

interface Conversion {
  readonly id: number;
  readonly slug?: string;
  readonly name?: string;
  readonly pem: string;
  readonly webhook_secret: string | null;
  readonly client_id: string;
  readonly client_secret: string;
  readonly html_url: string;
}

export function setupHandler(o: SetupOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const cwd = o.cwd ?? process.cwd();
  const appYml = (parseYaml(readFileSync(join(cwd, "app.yml"), "utf8")) ?? {}) as Record<string, unknown>;
  const name = typeof appYml.name === "string" ? appYml.name : "branch-steward";
  const html = (res: ServerResponse, status: number, body: string) => res.writeHead(status, { "content-type": "text/html; charset=utf-8" }).end(body);
  return async (req, res) => {
    if (req.method !== "GET") return false;
    const url = new URL(req.url ?? "/", "http://setup.invalid");
    if (url.pathname === "/") {
      res.writeHead(302, { location: "/probot" }).end();
      return true;
    }
    if (url.pathname === "/probot") {
      const base = pageBaseUrl(req);
      const webhook = webhookTarget(o.env, base);
      const manifest = setupManifest(appYml, { webhookUrl: webhook.url, pageBaseUrl: base });
      html(res, 200, renderSetupPage({ name, manifest, createAppUrl: createAppUrl(o.env), org: o.env.ghOrg, webhook: { url: webhook.url, usable: webhook.usable, ...(webhook.usable ? { via: webhook.via } : {}) }, pageBaseUrl: base }));
      return true;
    }
    if (url.pathname === "/probot/setup") {
      const code = url.searchParams.get("code");
      if (!code || !/^[A-Za-z0-9_-]+$/.test(code)) {
        res.writeHead(400, { "content-type": "text/plain" }).end("code missing or invalid");
        return true;
      }
      const answer = await fetch(`${githubApiUrl(o.env)}/app-manifests/${code}/conversions`, { method: "POST", headers: { accept: "application/vnd.github+json", "user-agent": "branch-steward-setup" } });
      if (!answer.ok) {
        o.log.error({ status: answer.status }, "GitHub refused the registration code (it is valid for one hour, once)");
        res.writeHead(502, { "content-type": "text/plain" }).end(`GitHub answered ${answer.status} to the registration code; register again from /probot.`);
        return true;
      }
      const app = (await answer.json()) as Conversion;
      updateDotEnv(join(cwd, ".env"), {
        APP_ID: String(app.id),
        PRIVATE_KEY: app.pem,
        ...(app.webhook_secret ? { WEBHOOK_SECRET: app.webhook_secret } : {}),
        GITHUB_CLIENT_ID: app.client_id,
        GITHUB_CLIENT_SECRET: app.client_secret,
      });
      o.log.info({ appId: app.id, app: app.html_url }, "registered: APP_ID, PRIVATE_KEY and WEBHOOK_SECRET written to .env; restart the app, then install it");
      const installUrl = `${app.html_url}/installations/new`;
      res.writeHead(302, { location: installUrl, "content-type": "text/html; charset=utf-8" }).end(renderSetupDone({ name: app.name ?? name, installUrl }));
      return true;
    }
    return false;
  };
}

/** Probot's server in setup mode, serving our setup page. */
export async function startSetup(o: SetupOptions): Promise<Server> {
  const server = new Server({
    // Probot's own setup mode does the same: the instance needs an id and key it never uses.
    Probot: Probot.defaults({ appId: 1, privateKey: "unused in setup mode", log: o.log }),
    host: o.host ?? "localhost",
    port: o.port ?? 3000,
    log: o.log,
  });
  await server.loadHandlerFactory(() => setupHandler(o));
  await server.start();
  const where = `http://${o.host ?? "localhost"}:${server.port}`;
  o.log.info(`setup mode (no APP_ID or private key): open ${where} to register the app on GitHub; see the README, "Register the app and install it"`);
  return server;
}
