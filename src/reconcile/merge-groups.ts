/**
 * Merge queue groups whose `branch-steward / <base>` check is missing (a lost `merge_group`
 * delivery) or still in progress (a lost check event): evaluated again, so a queue never waits
 * for us until its timeout. Groups are found through the queue's read-only branches.
 */
import { ourRun } from "../github/checks.js";
import { listCheckRuns } from "../github/gate-facts.js";
import { queuedGroups } from "../github/merge-queue.js";
import { checkName } from "../policy/evaluation.js";
import { isGoverned } from "../policy/flow.js";
import { reportMergeGroup } from "../workflows/merge-group.js";
import { isolated, type Reconciler } from "./reconciler.js";

export const mergeGroups: Reconciler = {
  name: "merge-groups",
  failure: "pulls",
  async run({ io, config }, summary) {
    const groups = (await queuedGroups(io.octokit, io.repo)).filter((g) => isGoverned(g.base, config.config));
    for (const group of groups) {
      await isolated(summary, "pulls", io.log, { mergeGroup: group.headSha, base: group.base, pr: group.pr }, async () => {
        const name = checkName(group.base);
        const ours = ourRun(await listCheckRuns(io.octokit, { ...io.repo, sha: group.headSha }), name, io.me.id);
        if (ours?.status === "completed") return;
        const result = await reportMergeGroup(io, group, config);
        summary.checks.evaluated++;
        if (result.kind === "reported" && result.check !== "unchanged") summary.checks.rewritten++;
        io.log.info({ sha: group.headSha, base: group.base, ...result }, "sweep: evaluated merge group");
      });
    }
  },
};
