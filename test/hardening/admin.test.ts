/** src/observability/admin.ts: the bearer-token guard for admin routes. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { requireAdminToken, tokensEqual } from "../../src/observability/admin.js";

const TOKEN = "s3cr3t-admin-token-0123456789";
let server: Server;
let url: string;
let configured: string | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (requireAdminToken(req, res, configured)) res.writeHead(200).end("ran");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/reconcile`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function post(authorization?: string): Promise<{ status: number; body: string; auth: string | null }> {
  const res = await fetch(url, { method: "POST", headers: authorization === undefined ? {} : { authorization } });
  return { status: res.status, body: await res.text(), auth: res.headers.get("www-authenticate") };
}

describe("requireAdminToken", () => {
  it("answers 404 when no ADMIN_TOKEN is configured, whatever the request carries", async () => {
    configured = undefined;
    expect((await post(`Bearer ${TOKEN}`)).status).toBe(404);
    configured = "";
    expect((await post(`Bearer ${TOKEN}`)).status).toBe(404);
  });

  it("answers 401 without a bearer token", async () => {
    configured = TOKEN;
    for (const header of [undefined, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer ", `token ${TOKEN}`]) {
      const r = await post(header);
      expect(r.status).toBe(401);
      expect(r.auth).toMatch(/^Bearer/);
    }
  });

  it("answers 403 for a wrong token, including prefixes and extensions of the right one", async () => {
    configured = TOKEN;
    for (const wrong of ["nope", TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase()]) {
      const r = await post(`Bearer ${wrong}`);
      expect(r.status).toBe(403);
      expect(r.body).not.toContain(TOKEN);
    }
  });

  it("lets the right token through (scheme is case-insensitive)", async () => {
    configured = TOKEN;
    expect(await post(`Bearer ${TOKEN}`)).toMatchObject({ status: 200, body: "ran" });
    expect(await post(`bearer ${TOKEN}`)).toMatchObject({ status: 200, body: "ran" });
  });

  it("compares digests, so unequal lengths do not throw", () => {
    expect(tokensEqual("a", "a".repeat(100))).toBe(false);
    expect(tokensEqual(TOKEN, TOKEN)).toBe(true);
  });
});
