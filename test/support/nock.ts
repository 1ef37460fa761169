/**
 * The nock harness every handler test shares: no real network, a fresh Probot per test, and
 * after each test the assertion that no mock was left unused.
 */
import nock from "nock";
import type { Probot } from "probot";
import { createTestProbot, type LogLine } from "./probot.js";

export interface NockedProbot {
  /** The Probot of the running test, with the app loaded. */
  probot: Probot;
  /** Its log lines, parsed. */
  logs: LogLine[];
}

export function useNockedProbot(): NockedProbot {
  const current = {} as NockedProbot;
  beforeAll(() => {
    nock.disableNetConnect();
    // nock patches the whole worker process: let loopback through, so that background work a
    // previous test file left behind (a retry against its closed twin) fails on its own instead of
    // surfacing here as an unhandled nock error. Handler tests themselves never call loopback.
    nock.enableNetConnect((host) => host.startsWith("127.0.0.1") || host.startsWith("localhost"));
  });
  afterAll(() => nock.enableNetConnect());
  beforeEach(async () => {
    Object.assign(current, await createTestProbot());
  });
  afterEach(() => {
    const unused = nock.pendingMocks();
    nock.cleanAll();
    expect(unused).toEqual([]);
  });
  return current;
}
