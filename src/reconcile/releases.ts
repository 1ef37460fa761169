/**
 * Production merges of the window whose merge commit is not in the history of the highest
 * version tag get their release now. Costs one tag listing and one compare per production merge
 * in the window, under the same lock as the merge handler (a sweep and a webhook never release at once).
 *
 * Merges are released oldest first, because versions follow merge order: when one fails (an
 * error, not a refusal), the later ones wait for the next sweep, and the failure is counted.
 * Failed courtesy writes are counted too; the release itself stands.
 */
import { Courtesy } from "../github/courtesy.js";
import { compare } from "../github/compare.js";
import { recentlyClosedInto } from "../github/pulls.js";
import { listTags } from "../github/tags.js";
import { lockKey } from "../infra/lock-keys.js";
import type { PullRequestFacts } from "../model/pull-request.js";
import { releaseLocked } from "../workflows/release.js";
import { parseVersionTags } from "../policy/version.js";
import type { ReleaseRun } from "../workflows/release-steps.js";
import { fail, type Reconciler, type RepoSweep } from "./reconciler.js";

export const releases: Reconciler = {
  name: "releases",
  failure: "extra",
  async run(ctx, summary) {
    const { io, config } = ctx;
    if (!config.ok) {
      io.log.info({ result: { kind: "config-invalid" } }, "sweep: releases skipped");
      return;
    }
    if (!config.config.release.enabled) return;
    const work = () => reconcile(ctx);
    const result = await (io.lock ? io.lock.run(lockKey({ kind: "release", repo: io.repo }), work) : work());
    summary.extra.found += result.found;
    summary.extra.fixed += result.fixed;
    if (result.failed) fail(summary, "extra", result.failed);
  },
};

async function reconcile({ io, config, options }: RepoSweep): Promise<{ found: number; fixed: number; failed: number }> {
  const production = config.config.branches.production;
  const closed = await recentlyClosedInto(io.octokit, io.repo, production);
  if (closed.dropped) io.log.warn({ dropped: closed.dropped }, "ignored: malformed pull requests from the API");
  const since = io.now().getTime() - options.windowMs;
  const merged = closed
    .filter((pr) => pr.mergedAt && pr.mergeCommitSha && Date.parse(pr.mergedAt) >= since)
    .sort((a, b) => Date.parse(b.mergedAt as string) - Date.parse(a.mergedAt as string));
  if (merged.length === 0) return { found: 0, fixed: 0, failed: 0 };
  const run: ReleaseRun = { io: { ...io, lock: undefined }, config: config.config, courtesy: new Courtesy(io.log) };
  const missing = await unreleased(run, merged);
  let fixed = 0;
  let failed = 0;
  for (const pull of missing.reverse()) {
    try {
      const result = await releaseLocked({ run, pull, catchUp: true });
      io.log.info({ pr: pull.number, result }, "sweep: release");
      if (result.kind === "released" && !result.existing) fixed++;
    } catch (error) {
      failed++;
      io.log.error({ pr: pull.number, err: error }, "sweep: release failed; later merges wait for the next sweep, which retries it");
      break;
    }
  }
  return { found: missing.length, fixed, failed: failed + run.courtesy.failed };
}

/** Every merge in the window not in the highest tag's history (merges within one second have equal merged_at, so none is skipped). */
async function unreleased(run: ReleaseRun, merged: readonly PullRequestFacts[]): Promise<PullRequestFacts[]> {
  const { io } = run;
  const { tag_prefix: prefix, include_prereleases: includePrereleases } = run.config.release;
  const highest = parseVersionTags((await listTags(io.octokit, io.repo)).map((t) => t.name), { prefix, includePrereleases }).versions[0];
  const missing: PullRequestFacts[] = [];
  for (const p of merged) {
    const status = highest ? (await compare(io.octokit, io.repo, highest.tag, p.mergeCommitSha as string, { maxPages: 1 })).status : "ahead";
    if (status === "ahead" || status === "diverged") missing.push(p);
  }
  return missing;
}
