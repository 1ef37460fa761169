import { deliveryKey } from "../../src/handlers/jobs.js";

const repository = { name: "forecast", owner: { login: "Acme" } };

describe("deliveryKey: which deliveries the queue runs one after another", () => {
  it("keys a PR's events by the PR, a check or status by its commit, a push by its branch", () => {
    expect(deliveryKey("pull_request", { repository, number: 7 })).toBe("acme/forecast#7:check");
    expect(deliveryKey("issue_comment", { repository, issue: { number: 7 } })).toBe("acme/forecast#7:check");
    expect(deliveryKey("check_run", { repository, check_run: { head_sha: "ABC" } })).toBe("acme/forecast@abc");
    expect(deliveryKey("status", { repository, sha: "abc" })).toBe("acme/forecast@abc");
    expect(deliveryKey("push", { repository, ref: "refs/heads/development" })).toBe("acme/forecast:branch:refs/heads/development");
  });

  it("keys installation events, which name no repository, by their installation: two installations never wait on each other", () => {
    expect(deliveryKey("installation", { installation: { id: 1 } })).toBe("installation:1");
    expect(deliveryKey("installation_repositories", { installation: { id: 2 } })).toBe("installation:2");
    expect(deliveryKey("installation", { installation: { id: 1 } })).not.toBe(deliveryKey("installation", { installation: { id: 2 } }));
  });
});
