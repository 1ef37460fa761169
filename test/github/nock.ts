/**
 * What the adapter tests share: a real Octokit against nock, no network, and no mock left unused
 * after a test. A request nobody mocked fails, so the mocks of a test are exactly its requests.
 */
import nock from "nock";
import { ProbotOctokit } from "probot";
import type { Octokit } from "../../src/github/types.js";

export const API = "https://api.github.com";
export const REPO = { owner: "acme", repo: "forecast" };
export const R = `/repos/${REPO.owner}/${REPO.repo}`;

export function useNock(): void {
  beforeAll(() => {
    nock.disableNetConnect();
    // As test/support/nock.ts: background work an earlier test file of this worker left behind
    // (a retry against its closed twin) may call loopback; let it fail on its own, not here.
    nock.enableNetConnect((host) => host.startsWith("127.0.0.1") || host.startsWith("localhost"));
  });
  afterAll(() => nock.enableNetConnect());
  afterEach(() => {
    const unused = nock.pendingMocks();
    nock.cleanAll();
    expect(unused).toEqual([]);
  });
}

export function octokit(): Octokit {
  return new ProbotOctokit({ auth: { token: "t" }, retry: { enabled: false }, throttle: { enabled: false } }) as unknown as Octokit;
}
