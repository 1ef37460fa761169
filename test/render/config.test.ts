/** The one invalid-config text: the same problems and fix wherever it is shown, only the retry differs. */
import { configInvalidTitle, renderConfigInvalid } from "../../src/render/config.js";
import { renderBackportConfigInvalid, BACKPORT_MARKER } from "../../src/render/backport.js";

const issues = [
  { path: "flows[0].from", message: "unknown placeholder {x}" },
  { path: "", message: "@everyone <img src=x>" },
];

it("titles the check with the number of problems, singular or plural", () => {
  expect(configInvalidTitle(1)).toBe("configuration error: 1 problem in .github/branch-steward.yml");
  expect(renderConfigInvalid(issues, "check").title).toBe("configuration error: 2 problems in .github/branch-steward.yml");
});

it("names each key exactly, keeps messages inert, and says how to retry", () => {
  const { body } = renderConfigInvalid(issues, "redeliver");
  expect(body).toBe(
    "`.github/branch-steward.yml` is invalid: `flows[0].from`: unknown placeholder {x}; @&#8203;everyone \\<img src=x\\>. " +
      "Fix `.github/branch-steward.yml` on the default branch (or in the owner's `.github` repository it falls back to), then redeliver the `pull_request` closed webhook from the app's advanced settings.",
  );
  expect(renderConfigInvalid(issues, "backport-command").body).toMatch(/, then comment `\/backport` on this PR\.$/);
  expect(renderConfigInvalid(issues, "cli").body).toMatch(/, then run the command again\.$/);
});

it("lists 20 problems at most and counts the rest", () => {
  const many = Array.from({ length: 50 }, (_, i) => ({ path: `k${i}`, message: "unknown key" }));
  const { body } = renderConfigInvalid(many, "cli");
  expect(body).toContain("`k19`: unknown key; and 30 more (the branch-steward check of any governed PR lists them all).");
  expect(body).not.toContain("`k20`");
});

it("is the backport comment's text too, under the backport marker", () => {
  const comment = renderBackportConfigInvalid(issues);
  expect(comment.startsWith(`${BACKPORT_MARKER}\n⚠️ branch-steward did not attempt this backport: `)).toBe(true);
  expect(comment).toContain(renderConfigInvalid(issues, "backport-command").body);
});
