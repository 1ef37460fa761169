/** `/app/...` (JWT) and installation routes, including the webhook delivery log. */
import { isoSeconds } from "../clock.js";
import type { Core } from "../core.js";
import { HttpError, notFound } from "../errors.js";
import type { Route } from "../http.js";
import { intParam, json } from "../http.js";
import { appJson, appPermissions, repoJson, userJson } from "../serialize.js";
import { nodeId } from "../state.js";
import type { DeliveryRecord } from "../webhooks.js";

/** The single installation (covers every repository created with `installed: true`). */
export function installationJson(core: Core): Record<string, unknown> {
  const first = [...core.world.repos.values()].find((r) => r.installed);
  const account = first?.owner ?? core.app.owner;
  return {
    id: core.installationId,
    node_id: nodeId("Installation", core.installationId),
    account: userJson(core, account),
    repository_selection: "selected",
    access_tokens_url: `${core.urls.api}/app/installations/${core.installationId}/access_tokens`,
    repositories_url: `${core.urls.api}/installation/repositories`,
    html_url: `${core.urls.html}/settings/installations/${core.installationId}`,
    app_id: core.app.id,
    app_slug: core.app.slug,
    target_id: account.id,
    target_type: account.type === "Organization" ? "Organization" : "User",
    permissions: appPermissions(),
    events: appJson(core, core.app).events,
    created_at: "2024-01-01T00:00:00Z",
    updated_at: "2024-01-01T00:00:00Z",
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: core.installation.suspendedAt ? userJson(core, account) : null,
    suspended_at: core.installation.suspendedAt,
  };
}

function installationParam(core: Core, id: number): void {
  if (id !== core.installationId || core.installation.deleted) throw notFound();
}

function deliverySummary(d: DeliveryRecord): Record<string, unknown> {
  return {
    id: d.id,
    guid: d.guid,
    delivered_at: d.deliveredAt,
    redelivery: d.redelivery,
    duration: d.durationMs / 1000,
    status: d.status,
    status_code: d.statusCode,
    event: d.event,
    action: d.action,
    installation_id: d.installationId,
    repository_id: d.repositoryId,
    throttled_at: null,
  };
}

export const appRoutes: Route[] = [
  { method: "GET", path: "/app", auth: "app", handler: ({ core }) => json(appJson(core, core.app)) },
  { method: "GET", path: "/app/installations", auth: "app", handler: ({ core }) => json(core.installation.deleted ? [] : [installationJson(core)]) },
  {
    method: "GET",
    path: "/app/installations/{installation_id}",
    auth: "app",
    handler: (ctx) => {
      installationParam(ctx.core, intParam(ctx, "installation_id"));
      return json(installationJson(ctx.core));
    },
  },
  {
    method: "POST",
    path: "/app/installations/{installation_id}/access_tokens",
    auth: "app",
    handler: (ctx) => {
      installationParam(ctx.core, intParam(ctx, "installation_id"));
      if (ctx.core.installation.suspendedAt) throw new HttpError(403, "This installation has been suspended");
      const { token, expiresAt } = ctx.services.tokens.issue(ctx.core.installationId);
      // Requested `repositories`/`permissions` narrowing is accepted but not enforced.
      return json({ token, expires_at: isoSeconds(expiresAt), permissions: appPermissions(), repository_selection: "selected" }, 201);
    },
  },
  {
    method: "GET",
    path: "/repos/{owner}/{repo}/installation",
    auth: "app",
    handler: (ctx) => {
      const repo = ctx.core.world.repo(ctx.params.owner ?? "", ctx.params.repo ?? "");
      if (!repo?.installed) throw notFound();
      return json(installationJson(ctx.core));
    },
  },
  {
    method: "GET",
    path: "/installation/repositories",
    auth: "installation",
    handler: ({ core }) => {
      const repos = [...core.world.repos.values()].filter((r) => r.installed);
      return json({ total_count: repos.length, repository_selection: "selected", repositories: repos.map((r) => repoJson(core, r)) });
    },
  },
  {
    method: "GET",
    path: "/app/hook/deliveries",
    auth: "app",
    handler: (ctx) => {
      const perPage = Math.min(100, Math.max(1, Number(ctx.query.get("per_page")) || 30));
      const cursor = Number(ctx.query.get("cursor")) || Number.MAX_SAFE_INTEGER;
      const newestFirst = [...ctx.services.webhooks.deliveries].reverse().filter((d) => d.id < cursor);
      const page = newestFirst.slice(0, perPage);
      const last = page[page.length - 1];
      const headers: Record<string, string> = {};
      if (last && newestFirst.length > perPage) {
        headers.link = `<${ctx.core.urls.api}/app/hook/deliveries?per_page=${perPage}&cursor=${last.id}>; rel="next"`;
      }
      return { status: 200, body: page.map(deliverySummary), headers };
    },
  },
  {
    method: "GET",
    path: "/app/hook/deliveries/{delivery_id}",
    auth: "app",
    handler: (ctx) => {
      const id = intParam(ctx, "delivery_id");
      const d = ctx.services.webhooks.deliveries.find((x) => x.id === id);
      if (!d) throw notFound();
      return json({
        ...deliverySummary(d),
        url: d.url,
        request: { headers: d.requestHeaders, payload: d.payload },
        response: { headers: d.responseHeaders, payload: d.responseBody },
      });
    },
  },
  {
    method: "POST",
    path: "/app/hook/deliveries/{delivery_id}/attempts",
    auth: "app",
    handler: (ctx) => {
      if (!ctx.services.webhooks.redeliver(intParam(ctx, "delivery_id"))) throw notFound();
      return json({}, 202);
    },
  },
];

