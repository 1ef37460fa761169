import { routeTable } from "../../tools/twin/index.js";
import { isDocumentedRoute } from "../support/openapi.js";

describe("twin route table", () => {
  it("serves only routes documented in GitHub's OpenAPI description", () => {
    const undocumented = routeTable.filter((r) => !isDocumentedRoute(r.method, r.path)).map((r) => `${r.method} ${r.path}`);
    expect(undocumented).toEqual([]);
  });

  it("has no duplicate routes", () => {
    const keys = routeTable.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("covers the core API surface", () => {
    const keys = new Set(routeTable.map((r) => `${r.method} ${r.path}`));
    for (const key of [
      "POST /app/installations/{installation_id}/access_tokens",
      "GET /repos/{owner}/{repo}/contents/{path}",
      "POST /repos/{owner}/{repo}/git/refs",
      "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge",
      "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
      "GET /repos/{owner}/{repo}/compare/{basehead}",
    ]) {
      expect(keys.has(key)).toBe(true);
    }
  });
});
