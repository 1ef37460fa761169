import { startSink, twinWith } from "./helpers.js";

it("a closed twin sends no delivery it had queued: nothing outlives it and reaches another test's port", async () => {
  const sink = await startSink();
  const twin = await twinWith({ webhookUrl: sink.url, webhooks: { concurrency: 1 } });
  try {
    const repo = twin.createRepo({ owner: "acme", name: "forecast", defaultBranch: "production", collaborators: { alice: "write" }, files: { "README.md": "x\n" } });
    for (let i = 0; i < 20; i++) repo.createBranch(`feature/f${i}`, "production", "alice"); // 20 `create` (and push) deliveries queued
    await twin.close();
    const atClose = sink.received.length;
    expect(atClose).toBeLessThan(20); // most were still queued
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.received.length).toBe(atClose);
  } finally {
    await sink.close();
  }
});
