/**
 * The GitHub App manifest the setup page posts (GitHub's "manifest flow"), from app.yml and the
 * environment. Pure: the shell (src/setup/server.ts) reads app.yml and serves the page.
 *
 * GitHub refuses a webhook URL it cannot reach from the public Internet (localhost, loopback,
 * private addresses). The webhook URL is therefore, in this order:
 *   1. PUBLIC_URL + the webhook path (`/api/github/webhooks`, where Probot serves webhooks);
 *   2. WEBHOOK_PROXY_URL unchanged: a proxy channel (smee.io) forwards to the webhook path;
 *   3. the address the page was opened at + the webhook path, when that is public.
 * Otherwise there is no usable webhook URL, and the page says so instead of offering a
 * registration GitHub would refuse.
 */
import type { SetupEnv } from "../env.js";

/** Where Probot 14 serves webhooks (its `defaultWebhookPath`). */
export const WEBHOOK_PATH = "/api/github/webhooks";

export type WebhookTarget =
  | { readonly usable: true; readonly url: string; readonly via: "PUBLIC_URL" | "WEBHOOK_PROXY_URL" | "page address" }
  | { readonly usable: false; readonly url: string; readonly reason: "local" };

const trimSlash = (url: string): string => url.replace(/\/+$/, "");

/** Localhost, loopback, link-local, private (RFC 1918, ULA) and `.local`/`.internal` names: GitHub cannot reach them. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal")) return true;
  if (host.includes(":")) return host === "::1" || host === "::" || /^f[cd]/.test(host) || host.startsWith("fe80:"); // IPv6
  const v4 = host.match(/^(\d+)\.(\d+)\.(\d+)\.(\d+)$/);
  if (!v4) return !host.includes("."); // a bare name (e.g. a container name) is not on the Internet
  const [a, b] = [Number(v4[1]), Number(v4[2])];
  return a === 127 || a === 10 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

export function webhookTarget(env: SetupEnv, pageBaseUrl: string): WebhookTarget {
  if (env.publicUrl) return { usable: true, url: `${trimSlash(env.publicUrl)}${WEBHOOK_PATH}`, via: "PUBLIC_URL" };
  if (env.webhookProxyUrl) return { usable: true, url: env.webhookProxyUrl, via: "WEBHOOK_PROXY_URL" };
  const url = `${trimSlash(pageBaseUrl)}${WEBHOOK_PATH}`;
  return isPrivateHost(new URL(url).hostname) ? { usable: false, url, reason: "local" } : { usable: true, url, via: "page address" };
}

/** GitHub's web host: github.com, or GHE_PROTOCOL://GHE_HOST. */
export function githubWebUrl(env: SetupEnv): string {
  return `${env.gheProtocol ?? "https"}://${env.gheHost ?? "github.com"}`;
}

/** GitHub's REST API: api.github.com, or GHE_PROTOCOL://GHE_HOST/api/v3. */
export function githubApiUrl(env: SetupEnv): string {
  return env.gheHost ? `${githubWebUrl(env)}/api/v3` : "https://api.github.com";
}

/** Where the form posts the manifest: the organisation's settings with GH_ORG, else the signed-in user's. */
export function createAppUrl(env: SetupEnv): string {
  return `${githubWebUrl(env)}${env.ghOrg ? `/organizations/${encodeURIComponent(env.ghOrg)}` : ""}/settings/apps/new`;
}

/**
 * app.yml as GitHub's manifest: every key of app.yml, plus where the webhooks go and where GitHub
 * sends the browser back with the code (`/probot/setup` on the page's own address).
 */
export function setupManifest(appYml: Readonly<Record<string, unknown>>, o: { readonly webhookUrl: string; readonly pageBaseUrl: string }): Record<string, unknown> {
  const hook = typeof appYml.hook_attributes === "object" && appYml.hook_attributes !== null ? appYml.hook_attributes : {};
  return {
    ...appYml,
    hook_attributes: { ...hook, url: o.webhookUrl, active: true },
    redirect_url: `${trimSlash(o.pageBaseUrl)}/probot/setup`,
    public: appYml.public === true,
  };
}
