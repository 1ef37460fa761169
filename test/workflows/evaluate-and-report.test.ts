/** evaluateAndReport: one case per result kind, asserted on the returned value. */
import nock from "nock";
import { parseConfig } from "../../src/config/parse.js";
import { KeyedLock } from "../../src/infra/keyed-lock.js";
import { evaluateAndReport } from "../../src/workflows/evaluate-and-report.js";
import { API, HEAD, pull, R, strictNock, testIo } from "./io.js";

strictNock();
const open = (target: string) => pull({ number: 7, open: true, merged: false, mergedAt: null, mergedBy: null, mergeCommitSha: null, source: "feature/x", target });

it("ungoverned: no check, and no comment when there was none", async () => {
  nock(API).get(`${R}/issues/7/comments`).query({ per_page: "100" }).reply(200, []);
  const { io } = testIo();
  expect(await evaluateAndReport(io, open("release/2026"), parseConfig(undefined))).toEqual({ kind: "ungoverned", comment: "absent" });
});

it("reported: the check is written first with its verdict; comments off", async () => {
  let check: Record<string, unknown> = {};
  nock(API)
    .get(`${R}/commits/${HEAD}/check-runs`)
    .query({ filter: "latest", per_page: "100" })
    .reply(200, { total_count: 0, check_runs: [] })
    .post(`${R}/check-runs`, (b: Record<string, unknown>) => ((check = b), true))
    .reply(201, { id: 1 });
  const { io } = testIo();
  const result = await evaluateAndReport(io, open("development"), parseConfig({ comment: { enabled: false } }));
  expect(result).toEqual({ kind: "reported", verdict: "success", check: "created", comment: "off" });
  expect(check).toMatchObject({ name: "branch-steward / development", head_sha: HEAD, conclusion: "success" });
});

it("a config loader is called only when the run starts, once", async () => {
  nock(API).get(`${R}/issues/7/comments`).query({ per_page: "100" }).reply(200, []);
  const { io } = testIo();
  let loads = 0;
  const config = async () => (loads++, parseConfig(undefined));
  await evaluateAndReport(io, open("release/2026"), config);
  expect(loads).toBe(1);
});

it("a queued run shared by a later arrival evaluates with the newest arrival's config", async () => {
  // The PR targets release/2026: governed under the older config, not under the newer one, so
  // the result says which config the shared run used.
  nock(API).get(`${R}/issues/7/comments`).query({ per_page: "100" }).reply(200, []);
  const lock = new KeyedLock();
  const { io } = testIo();
  const locked = { ...io, lock };
  let releaseHolder!: () => void;
  const holder = lock.run("acme/forecast#7:check", () => new Promise<void>((resolve) => (releaseHolder = resolve)));
  const loads: string[] = [];
  const older = async () => (loads.push("older"), parseConfig({ governed: ["release/*"] }));
  const newer = async () => (loads.push("newer"), parseConfig(undefined));
  const first = evaluateAndReport(locked, open("release/2026"), older);
  const second = evaluateAndReport(locked, open("release/2026"), newer);
  await new Promise((resolve) => setImmediate(resolve)); // the holder's work has started
  releaseHolder();
  await holder;
  expect(await first).toEqual({ kind: "ungoverned", comment: "absent" });
  expect(await second).toEqual(await first);
  expect(loads).toEqual(["newer"]);
});
