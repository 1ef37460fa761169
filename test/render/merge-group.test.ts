/** render/merge-group.ts: the group check's words, fitted to GitHub's limits. */
import { parseConfig } from "../../src/config/parse.js";
import { evaluateMergeGroup, type GroupMember } from "../../src/policy/merge-group.js";
import type { ObservedCheck } from "../../src/policy/types.js";
import { utf8Bytes } from "../../src/render/limits.js";
import { renderMergeGroupCheck } from "../../src/render/merge-group.js";

const NOW = new Date("2026-11-26T12:00:00Z");
const route = (source: string) => ({ baseRepo: "acme/forecast", headRepo: "acme/forecast", source, target: "production" });
const green = { status: "completed", conclusion: "success" };
const member = (number: number, source: string, check: GroupMember["check"] = green): GroupMember => ({
  number,
  pr: { open: true, route: route(source), headSha: "a".repeat(40) },
  ...(check ? { check } : {}),
});
const render = (members: GroupMember[], raw: object = { validation: { sync: { required: ["inference-tests"] } } }, checks: ObservedCheck[] = []) =>
  renderMergeGroupCheck(evaluateMergeGroup({ base: "production", membership: { members, complete: true }, config: parseConfig(raw), groupChecks: checks, now: NOW }));

it("an allowed group names its PRs and says the sync's validation counted on the PR heads, and how to require it on the group", () => {
  const out = render([member(12, "development"), member(13, "hotfix/drift")]);
  expect(out.title).toBe("merge group allowed: #12, #13");
  expect(out.summary).toContain("**Allowed**");
  expect(out.summary).toContain("Merge queue group of 2 pull requests into `production`: #12, #13.");
  expect(out.summary).toContain("count on each PR's head (#12), not on this merge group commit");
  expect(out.summary).toContain("`validation.sync.merge_group: require`");
});

it("a PR the flow denies is the title, with the denial and the fix in its row", () => {
  const out = render([member(12, "development"), member(14, "feature/x")]);
  expect(out.title).toBe("#14: feature/x → production is not an allowed flow");
  expect(out.summary).toContain("**Blocked**");
  expect(out.summary).toMatch(/\| PR #14 \| ❌ fail \| No flow allows `feature\/x` → `production`/);
});

it("a PR whose own check is not green says so and what to do", () => {
  const out = render([member(12, "development", { status: "completed", conclusion: "failure" })]);
  expect(out.title).toBe("#12: its own check is not green");
  expect(out.summary).toContain("Its `branch-steward / production` check is failure on `aaaaaaa`.");
});

it("while a group check runs, the title says what it waits for", () => {
  const out = render([member(12, "development")], { validation: { sync: { required: ["inference-tests"], merge_group: "require" } } });
  expect(out.title).toBe("merge group: waiting for inference-tests");
  expect(out.summary).toContain("**Waiting**");
  expect(out.summary).toContain("Required check `inference-tests` on the group (sync)");
});

it("fits GitHub's limits with hostile names and a huge group: title ≤ 255 chars, summary ≤ 65,535 chars and bytes, no live mention", () => {
  const long = `feature/${"@everyone 🧨 <b>|".repeat(2_000)}`;
  const members = Array.from({ length: 1_500 }, (_, i) => member(i + 1, long));
  const out = render(members);
  expect(out.title.length).toBeLessThanOrEqual(255);
  expect(out.summary.length).toBeLessThanOrEqual(65_535);
  expect(utf8Bytes(out.summary)).toBeLessThanOrEqual(65_535);
  expect(out.summary).not.toMatch(/(^|[^&#;\w])@everyone/);
  expect(out.summary).not.toContain("<b>");
  expect(out.summary).toMatch(/more rows not shown/);
});

it("titles name the first PR the group cannot vouch for, and how many more rows fail", () => {
  const closed: GroupMember = { ...member(5, "development"), pr: { ...member(5, "development").pr!, open: false } };
  const other: GroupMember = { number: 6, pr: { open: true, route: { ...route("feature/x"), target: "development" }, headSha: "b".repeat(40) }, check: green };
  expect(render([{ number: 4 }]).title).toBe("#4 could not be read");
  expect(render([closed]).title).toBe("#5 is closed");
  expect(render([other]).title).toBe("#6 does not target production");
  expect(render([member(7, "development", { status: "in_progress", conclusion: null }), closed]).title).toBe("#7: its own check is not green (+1 more)");
});
