/** releaseMerge and refreshEvidence: the result kinds that need no full release (released is covered in test/handlers/release.test.ts). */
import nock from "nock";
import { parseConfig } from "../../src/config/parse.js";
import { RELEASE_COMMENT_MARKER } from "../../src/render/release.js";
import { refreshEvidence, releaseMerge } from "../../src/workflows/release.js";
import { API, MERGE, pull, R, strictNock, testIo } from "./io.js";

strictNock();

it("skipped: not merged, not into production, or releases disabled; no request", async () => {
  const { io } = testIo();
  const valid = parseConfig(undefined);
  expect(await releaseMerge(io, pull({ merged: false, source: "hotfix/x", target: "production" }), valid)).toEqual({ kind: "skipped", reason: "not-merged" });
  expect(await releaseMerge(io, pull({ source: "feature/x", target: "development" }), valid)).toEqual({ kind: "skipped", reason: "not-production" });
  expect(await releaseMerge(io, pull({ source: "hotfix/x", target: "production" }), parseConfig({ release: { enabled: false } }))).toEqual({ kind: "skipped", reason: "disabled" });
});

it("refused: an invalid config is said on the PR, and nothing is tagged", async () => {
  let comment: Record<string, unknown> = {};
  nock(API)
    .get(`${R}/issues/12/comments`)
    .query({ per_page: "100" })
    .reply(200, [])
    .post(`${R}/issues/12/comments`, (b: Record<string, unknown>) => ((comment = b), true))
    .reply(201, { id: 1 })
    .get(`${R}/issues/12/comments`)
    .query({ per_page: "100" })
    .reply(200, []);
  const { io } = testIo();
  const result = await releaseMerge(io, pull({ source: "hotfix/x", target: "production" }), parseConfig({ nonsense: true }));
  expect(result).toEqual({ kind: "refused", problem: { code: "config-invalid", issues: [{ path: "nonsense", message: 'unknown key "nonsense"' }] } });
  expect(String(comment.body)).toContain(RELEASE_COMMENT_MARKER);
  expect(String(comment.body)).toContain("`nonsense`");
});

it("evidence: absent when no version tag points at the commit (one tag read)", async () => {
  nock(API).get(`${R}/git/matching-refs/tags%2F`).query({ per_page: "100" }).reply(200, []);
  const { io } = testIo();
  expect(await refreshEvidence(io, MERGE, parseConfig(undefined).config)).toEqual({ kind: "absent" });
});
