/** What a failed GitHub request means: only Octokit's RequestError has a status. */
import { RequestError } from "@octokit/request-error";
import nock from "nock";
import { errorText, httpStatus, isAlreadyExists, isRateLimited, isWorkflowsRefusal } from "../../src/github/errors.js";
import { API, octokit, R, REPO, useNock } from "./nock.js";

useNock();

const request = { method: "GET" as const, url: `${API}${R}`, headers: {} };
const failed = (status: number, data: unknown = {}, headers: Record<string, string> = {}) =>
  new RequestError(`HTTP ${status}`, status, { request, response: { status, url: request.url, headers, data } });

describe("httpStatus", () => {
  it("is the status of a RequestError, and undefined for anything else, even an object with a status", () => {
    expect(httpStatus(failed(404))).toBe(404);
    expect(httpStatus({ status: 404 })).toBeUndefined();
    expect(httpStatus(Object.assign(new Error("boom"), { status: 500 }))).toBeUndefined();
    expect(httpStatus(new Error("network down"))).toBeUndefined();
    expect(httpStatus(undefined)).toBeUndefined();
  });

  it("reads the status of what Octokit throws (one RequestError class for the app and Octokit)", async () => {
    nock(API).get(`${R}/git/ref/tags%2Fv9`).reply(404, { message: "Not Found" });
    const error = await octokit().rest.git.getRef({ ...REPO, ref: "tags/v9" }).catch((e: unknown) => e);
    expect(httpStatus(error)).toBe(404);
  });
});

describe("errorText", () => {
  it("joins the message and GitHub's answer; anything else is its string", () => {
    expect(errorText(failed(422, { message: "Validation Failed", errors: [{ code: "already_exists" }] }))).toBe('HTTP 422 {"message":"Validation Failed","errors":[{"code":"already_exists"}]}');
    expect(errorText("plain")).toBe("plain");
    expect(errorText(new Error("boom")).trim()).toBe("boom");
  });
});

describe("isRateLimited", () => {
  it("is a 403 or 429 with a rate-limit sign, never a plain 403 (a missing permission)", () => {
    expect(isRateLimited(failed(403, { message: "Resource not accessible by integration" }))).toBe(false);
    expect(isRateLimited(failed(403, {}, { "x-ratelimit-remaining": "0" }))).toBe(true);
    expect(isRateLimited(failed(403, { message: "You have exceeded a secondary rate limit" }))).toBe(true);
    expect(isRateLimited(failed(429, {}, { "retry-after": "60" }))).toBe(true);
    expect(isRateLimited(failed(500, {}, { "retry-after": "60" }))).toBe(false);
    expect(isRateLimited({ status: 403, response: { headers: { "x-ratelimit-remaining": "0" } } })).toBe(false);
  });
});

describe("isAlreadyExists", () => {
  it("is GitHub's 422 for a taken name, in its message or its error code", () => {
    expect(isAlreadyExists(failed(422, { message: "Reference already exists" }))).toBe(true);
    expect(isAlreadyExists(failed(422, { message: "Validation Failed", errors: [{ resource: "Release", code: "already_exists", field: "tag_name" }] }))).toBe(true);
    expect(isAlreadyExists(failed(422, { message: "A pull request already exists for acme:backport/12" }))).toBe(true);
    expect(isAlreadyExists(failed(422, { message: "Validation Failed", errors: [{ code: "custom", message: "body is too long" }] }))).toBe(false);
    expect(isAlreadyExists(failed(409, { message: "Reference already exists" }))).toBe(false);
    expect(isAlreadyExists({ status: 422, message: "Reference already exists" })).toBe(false);
  });
});

describe("isWorkflowsRefusal", () => {
  it("recognises GitHub's refusal of a workflow change by an app (or a token without the scope), in the message or the body", () => {
    const app = "refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission";
    const token = "refusing to allow a Personal Access Token to create or update workflow `.github/workflows/x.yml` without `workflow` scope";
    expect(isWorkflowsRefusal(failed(422, { message: app }))).toBe(true);
    expect(isWorkflowsRefusal(new RequestError(app, 403, { request, response: { status: 403, url: request.url, headers: {}, data: {} } }))).toBe(true);
    expect(isWorkflowsRefusal(failed(422, { message: token }))).toBe(true);
    expect(isWorkflowsRefusal(failed(422, { message: "Reference already exists" }))).toBe(false);
    expect(isWorkflowsRefusal(failed(403, { message: "Resource not accessible by integration" }))).toBe(false);
  });
});
