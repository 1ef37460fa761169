/**
 * The first verdicts of a repository the app was just installed on (or added to): every open
 * governed PR is evaluated at once, through the same path as a config change (one config read,
 * one PR after another, writes only where the result changed, Probot's throttled Octokit).
 */
import type { ConfigResult } from "../config/parse.js";
import { openPulls } from "../github/pulls.js";
import { isGoverned } from "../policy/flow.js";
import { reportPulls, type ReportResult } from "./evaluate-and-report.js";
import type { WorkflowIo } from "./io.js";

export interface FirstVerdicts {
  /** Open PRs into a governed branch, each evaluated and reported. */
  readonly evaluated: number;
  /** Checks created or rewritten (0 when a redelivery finds everything current). */
  readonly written: number;
  /** Open PRs into branches the config does not govern: no check, no comment. */
  readonly ungoverned: number;
}

export async function reportOpenPulls(io: WorkflowIo, config: () => Promise<ConfigResult>, why: string): Promise<FirstVerdicts> {
  const open = await openPulls(io.octokit, io.repo);
  if (open.dropped) io.log.warn({ dropped: open.dropped }, "ignored: malformed pull requests from the API");
  const loaded = await config();
  const governed = open.filter((pr) => pr.open && isGoverned(pr.route.target, loaded.config));
  const results: ReportResult[] = governed.length ? await reportPulls(io, governed, loaded, { why }) : [];
  const written = results.filter((r) => r.kind === "reported" && (r.check === "created" || r.check === "updated")).length;
  return { evaluated: results.length, written, ungoverned: open.length - governed.length };
}
