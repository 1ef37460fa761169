/** The courtesy gate: verdicts and other writes go first, courtesy writes one at a time and last, every wait bounded. */
import { Octokit } from "@octokit/rest";
import { courtesy, CourtesyLane, courtesyGate, isVerdictWrite } from "../../src/github/courtesy-gate.js";

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
/** Lets every pending callback run (several turns: the gate chains a few promises). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe("CourtesyLane", () => {
  it("holds a courtesy write while a verdict write is pending, and sends it once the verdict settles", async () => {
    const lane = new CourtesyLane(60_000, 0);
    const verdict = deferred<string>();
    const sent: string[] = [];
    const v = lane.ahead(() => verdict.promise);
    const c = lane.courtesy(async () => (sent.push("courtesy"), "ok"));
    await settle();
    expect(sent).toEqual([]);
    expect(lane.aheadPending).toBe(1);
    verdict.resolve("check");
    await expect(v).resolves.toBe("check");
    await expect(c).resolves.toBe("ok");
    expect(sent).toEqual(["courtesy"]);
    expect(lane.aheadPending).toBe(0);
  });

  it("sends courtesy writes one at a time, in order, and never holds a verdict behind them", async () => {
    const lane = new CourtesyLane(60_000, 0);
    const first = deferred();
    const sent: string[] = [];
    const c1 = lane.courtesy(async () => (sent.push("c1"), first.promise));
    const c2 = lane.courtesy(async () => void sent.push("c2"));
    const v = lane.ahead(async () => void sent.push("verdict"));
    await settle();
    expect([...sent].sort()).toEqual(["c1", "verdict"]);
    first.resolve();
    await Promise.all([c1, c2, v]);
    expect(sent.at(-1)).toBe("c2");
  });

  it("after the last write ahead settles, leaves graceMs for the same handler's next write", async () => {
    const lane = new CourtesyLane(60_000, 1000);
    const sent: string[] = [];
    const status = deferred();
    const commented = lane.ahead(() => status.promise);
    const reacted = lane.courtesy(async () => void sent.push("reaction"));
    status.resolve();
    await commented;
    await new Promise((resolve) => setImmediate(resolve)); // the handler reads something
    // …then writes its check: within the grace, so it goes first.
    const check = deferred();
    const checked = lane.ahead(async () => (sent.push("check"), check.promise));
    await settle();
    expect(sent).toEqual(["check"]);
    check.resolve();
    await Promise.all([checked, reacted]);
    expect(sent).toEqual(["check", "reaction"]);
  });

  it("a failed write releases the line and the verdict count", async () => {
    const lane = new CourtesyLane(60_000, 0);
    await expect(lane.ahead(async () => Promise.reject(new Error("verdict 500")))).rejects.toThrow("verdict 500");
    await expect(lane.courtesy(async () => Promise.reject(new Error("comment 403")))).rejects.toThrow("comment 403");
    expect(lane.aheadPending).toBe(0);
    await expect(lane.courtesy(async () => "next")).resolves.toBe("next");
  });

  it("never freezes: a verdict that never settles, or a courtesy write that hangs, delays the line by maxHoldMs only", async () => {
    const lane = new CourtesyLane(5, 5);
    void lane.ahead(() => new Promise(() => {}));
    const hung = lane.courtesy(() => new Promise(() => {}));
    await expect(lane.courtesy(async () => "still sent")).resolves.toBe("still sent");
    void hung;
  });
});

describe("isVerdictWrite", () => {
  it("is creating or updating a check run, nothing else", () => {
    expect(isVerdictWrite("POST", "/repos/{owner}/{repo}/check-runs")).toBe(true);
    expect(isVerdictWrite("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}")).toBe(true);
    expect(isVerdictWrite("PATCH", "https://api.github.com/repos/acme/forecast/check-runs/7")).toBe(true);
    expect(isVerdictWrite("POST", "/repos/{owner}/{repo}/check-runs/{check_run_id}/rerequest")).toBe(false);
    expect(isVerdictWrite("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}")).toBe(false);
    expect(isVerdictWrite("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments")).toBe(false);
  });
});

describe("the Octokit plugin", () => {
  /** A client whose HTTP answers wait for `gates[route]` when one is set; `sent` records each request as it leaves. */
  const Gated = Octokit.plugin(courtesyGate({ maxHoldMs: 60_000 }));
  function client(throttle: { enabled?: boolean; id?: string }, gates: Record<string, Promise<void>>, sent: string[]) {
    const fetch = async (url: string, init: { method?: string }) => {
      const route = `${init.method ?? "GET"} ${new URL(url).pathname}`;
      sent.push(route);
      await gates[route];
      return new Response(JSON.stringify({ id: 1 }), { status: init.method === "POST" ? 201 : 200, headers: { "content-type": "application/json" } });
    };
    return new Gated({ auth: "ghs_test", throttle, request: { fetch } } as ConstructorParameters<typeof Octokit>[0]);
  }
  const repo = { owner: "acme", repo: "forecast" };
  const CHECK = "POST /repos/acme/forecast/check-runs";
  const REACTION = "POST /repos/acme/forecast/issues/comments/5/reactions";

  it("holds courtesy writes of the same write queue behind a pending check-run write; never reads or other writes", async () => {
    const check = deferred();
    const sent: string[] = [];
    const verdicts = client({ enabled: true, id: "31" }, { [CHECK]: check.promise }, sent);
    const other = client({ enabled: true, id: "31" }, {}, sent); // another client, same queue
    const elsewhere = client({ enabled: true, id: "32" }, {}, sent); // another queue

    const written = verdicts.rest.checks.create({ ...repo, name: "branch-steward / development", head_sha: "abc" });
    await settle();
    const reacted = courtesy(() => other.rest.reactions.createForIssueComment({ ...repo, comment_id: 5, content: "eyes" }));
    const read = courtesy(() => other.rest.pulls.get({ ...repo, pull_number: 7 }));
    const labelled = other.rest.issues.addLabels({ ...repo, issue_number: 7, labels: ["x"] });
    const theirs = courtesy(() => elsewhere.rest.issues.createComment({ ...repo, issue_number: 8, body: "hi" }));
    await Promise.all([read, labelled, theirs]);
    await settle();
    expect(sent).not.toContain(REACTION);

    check.resolve();
    await Promise.all([written, reacted]);
    expect(sent.indexOf(REACTION)).toBeGreaterThan(sent.indexOf(CHECK));
  });

  it("holds courtesy writes behind unmarked writes too, and keeps a check-run write ahead even inside courtesy(…)", async () => {
    const comment = deferred();
    const sent: string[] = [];
    const COMMENT = "POST /repos/acme/forecast/issues/7/comments";
    const octokit = client({ enabled: true, id: "34" }, { [COMMENT]: comment.promise }, sent);
    const statusComment = octokit.rest.issues.createComment({ ...repo, issue_number: 7, body: "status" });
    await settle();
    const reacted = courtesy(() => octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: 5, content: "eyes" }));
    const checked = courtesy(() => octokit.rest.checks.create({ ...repo, name: "branch-steward / development", head_sha: "abc" }));
    await checked;
    await settle();
    expect(sent).toEqual([COMMENT, CHECK]);
    comment.resolve();
    await Promise.all([statusComment, reacted]);
    expect(sent).toEqual([COMMENT, CHECK, REACTION]);
  });

  it("gates Probot's event clients, which carry no throttle id, as plugin-throttling queues them: together", async () => {
    const check = deferred();
    const sent: string[] = [];
    const one = client({ enabled: true }, { [CHECK]: check.promise }, sent);
    const another = client({}, {}, sent);
    const written = one.rest.checks.create({ ...repo, name: "branch-steward / development", head_sha: "abc" });
    await settle();
    const reacted = courtesy(() => another.rest.reactions.createForIssueComment({ ...repo, comment_id: 5, content: "eyes" }));
    await settle();
    expect(sent).not.toContain(REACTION);
    check.resolve();
    await Promise.all([written, reacted]);
    expect(sent).toContain(REACTION);
  });

  it("is inert when the write throttle is off: there is no queue to jump", async () => {
    const check = deferred();
    const sent: string[] = [];
    const octokit = client({ enabled: false, id: "33" }, { [CHECK]: check.promise }, sent);
    const written = octokit.rest.checks.create({ ...repo, name: "branch-steward / development", head_sha: "abc" });
    await courtesy(() => octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: 5, content: "eyes" }));
    expect(sent).toContain(REACTION);
    check.resolve();
    await written;
  });
});
