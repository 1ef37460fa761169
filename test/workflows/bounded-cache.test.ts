import { Bounded } from "../../src/workflows/coupling.js";

describe("Bounded: the coupling caches stay within their weight", () => {
  it("evicts the oldest entries once the total weight would pass the limit", () => {
    const cache = new Bounded<string[]>(10, (v) => v.length);
    cache.set("a", ["1", "2", "3", "4"]);
    cache.set("b", ["1", "2", "3", "4"]);
    expect(cache.weight).toBe(8);
    cache.set("c", ["1", "2", "3"]); // 11 > 10: "a" goes
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")).toHaveLength(4);
    expect(cache.get("c")).toHaveLength(3);
    expect(cache.weight).toBe(7);
  });

  it("replacing a key does not count it twice, and one entry heavier than the limit is kept alone", () => {
    const cache = new Bounded<string[]>(10, (v) => v.length);
    cache.set("a", ["1", "2"]);
    cache.set("a", ["1", "2", "3"]);
    expect(cache.weight).toBe(3);
    cache.set("huge", Array.from({ length: 50 }, String));
    expect(cache.get("a")).toBeUndefined();
    expect(cache.weight).toBe(50);
  });
});
