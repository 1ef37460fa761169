/**
 * The contract check: every request the app makes in a test must be an operation in GitHub's
 * OpenAPI description. The plugin records requests; test/setup/contract.ts asserts after each test.
 */
import type { Octokit } from "@octokit/core";
import { documentedRoutes, isDocumentedRoute } from "./openapi.js";

const recorded: string[] = [];

/** Octokit plugin: records `METHOD template` (or `METHOD concrete-path` for pagination links). */
export function contractPlugin(octokit: Octokit): void {
  octokit.hook.wrap("request", async (request, options) => {
    recorded.push(`${String(options.method)} ${String(options.url)}`);
    return request(options);
  });
}

export function takeRecorded(): string[] {
  return recorded.splice(0, recorded.length);
}

let concreteMatchers: { method: string; regex: RegExp }[] | undefined;

function matchesConcretePath(method: string, url: string): boolean {
  concreteMatchers ??= [...documentedRoutes()].map((route) => {
    const [m, path] = route.split(" ") as [string, string];
    return { method: m, regex: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}/g, "[^/]+")}$`) };
  });
  const path = new URL(url, "https://api.github.com").pathname;
  return concreteMatchers.some((m) => m.method === method.toUpperCase() && m.regex.test(path));
}

/** True when a recorded `METHOD url` is an operation in GitHub's OpenAPI description. */
export function isDocumentedRequest(entry: string): boolean {
  const [method, url] = entry.split(" ") as [string, string];
  if (url.includes("{")) return isDocumentedRoute(method, url);
  return matchesConcretePath(method, url);
}
