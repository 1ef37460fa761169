/** A WorkflowIo against nock: a plain octokit (no retries, no throttle), a captured log, a fixed clock. */
import nock from "nock";
import { pino } from "pino";
import { ProbotOctokit } from "probot";
import type { PullRequestFacts } from "../../src/model/pull-request.js";
import type { WorkflowIo } from "../../src/workflows/io.js";
import { API, APP_ID, BOT_LOGIN } from "../support/probot.js";
import type { LogLine } from "../support/probot.js";

export const R = "/repos/acme/forecast";
export { API };
export const HEAD = "e".repeat(40);
export const MERGE = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

export function testIo(): { io: WorkflowIo; logs: LogLine[] } {
  const logs: LogLine[] = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const octokit = new ProbotOctokit({ auth: { token: "t" }, retry: { enabled: false }, throttle: { enabled: false } });
  const io: WorkflowIo = {
    octokit: octokit as never,
    repo: { owner: "acme", repo: "forecast" },
    me: { id: APP_ID, slug: "branch-steward", botLogin: BOT_LOGIN },
    log,
    repoHtmlUrl: "https://github.com/acme/forecast",
    now: () => new Date("2026-11-26T12:00:00Z"),
  };
  return { io, logs };
}

export function pull(o: Partial<PullRequestFacts> & { source: string; target: string }): PullRequestFacts {
  const { source, target, ...rest } = o;
  return {
    number: 12,
    title: "Fix drift threshold",
    body: "",
    htmlUrl: "https://github.com/acme/forecast/pull/12",
    open: false,
    merged: true,
    mergedAt: "2026-11-26T09:00:00Z",
    mergedBy: "carol",
    mergeCommitSha: MERGE,
    author: "alice",
    headSha: HEAD,
    labels: [],
    route: { baseRepo: "acme/forecast", headRepo: "acme/forecast", source, target },
    ...rest,
  };
}

/** Every test ends with every mock used and nothing else requested. */
export function strictNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterAll(() => nock.enableNetConnect());
  afterEach(() => {
    const unused = nock.pendingMocks();
    nock.cleanAll();
    expect(unused).toEqual([]);
  });
}
