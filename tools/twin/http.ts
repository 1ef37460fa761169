/** Route types, template matching, request helpers and GitHub-style pagination. */
import type { IncomingHttpHeaders } from "node:http";
import type { Credential, TokenStore } from "./auth.js";
import type { Core } from "./core.js";
import { HttpError, notFound, validationFailed } from "./errors.js";
import type { Account, RepoState } from "./state.js";
import type { WebhookDispatcher } from "./webhooks.js";

/** Server-side collaborators some routes need (tokens, delivery log). */
export interface Services {
  tokens: TokenStore;
  webhooks: WebhookDispatcher;
  credential: Credential;
}

export type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
/** `app`: JWT signed with the app key. `installation`: installation access token. */
export type AuthKind = "app" | "installation";

export interface RequestContext {
  core: Core;
  method: Method;
  url: URL;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** Who acts: the bot user for installation tokens, the app owner for JWTs. */
  actor: Account;
  services: Services;
}

export interface Reply {
  status: number;
  /** JSON body; omitted for 204. */
  body?: unknown;
  /** Raw text body (with `contentType`) instead of JSON. */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => Reply;

export interface Route {
  method: Method;
  /** Exactly the OpenAPI `paths` key. */
  path: string;
  auth: AuthKind;
  handler: Handler;
}

/** Parameters whose values may contain `/` (when a client does not percent-encode them). */
const SLASHY = new Set(["ref", "path", "basehead", "branch", "tag", "name"]);

export interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
  /** Literal characters in the template; more specific templates are tried first. */
  specificity: number;
}

export function compileRoutes(routes: Route[]): CompiledRoute[] {
  return routes
    .map((route) => {
      const names: string[] = [];
      const source = route.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, (_m, name: string) => {
        names.push(name);
        return SLASHY.has(name) ? "(.+?)" : "([^/]+)";
      });
      const specificity = route.path.replace(/\{\w+\}/g, "").length;
      return { ...route, regex: new RegExp(`^${source}$`), names, specificity };
    })
    .sort((a, b) => b.specificity - a.specificity);
}

export function matchRoute(
  routes: CompiledRoute[],
  method: string,
  pathname: string,
): { route: CompiledRoute; params: Record<string, string> } | null {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.regex.exec(pathname);
    if (!match) continue;
    const params: Record<string, string> = {};
    route.names.forEach((name, i) => {
      params[name] = safeDecode(match[i + 1] ?? "");
    });
    return { route, params };
  }
  return null;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The repository named by `{owner}/{repo}`, enforcing installation access. */
export function repoParam(ctx: RequestContext): RepoState {
  const repo = ctx.core.world.repo(ctx.params.owner ?? "", ctx.params.repo ?? "");
  if (!repo) throw notFound();
  if (repo.installed) return repo;
  // Installation tokens can read public repositories they are not installed on, never write.
  if (repo.private) throw notFound();
  if (ctx.method !== "GET") throw new HttpError(403, "Resource not accessible by integration");
  return repo;
}

export function intParam(ctx: RequestContext, name: string): number {
  const value = Number(ctx.params[name]);
  if (!Number.isInteger(value) || value <= 0) throw notFound();
  return value;
}

export function optString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw validationFailed({ resource: "Request", code: "invalid", field: key });
  return value;
}

export function reqString(body: Record<string, unknown>, key: string, resource = "Request"): string {
  const value = optString(body, key);
  if (value === undefined || value === "") throw validationFailed({ resource, code: "missing_field", field: key });
  return value;
}

export function optBool(body: Record<string, unknown>, key: string): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw validationFailed({ resource: "Request", code: "invalid", field: key });
  return value;
}

export function stringArray(body: Record<string, unknown>, key: string): string[] {
  const value = body[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === "string")) {
    throw validationFailed({ resource: "Request", code: "invalid", field: key });
  }
  return value;
}

export const json = (body: unknown, status = 200): Reply => ({ status, body });
export const noContent = (): Reply => ({ status: 204 });

/** One page of `items` per `per_page`/`page`, with GitHub's `Link` header. */
export function pageOf<T>(ctx: RequestContext, items: T[], defaultPerPage = 30): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(ctx.query.get("per_page")) || defaultPerPage));
  const page = Math.max(1, Number(ctx.query.get("page")) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number, rel: string) => {
    const url = new URL(`${ctx.core.urls.api}${ctx.url.pathname}${ctx.url.search}`);
    url.searchParams.set("per_page", String(perPage));
    url.searchParams.set("page", String(n));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, "prev"));
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  if (page > 1) links.push(link(1, "first"));
  return { items: items.slice((page - 1) * perPage, page * perPage), headers: links.length > 0 ? { link: links.join(", ") } : {} };
}

/** A paginated JSON array reply. */
export function paginated<T>(ctx: RequestContext, items: T[], toJson: (item: T) => unknown): Reply {
  const { items: page, headers } = pageOf(ctx, items);
  return { status: 200, body: page.map(toJson), headers };
}
