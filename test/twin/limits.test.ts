/**
 * The twin refuses texts over GitHub's limits with GitHub's 422 answers, and accepts texts exactly
 * at the limit. Characters are code points (as GitHub counts them), so an emoji is one character.
 */
import type { Octokit } from "@octokit/rest";
import type { RepoHandle, Twin } from "../../tools/twin/index.js";
import { errorOf, installationOctokit, twinWith } from "./helpers.js";

let twin: Twin;
let repo: RepoHandle;
let octokit: Octokit;
const owner = "acme";
const name = "forecast";
const where = { owner, repo: name };

beforeAll(async () => {
  twin = await twinWith();
  repo = twin.createRepo({ owner, name, defaultBranch: "production", files: { "model.py": "v1\n" }, collaborators: { alice: "write" } });
  octokit = installationOctokit(twin);
});

afterAll(async () => {
  await twin.close();
});

const validationFailed = (resource: string, field: string, message: string) => ({
  message: "Validation Failed",
  errors: [{ resource, code: "custom", field, message }],
  documentation_url: expect.any(String),
  status: "422",
});
const tooLong = (resource: string, field: string, max: number) => validationFailed(resource, field, `${field} is too long (maximum is ${max} characters)`);

/** 3 UTF-8 bytes, 1 UTF-16 code unit, 1 character. */
const EURO = "€";
/** 4 UTF-8 bytes, 2 UTF-16 code units, 1 character. */
const EMOJI = "😀";

describe("check runs", () => {
  const head = () => repo.branchHead("production") as string;
  const create = (output: { title: string; summary: string; text?: string }) => octokit.rest.checks.create({ ...where, name: "limits", head_sha: head(), output });

  it("accept a summary and text of exactly 65,535 characters and bytes, and a 255-character title", async () => {
    const run = await create({ title: "t".repeat(255), summary: "s".repeat(65_535), text: `${EURO.repeat(21_845)}` });
    expect(run.status).toBe(201);
    expect(run.data.output.summary).toHaveLength(65_535);
    const updated = await octokit.rest.checks.update({ ...where, check_run_id: run.data.id, output: { title: "t", summary: "x".repeat(65_535) } });
    expect(updated.status).toBe(200);
  });

  it("refuse more than 65,535 characters with GitHub's schema answer (create and update)", async () => {
    const created = await errorOf(create({ title: "t", summary: "s".repeat(65_536) }));
    expect(created).toEqual({ status: 422, data: { message: "Invalid request.\n\nOnly 65535 characters are allowed; 65536 were supplied.", documentation_url: expect.any(String), status: "422" } });
    const run = await create({ title: "t", summary: "ok" });
    const updated = await errorOf(octokit.rest.checks.update({ ...where, check_run_id: run.data.id, output: { title: "t", summary: "ok", text: "x".repeat(70_000) } }));
    expect(updated.data.message).toBe("Invalid request.\n\nOnly 65535 characters are allowed; 70000 were supplied.");
    expect(repo.checkRuns(head()).find((r) => r.id === run.data.id)?.output.text ?? null).toBeNull();
  });

  it("refuse more than 65,535 bytes even within the characters", async () => {
    const summary = EURO.repeat(21_846); // 21,846 characters, 65,538 bytes
    expect(await errorOf(create({ title: "t", summary }))).toEqual({ status: 422, data: validationFailed("CheckRun", "summary", "summary exceeds a maximum bytesize of 65535") });
    const run = await create({ title: "t", summary: "ok" });
    const text = EMOJI.repeat(16_384); // 16,384 characters, 65,536 bytes
    const updated = await errorOf(octokit.rest.checks.update({ ...where, check_run_id: run.data.id, output: { title: "t", summary: "ok", text } }));
    expect(updated).toEqual({ status: 422, data: validationFailed("CheckRun", "text", "text exceeds a maximum bytesize of 65535") });
  });

  it("refuse a title over 255 characters", async () => {
    expect(await errorOf(create({ title: "t".repeat(256), summary: "s" }))).toEqual({ status: 422, data: tooLong("CheckRun", "title", 255) });
  });
});

describe("comments", () => {
  it("accept 65,536 characters, counted as GitHub counts them, and refuse one more (create and edit)", async () => {
    const issue = (await octokit.rest.issues.create({ ...where, title: "comments" })).data.number;
    const exact = await octokit.rest.issues.createComment({ ...where, issue_number: issue, body: EMOJI.repeat(65_536) }); // 131,072 UTF-16 units
    expect(exact.status).toBe(201);
    const over = await errorOf(octokit.rest.issues.createComment({ ...where, issue_number: issue, body: "c".repeat(65_537) }));
    expect(over).toEqual({ status: 422, data: tooLong("IssueComment", "body", 65_536) });
    const edit = await errorOf(octokit.rest.issues.updateComment({ ...where, comment_id: exact.data.id, body: "c".repeat(65_537) }));
    expect(edit).toEqual({ status: 422, data: tooLong("IssueComment", "body", 65_536) });
    expect(repo.comments(issue).map((c) => c.body.length)).toEqual([131_072]);
  });
});

describe("pull requests", () => {
  let n = 0;
  const branch = () => {
    const ref = `feat/limits-${++n}`;
    repo.commit(ref, { message: ref, files: { [`${ref}.txt`]: "x\n" }, author: "alice", from: "production" });
    return ref;
  };

  it("accept a 256-character title and a 65,536-character body", async () => {
    const pr = await octokit.rest.pulls.create({ ...where, head: branch(), base: "production", title: "t".repeat(256), body: "b".repeat(65_536) });
    expect(pr.status).toBe(201);
    const updated = await octokit.rest.pulls.update({ ...where, pull_number: pr.data.number, title: EMOJI.repeat(256), body: "c".repeat(65_536) });
    expect(updated.data.title).toBe(EMOJI.repeat(256));
  });

  it("refuse a longer title or body on create and update, naming the Issue resource as GitHub does", async () => {
    const head = branch();
    expect(await errorOf(octokit.rest.pulls.create({ ...where, head, base: "production", title: "t".repeat(257) }))).toEqual({ status: 422, data: tooLong("Issue", "title", 256) });
    expect(await errorOf(octokit.rest.pulls.create({ ...where, head, base: "production", title: "t", body: "b".repeat(65_537) }))).toEqual({
      status: 422,
      data: tooLong("Issue", "body", 65_536),
    });
    const pr = await octokit.rest.pulls.create({ ...where, head, base: "production", title: "short" });
    expect(await errorOf(octokit.rest.pulls.update({ ...where, pull_number: pr.data.number, title: "t".repeat(257) }))).toEqual({ status: 422, data: tooLong("Issue", "title", 256) });
    expect(await errorOf(octokit.rest.pulls.update({ ...where, pull_number: pr.data.number, body: "b".repeat(65_537) }))).toEqual({ status: 422, data: tooLong("Issue", "body", 65_536) });
    expect(repo.pr(pr.data.number)).toMatchObject({ title: "short", body: null });
  });
});

describe("issues", () => {
  it("accept a 256-character title and a 65,536-character body, refuse longer ones (create and update)", async () => {
    const issue = await octokit.rest.issues.create({ ...where, title: "t".repeat(256), body: "b".repeat(65_536) });
    expect(issue.status).toBe(201);
    expect(await errorOf(octokit.rest.issues.create({ ...where, title: "t".repeat(257) }))).toEqual({ status: 422, data: tooLong("Issue", "title", 256) });
    expect(await errorOf(octokit.rest.issues.create({ ...where, title: "t", body: "b".repeat(65_537) }))).toEqual({ status: 422, data: tooLong("Issue", "body", 65_536) });
    expect(await errorOf(octokit.rest.issues.update({ ...where, issue_number: issue.data.number, title: "t".repeat(257) }))).toEqual({ status: 422, data: tooLong("Issue", "title", 256) });
    expect(await errorOf(octokit.rest.issues.update({ ...where, issue_number: issue.data.number, body: "b".repeat(65_537) }))).toEqual({ status: 422, data: tooLong("Issue", "body", 65_536) });
  });
});

describe("releases", () => {
  it("accept a 125,000-character body and refuse one more (create and update)", async () => {
    const release = await octokit.rest.repos.createRelease({ ...where, tag_name: "v1.0.0", target_commitish: "production", body: "r".repeat(125_000) });
    expect(release.status).toBe(201);
    expect(await errorOf(octokit.rest.repos.createRelease({ ...where, tag_name: "v1.0.1", target_commitish: "production", body: "r".repeat(125_001) }))).toEqual({
      status: 422,
      data: tooLong("Release", "body", 125_000),
    });
    expect(repo.tags().map((t) => t.name)).not.toContain("v1.0.1");
    expect(await errorOf(octokit.rest.repos.updateRelease({ ...where, release_id: release.data.id, body: "r".repeat(125_001) }))).toEqual({
      status: 422,
      data: tooLong("Release", "body", 125_000),
    });
    expect(repo.releases()[0]?.body).toHaveLength(125_000);
  });
});

describe("labels", () => {
  it("accept a 50-character name and refuse a longer one, adding none of the request's labels", async () => {
    const issue = (await octokit.rest.issues.create({ ...where, title: "labels" })).data.number;
    await octokit.rest.issues.addLabels({ ...where, issue_number: issue, labels: ["l".repeat(50)] });
    const over = await errorOf(octokit.rest.issues.addLabels({ ...where, issue_number: issue, labels: ["fine", "l".repeat(51)] }));
    expect(over).toEqual({ status: 422, data: tooLong("Label", "name", 50) });
    expect(repo.labels(issue)).toEqual(["l".repeat(50)]);
    expect(await errorOf(octokit.rest.issues.create({ ...where, title: "x", labels: ["l".repeat(51)] }))).toEqual({ status: 422, data: tooLong("Label", "name", 50) });
  });
});
