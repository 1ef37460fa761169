/** Label names the app adds must be names GitHub accepts (at most 50 characters). */
import { parseConfig } from "../../src/config/parse.js";

it("refuses a label name over 50 characters, naming the key, and accepts 50", () => {
  expect(parseConfig({ backport: { labels: { pending: "p".repeat(50) } } }).ok).toBe(true);
  const result = parseConfig({ backport: { labels: { pending: "p".repeat(51) } }, release: { labels: { revert: "r".repeat(51) } } });
  expect(result.ok).toBe(false);
  expect(!result.ok && result.issues).toEqual([
    { path: "backport.labels.pending", message: "GitHub limits label names to 50 characters" },
    { path: "release.labels.revert", message: "GitHub limits label names to 50 characters" },
  ]);
});
