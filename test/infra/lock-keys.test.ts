/** Lock keys: one per PR and feature, one per repository for releases, whatever the case of the names. */
import { lockKey } from "../../src/infra/lock-keys.js";

const repo = { owner: "Acme", repo: "Forecast" };

it("builds the check, backport and release keys, lower-cased", () => {
  expect(lockKey({ kind: "check", repo, pr: 7 })).toBe("acme/forecast#7:check");
  expect(lockKey({ kind: "backport", repo, pr: 12 })).toBe("acme/forecast#12:backport");
  expect(lockKey({ kind: "release", repo })).toBe("release:acme/forecast");
  expect(lockKey({ kind: "refusal", repo, pr: 7, login: "Mallory" })).toBe("acme/forecast#7:refused:mallory");
  expect(lockKey({ kind: "merge-group", repo, sha: "ABC123" })).toBe("acme/forecast@abc123:merge-group");
});

it("gives different subjects different keys, and the same repository in any case the same key", () => {
  const keys = [lockKey({ kind: "check", repo, pr: 7 }), lockKey({ kind: "backport", repo, pr: 7 }), lockKey({ kind: "check", repo, pr: 8 }), lockKey({ kind: "release", repo }), lockKey({ kind: "merge-group", repo, sha: "7" })];
  expect(new Set(keys).size).toBe(keys.length);
  expect(lockKey({ kind: "check", repo: { owner: "acme", repo: "forecast" }, pr: 7 })).toBe(keys[0]);
});
