/**
 * GitHub's OpenAPI description (@octokit/openapi), reduced to "METHOD /path/template" pairs.
 * Used by the contract check (every request the app makes in a test) and by the twin's
 * route test (every route the twin serves).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const METHODS = ["get", "put", "post", "patch", "delete", "head"];

let documented: Set<string> | undefined;

export function documentedRoutes(): Set<string> {
  if (!documented) {
    const file = require.resolve("@octokit/openapi/generated/api.github.com.json");
    const spec = JSON.parse(readFileSync(file, "utf8")) as { paths: Record<string, Record<string, unknown>> };
    documented = new Set();
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const method of Object.keys(ops)) {
        if (METHODS.includes(method)) documented.add(`${method.toUpperCase()} ${path}`);
      }
    }
  }
  return documented;
}

/** True when `METHOD /template` (e.g. `POST /repos/{owner}/{repo}/check-runs`) is in GitHub's OpenAPI description. */
export function isDocumentedRoute(method: string, template: string): boolean {
  const path = template.split("?")[0] ?? template;
  return documentedRoutes().has(`${method.toUpperCase()} ${path}`);
}
