/**
 * What a failed GitHub request means: its HTTP status, its text, and the two answers the app
 * treats specially (a rate limit, a name that already exists). Only Octokit's `RequestError`
 * carries a status: any other error (a bug, a network failure) has none.
 */
import { RequestError } from "@octokit/request-error";

/** The HTTP status of a failed GitHub request; undefined for anything that is not one. */
export function httpStatus(error: unknown): number | undefined {
  return error instanceof RequestError ? error.status : undefined;
}

/** The error's message and GitHub's answer body, for logs and for matching GitHub's wording. */
export function errorText(error: unknown): string {
  if (typeof error !== "object" || error === null) return String(error);
  const response = (error as { response?: { data?: unknown } }).response;
  const data = response?.data ? JSON.stringify(response.data) : "";
  return `${error instanceof Error ? error.message : ""} ${data}`;
}

/** A 403 or 429 that is a (secondary) rate limit, not a missing permission: retry later, do not blame permissions. */
export function isRateLimited(error: unknown): boolean {
  const status = httpStatus(error);
  if (status !== 403 && status !== 429) return false;
  const headers: Record<string, unknown> = (error as RequestError).response?.headers ?? {};
  return headers["retry-after"] !== undefined || String(headers["x-ratelimit-remaining"]) === "0" || /rate limit/i.test(errorText(error));
}

/** GitHub's 422 for a name that is taken: a ref, a pull request or a release that already exists. */
export function isAlreadyExists(error: unknown): boolean {
  return httpStatus(error) === 422 && /already.exists/i.test(errorText(error));
}

/**
 * GitHub's refusal to let an app without the `workflows` permission create or update a ref whose
 * commits change `.github/workflows/*`: "refusing to allow a GitHub App to create or update
 * workflow `.github/workflows/x.yml` without `workflows` permission" (any status; the REST API
 * and git pushes word it the same).
 */
export function isWorkflowsRefusal(error: unknown): boolean {
  return /refusing to allow an? .{0,40}to create or update workflow/i.test(errorText(error)) || /without [`'"]?workflows?[`'"]? (permission|scope)/i.test(errorText(error));
}
