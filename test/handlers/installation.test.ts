/**
 * installation / installation_repositories: payloads from @octokit/webhooks-examples (they carry
 * `repositories_added`, not `repository`). Every added repository is evaluated; one failing with
 * a server error does not stop the others, and then fails the delivery so that it is redelivered.
 */
import nock from "nock";
import { useNockedProbot } from "../support/nock.js";
import { API, INSTALLATION_ID, mockAuth } from "../support/probot.js";
import { example, HEAD_SHA } from "../support/payloads.js";

const t = useNockedProbot();

const listed = (name: string) => ({ id: name.length, node_id: "R_x", name, full_name: `acme/${name}`, private: true });
function added(names: string[]): Record<string, unknown> {
  const payload = example("installation_repositories", "added");
  return { ...payload, installation: { ...(payload.installation as object), id: INSTALLATION_ID, account: { login: "acme", html_url: "https://github.com/acme" } }, repositories_added: names.map(listed), repositories_removed: [] };
}
const openPull = { number: 5, state: "open", html_url: "https://github.com/acme/forecast/pull/5", head: { ref: "feature/x", sha: HEAD_SHA, repo: { full_name: "acme/forecast" } }, base: { ref: "development", repo: { full_name: "acme/forecast" } } };

it("installation_repositories.added: the readable repository gets its verdict, a 500 on the other is logged and fails the delivery after", async () => {
  const scope = mockAuth(nock(API));
  let check: Record<string, unknown> = {};
  scope
    .get("/repos/acme/forecast/pulls")
    .query({ state: "open", per_page: "100" })
    .reply(200, [openPull])
    .get("/repos/acme/forecast/contents/.github%2Fbranch-steward.yml")
    .reply(200, "comment: { enabled: false }\n", { "content-type": "application/vnd.github.raw; charset=utf-8" })
    .get(`/repos/acme/forecast/commits/${HEAD_SHA}/check-runs`)
    .query({ filter: "latest", per_page: "100" })
    .reply(200, { total_count: 0, check_runs: [] })
    .post("/repos/acme/forecast/check-runs", (b: Record<string, unknown>) => ((check = b), true))
    .reply(201, { id: 1 })
    .get("/repos/acme/pipeline/pulls")
    .query({ state: "open", per_page: "100" })
    .reply(500, { message: "Server Error" });

  await expect(t.probot.receive({ id: "d-1", name: "installation_repositories", payload: added(["forecast", "pipeline"]) as never })).rejects.toThrow();
  expect(check).toMatchObject({ name: "branch-steward / development", head_sha: HEAD_SHA, conclusion: "success" });
  expect(t.logs.filter((l) => l.msg.startsWith("first verdicts failed")).map((l) => l.repo)).toEqual(["acme/pipeline"]);
  expect(t.logs.filter((l) => l.msg === "first verdicts written").map((l) => [l.repo, l.evaluated, l.written])).toEqual([["acme/forecast", 1, 1]]);
});

it("installation_repositories.removed and installation.deleted read nothing from GitHub", async () => {
  const removed = { ...added([]), action: "removed", repositories_added: [], repositories_removed: [listed("forecast")] };
  await t.probot.receive({ id: "d-2", name: "installation_repositories", payload: removed as never });
  const deleted = { ...example("installation", "deleted"), installation: { id: INSTALLATION_ID, account: { login: "acme" } } };
  await t.probot.receive({ id: "d-3", name: "installation", payload: deleted as never });
  expect(t.logs.filter((l) => l.msg.startsWith("no more work")).map((l) => l.event)).toEqual(["installation_repositories.removed", "installation.deleted"]);
});
