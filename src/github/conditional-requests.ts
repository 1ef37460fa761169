/**
 * Conditional requests: GitHub does not count a `304 Not Modified` against the rate limit. Every
 * GET is sent with `If-None-Match: <the ETag GitHub returned last time>`; a 304 is answered with
 * the response stored with that ETag, as if GitHub had sent it again (status 200, its data, its
 * headers updated by the 304's, e.g. the rate-limit ones). A 200 replaces the stored response.
 *
 * The cache key is the installation (or `app`, or a digest of a plain token), the method, the
 * expanded URL with its query, and the Accept header (raw and JSON answers differ). It never
 * includes the installation token: tokens rotate hourly. One installation never sees another's
 * entries. GitHub's ETags are token-specific (its support says so), so after a token rotation,
 * or from another process with its own token, the first request of each URL is a 200 again.
 *
 * Correct by construction: an entry is only ever served for a 304 to its own ETag. Two
 * exceptions guard what a 304 cannot tell: answers that are not JSON or text (binary) are not
 * kept, and neither is a full list page without a `next` link (GitHub's ETag is per page and
 * its 304 carries no Link header: a page that stays the same while a next page appears would
 * hide that page).
 *
 * Install it on the Octokit class Probot builds its clients from, last (outermost):
 * `withConditionalRequests(Octokit, { redisUrl, log })`.
 */
import { createHash } from "node:crypto";
import type { Octokit } from "@octokit/core";
import { createEtagStore, type EtagEntry, type EtagStore, type EtagStoreOptions } from "../infra/etag-cache.js";
import { metrics as sharedMetrics, type Metrics } from "../observability/metrics.js";
import { httpStatus } from "./errors.js";

export interface ConditionalRequestOptions extends Partial<EtagStoreOptions> {
  /** A store to use instead of creating one (tests; or one store shared by several classes). */
  readonly store?: EtagStore | Promise<EtagStore>;
  readonly metrics?: Metrics;
}

interface StoredResponse {
  readonly status: number;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly data: unknown;
}

type Headers = Record<string, string | number | undefined>;

/** Whose data a request reads: the installation, the app (JWT), or a digest of a plain token. Never the installation token itself. */
export function scopeOf(options: { auth?: unknown } | undefined): string {
  const auth = options?.auth as { installationId?: unknown; token?: unknown } | string | undefined;
  const installationId = typeof auth === "object" ? auth.installationId : undefined;
  if (typeof installationId === "number" || typeof installationId === "string") return `installation:${installationId}`;
  const token = typeof auth === "string" ? auth : auth?.token; // a plain token (Probot's GITHUB_TOKEN mode)
  return typeof token === "string" ? `token:${createHash("sha256").update(token).digest("hex").slice(0, 16)}` : "app";
}

/** The cache key of a request: scope, method, full URL (query included), Accept. */
export const cacheKey = (scope: string, method: string, url: string, accept: string): string => `${scope}\n${method} ${url}\n${accept}`;

const isPlainData = (data: unknown): boolean =>
  typeof data === "string" || typeof data === "number" || typeof data === "boolean" || data === null || Array.isArray(data) || Object.getPrototypeOf(data) === Object.prototype;

/** A full array page with no next link: a page could appear after it without changing it (see above). */
function fullLastPage(url: string, data: unknown, link: string | undefined): boolean {
  if (!Array.isArray(data) || /rel="next"/.test(link ?? "")) return false;
  const perPage = Number(new URL(url, "https://api.github.com").searchParams.get("per_page") ?? 30);
  return data.length >= perPage;
}

const lowerCased = (headers: Headers | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(headers ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), String(v)]])));

/** The plugin, over one store. */
export function conditionalRequestsPlugin(store: EtagStore | Promise<EtagStore>, m: Metrics = sharedMetrics) {
  const ready = Promise.resolve(store);
  return (octokit: Octokit, octokitOptions?: { auth?: unknown }): void => {
    const scope = scopeOf(octokitOptions);
    octokit.hook.wrap("request", async (request, options) => {
      const method = String(options.method ?? "GET").toUpperCase();
      const given = lowerCased(options.headers as Headers);
      if (method !== "GET" || given["if-none-match"] !== undefined) return request(options);
      const parsed = octokit.request.endpoint.parse(options as never);
      const key = cacheKey(scope, method, parsed.url, String((parsed.headers as Headers).accept ?? ""));
      const cache = await ready;
      const entry: EtagEntry | undefined = await cache.get(key).catch(() => undefined);
      // Inner hooks (auth, throttling, retry) are bound to this very options object: set the header on it.
      if (entry) options.headers = { ...options.headers, "if-none-match": entry.etag };
      let response;
      try {
        response = await request(options);
      } catch (error) {
        if (entry && httpStatus(error) === 304) {
          m.conditionalRequests.inc({ result: "hit" });
          const stored = JSON.parse(entry.payload) as StoredResponse;
          // The stored headers, updated by the 304's (RFC 9111 §4.3.4): the rate-limit ones above all.
          const { "content-length": _length, ...fresh } = lowerCased((error as { response?: { headers?: Headers } }).response?.headers);
          return { ...stored, status: 200, headers: { ...stored.headers, ...fresh } } as never;
        }
        throw error;
      }
      m.conditionalRequests.inc({ result: "miss" });
      const headers = lowerCased(response.headers as Headers);
      const etag = headers.etag;
      if (response.status === 200 && etag && isPlainData(response.data) && !fullLastPage(parsed.url, response.data, headers.link)) {
        const stored: StoredResponse = { status: response.status, url: response.url, headers, data: response.data };
        void cache.set(key, { etag, payload: JSON.stringify(stored) }).catch(() => undefined); // Redis, if any, off the request path
        m.conditionalRequests.inc({ result: "stored" });
      }
      return response;
    });
  };
}

/**
 * `base` with conditional requests on every GET; keeps the class's statics (`defaults`,
 * `plugin`). Apply it last, so that the request metrics and Probot's throttling see each 304.
 * One store per call: call it once per process (e.g. in src/main.ts).
 */
export function withConditionalRequests<T extends { plugin: (...plugins: never[]) => unknown }>(base: T, options: ConditionalRequestOptions = {}): T {
  const store =
    options.store ??
    createEtagStore({ ...options, log: options.log ?? { warn: () => undefined } }).catch(() => createEtagStore({ ...options, redisUrl: undefined, log: options.log ?? { warn: () => undefined } }));
  return (base.plugin as (p: ReturnType<typeof conditionalRequestsPlugin>) => T)(conditionalRequestsPlugin(store, options.metrics));
}
