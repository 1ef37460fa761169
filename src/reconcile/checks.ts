/**
 * Every open governed PR is evaluated again: a missed event, a config change or a validation result
 * that never reached us all converge here. Writes happen only where the result changed; one PR
 * failing (a 422, a 500) never stops the others. An invalid config still runs: the check shows it.
 */
import { openPulls } from "../github/pulls.js";
import { isGoverned } from "../policy/flow.js";
import { evaluateAndReport } from "../workflows/evaluate-and-report.js";
import { fail, isolated, type Reconciler } from "./reconciler.js";

export const checks: Reconciler = {
  name: "checks",
  failure: "pulls",
  async run({ io, config, options }, summary) {
    const open = await isolated(summary, "pulls", io.log, { phase: "list open pull requests" }, () => openPulls(io.octokit, io.repo));
    if (open?.dropped) io.log.warn({ dropped: open.dropped }, "ignored: malformed pull requests from the API");
    const governed = (open ?? []).filter((pr) => isGoverned(pr.route.target, config.config));
    if (governed.length > options.maxPullsPerRepo) {
      summary.checks.deferred += governed.length - options.maxPullsPerRepo;
      io.log.warn({ governed: governed.length, max: options.maxPullsPerRepo }, "sweep: more open governed PRs than one sweep evaluates; the rest wait for their next event or a later sweep");
    }
    for (const pr of governed.slice(0, options.maxPullsPerRepo)) {
      const result = await isolated(summary, "pulls", io.log, { pr: pr.number }, () => evaluateAndReport(io, pr, config));
      if (!result) continue;
      summary.checks.evaluated++;
      if (result.kind === "reported" && (result.check === "created" || result.check === "updated")) summary.checks.rewritten++;
      if (result.comment === "failed") fail(summary, "comments"); // the check stands; the next sweep retries the comment
    }
  },
};
