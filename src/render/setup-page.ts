/**
 * The setup page (no APP_ID yet): one button that registers the app on GitHub from app.yml
 * (the manifest flow), or, when GitHub could not deliver webhooks to any URL we know, a plain
 * explanation of what to set instead. Every value is HTML-escaped.
 */
export interface SetupPage {
  readonly name: string;
  readonly manifest: Readonly<Record<string, unknown>>;
  /** Where the form posts the manifest (the user's or the organisation's settings). */
  readonly createAppUrl: string;
  /** The organisation from GH_ORG, if any. */
  readonly org?: string | undefined;
  readonly webhook: { readonly url: string; readonly usable: boolean; readonly via?: string };
  readonly pageBaseUrl: string;
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

function localWebhookWarning(p: SetupPage): string {
  return `<section id="no-public-url" class="warning">
  <h2>GitHub cannot deliver webhooks here</h2>
  <p>This page is at <code>${escapeHtml(p.pageBaseUrl)}</code>. GitHub refuses a webhook URL on localhost or a private
  network, so a registration from here would be refused. Restart the app with one of:</p>
  <ul>
    <li><code>PUBLIC_URL=https://&lt;the app's public address&gt;</code>: GitHub will send webhooks to
      <code>PUBLIC_URL/api/github/webhooks</code>.</li>
    <li>For local development, a webhook proxy, as Probot documents: open <a href="https://smee.io/new">https://smee.io/new</a>,
      then set <code>WEBHOOK_PROXY_URL=https://smee.io/&lt;channel&gt;</code>. GitHub sends webhooks to the channel and
      the app forwards them to itself (it runs <code>smee-client</code>; <code>npm install --save-dev smee-client</code> if it asks).</li>
  </ul>
</section>`;
}

export function renderSetupPage(p: SetupPage): string {
  const owner = p.org
    ? `the organisation <strong>${escapeHtml(p.org)}</strong>`
    : "your user account (set <code>GH_ORG=&lt;organisation&gt;</code> to register it under an organisation: a private app can be installed only on the account that owns it)";
  const register = p.webhook.usable
    ? `<form id="register" action="${escapeHtml(p.createAppUrl)}" method="post">
  <input type="hidden" name="manifest" id="manifest" value="${escapeHtml(JSON.stringify(p.manifest))}">
  <button type="submit" id="register-button">Register ${escapeHtml(p.name)} on GitHub</button>
</form>`
    : `${localWebhookWarning(p)}
<button type="button" id="register-button" disabled>Register ${escapeHtml(p.name)} on GitHub</button>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Register ${escapeHtml(p.name)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .2em}.warning{border:2px solid #d1242f;padding:0 1rem;border-radius:6px}button{font-size:1rem;padding:.5rem 1rem}</style>
</head>
<body>
<h1>Register ${escapeHtml(p.name)}</h1>
<p>The button creates the GitHub App from <code>app.yml</code> under ${owner}, then brings you back here: the app id,
private key and webhook secret are written to <code>.env</code>, and GitHub opens the page to install the app.</p>
<dl>
  <dt>Webhook URL</dt><dd><code id="webhook-url">${escapeHtml(p.webhook.url)}</code>${p.webhook.via ? ` (from ${escapeHtml(p.webhook.via)})` : ""}</dd>
  <dt>Registers at</dt><dd><code id="create-app-url">${escapeHtml(p.createAppUrl)}</code></dd>
</dl>
${register}
</body>
</html>
`;
}

/** After the registration: restart with the written .env. */
export function renderSetupDone(p: { readonly name: string; readonly installUrl: string }): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(p.name)} registered</title></head>
<body><h1>${escapeHtml(p.name)} is registered</h1><p><code>.env</code> now holds APP_ID, PRIVATE_KEY and WEBHOOK_SECRET. Restart the app,
then <a href="${escapeHtml(p.installUrl)}">install it</a>.</p></body></html>
`;
}
