import { KeyedDebounce } from "../../src/infra/debounce.js";

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe("KeyedDebounce", () => {
  it("a burst runs once, and requests during the run share exactly one more run", async () => {
    const d = new KeyedDebounce(0);
    const gate = deferred();
    let runs = 0;
    const work = async () => {
      runs++;
      if (runs === 1) await gate.promise;
      return runs;
    };
    const burst = [d.run("r", work), d.run("r", work), d.run("r", work)];
    await new Promise((r) => setTimeout(r, 5)); // the first run has started
    const during = [d.run("r", work), d.run("r", work)];
    gate.resolve();
    expect(await Promise.all(burst)).toEqual([1, 1, 1]);
    expect(await Promise.all(during)).toEqual([2, 2]);
    expect(runs).toBe(2);
  });

  it("keys are independent, and a failed run does not poison the next", async () => {
    const d = new KeyedDebounce(0);
    await expect(d.run("a", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(d.run("a", async () => "ok")).resolves.toBe("ok");
    const [a, b] = await Promise.all([d.run("a", async () => "a"), d.run("b", async () => "b")]);
    expect([a, b]).toEqual(["a", "b"]);
  });
});
