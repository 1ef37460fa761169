/**
 * The few PR fields branch-steward decides on, validated from a webhook payload or an API
 * response. A payload without them is malformed: logged and ignored, never a crash.
 */
import type { PullRequestRoute } from "../model/pull-request.js";
import { z } from "zod";

const repo = z.object({ full_name: z.string().min(1) }).passthrough();

export const pullRequestShape = z
  .object({
    number: z.number().int().positive(),
    state: z.string(),
    html_url: z.string(),
    head: z.object({ ref: z.string().min(1), sha: z.string().min(7), repo: repo.nullable() }).passthrough(),
    base: z.object({ ref: z.string().min(1), sha: z.string().optional(), repo }).passthrough(),
  })
  .passthrough();

export interface PullRequestFacts {
  readonly number: number;
  readonly open: boolean;
  readonly htmlUrl: string;
  readonly headSha: string;
  readonly route: PullRequestRoute;
}

export function pullRequestFacts(raw: unknown): PullRequestFacts | { error: string } {
  const parsed = pullRequestShape.safeParse(raw);
  if (!parsed.success) {
    return { error: parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ") };
  }
  const pr = parsed.data;
  return {
    number: pr.number,
    open: pr.state === "open",
    htmlUrl: pr.html_url,
    headSha: pr.head.sha,
    route: {
      baseRepo: pr.base.repo.full_name,
      headRepo: pr.head.repo?.full_name ?? null,
      source: pr.head.ref,
      target: pr.base.ref,
    },
  };
}
