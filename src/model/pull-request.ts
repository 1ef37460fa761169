/**
 * A pull request as branch-steward knows it: one type and one parser for webhook payloads and API
 * answers alike. A payload without these fields is malformed: logged and ignored, never a crash.
 */
import { z } from "zod";

export interface PullRequestRoute {
  /** `owner/name` of the repository that holds the PR (the base repository). */
  readonly baseRepo: string;
  /** `owner/name` of the head branch's repository; null when the fork was deleted. */
  readonly headRepo: string | null;
  readonly source: string;
  readonly target: string;
}

export interface PullRequestFacts {
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly htmlUrl: string;
  readonly open: boolean;
  readonly merged: boolean;
  readonly mergedAt: string | null;
  readonly mergedBy: string | null;
  readonly mergeCommitSha: string | null;
  readonly author: string | null;
  readonly headSha: string;
  readonly labels: readonly string[];
  readonly route: PullRequestRoute;
  /** GitHub's `changed_files` (single PR reads and payloads; lists leave it out). */
  readonly changedFiles?: number | undefined;
}

const login = z.object({ login: z.string() }).passthrough().nullable().optional();
const repo = z.object({ full_name: z.string().min(1) }).passthrough();

export const pullRequestSchema = z
  .object({
    number: z.number().int().positive(),
    state: z.string(),
    html_url: z.string(),
    title: z.string().optional(),
    body: z.string().nullable().optional(),
    user: login,
    merged: z.boolean().nullable().optional(),
    merged_at: z.string().nullable().optional(),
    merged_by: login,
    merge_commit_sha: z.string().nullable().optional(),
    labels: z.array(z.object({ name: z.string().optional() }).passthrough()).optional(),
    changed_files: z.number().int().nonnegative().optional(),
    head: z.object({ ref: z.string().min(1), sha: z.string().min(7), repo: repo.nullable() }).passthrough(),
    base: z.object({ ref: z.string().min(1), repo }).passthrough(),
  })
  .passthrough()
  .transform(
    (p): PullRequestFacts => ({
      number: p.number,
      title: p.title ?? "",
      body: p.body ?? "",
      htmlUrl: p.html_url,
      open: p.state === "open",
      merged: p.merged === true || Boolean(p.merged_at),
      mergedAt: p.merged_at ?? null,
      mergedBy: p.merged_by?.login ?? null,
      mergeCommitSha: p.merge_commit_sha ?? null,
      author: p.user?.login ?? null,
      headSha: p.head.sha,
      labels: (p.labels ?? []).map((l) => l.name ?? "").filter(Boolean),
      route: { baseRepo: p.base.repo.full_name, headRepo: p.head.repo?.full_name ?? null, source: p.head.ref, target: p.base.ref },
      ...(p.changed_files === undefined ? {} : { changedFiles: p.changed_files }),
    }),
  );

export function parsePullRequest(raw: unknown): PullRequestFacts | { readonly error: string } {
  const r = pullRequestSchema.safeParse(raw);
  return r.success ? r.data : { error: r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ") };
}
