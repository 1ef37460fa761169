/** The in-process lock behind the work lock: one run per key at a time, in order. */
describe("KeyedLock", () => {
  it("runs work under one key one at a time, in order, other keys concurrently, and survives failures", async () => {
    const { KeyedLock } = await import("../../src/infra/keyed-lock.js");
    const lock = new KeyedLock();
    const events: string[] = [];
    const job = (key: string, name: string, ms: number, fail = false) =>
      lock.run(key, async () => {
        events.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        events.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([job("a", "a1", 20, true), job("a", "a2", 1), job("b", "b1", 5)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
    expect(events.indexOf("end a1")).toBeLessThan(events.indexOf("start a2"));
    expect(events.indexOf("end b1")).toBeLessThan(events.indexOf("end a1"));
    expect(lock.size).toBe(0);
  });
});
