/** Merged production PRs in the window that carry no backport label get their backport now. */
import { Courtesy } from "../github/courtesy.js";
import { recentlyClosedInto } from "../github/pulls.js";
import { backport } from "../workflows/backport.js";
import { planBackportRepairs } from "./plan.js";
import { fail, isolated, type Reconciler } from "./reconciler.js";

export const backports: Reconciler = {
  name: "backports",
  failure: "backports",
  async run({ io, config, options }, summary) {
    if (!config.ok) {
      io.log.info({ result: { kind: "config-invalid" } }, "sweep: backports skipped");
      return;
    }
    const closed = await isolated(summary, "backports", io.log, { phase: "list merged pull requests" }, () => recentlyClosedInto(io.octokit, io.repo, config.config.branches.production));
    if (closed?.dropped) io.log.warn({ dropped: closed.dropped }, "ignored: malformed pull requests from the API");
    const merged = (closed ?? []).filter((pr) => pr.merged);
    const now = io.now();
    const missing = planBackportRepairs(merged, config.config, now, options.windowMs);
    summary.backports.missing += missing.length;
    for (const pr of merged.filter((p) => missing.includes(p.number)).sort((a, b) => missing.indexOf(a.number) - missing.indexOf(b.number))) {
      const courtesy = new Courtesy(io.log);
      const result = await isolated(summary, "backports", io.log, { pr: pr.number }, () => backport(io, pr, config, { requested: false, courtesy }));
      if (courtesy.failed) fail(summary, "comments", courtesy.failed);
      if (result !== undefined) io.log.info({ pr: pr.number, result }, "sweep: backport");
      if (result !== undefined && result.kind !== "skipped") {
        summary.backports.fixed++;
        continue;
      }
      summary.backports.unresolved++;
      const age = (now.getTime() - Date.parse(pr.mergedAt ?? now.toISOString())) / 1000;
      summary.backports.oldestUnresolvedSeconds = Math.max(summary.backports.oldestUnresolvedSeconds, age);
    }
  },
};
