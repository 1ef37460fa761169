import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { createEtagStore, LruEtagCache, PACK_FROM_BYTES, redisKeyOf, stringBytes, type EtagEntry } from "../../src/infra/etag-cache.js";
import { freePort } from "../../tools/sandbox/stack.js";
import { redisAvailable, startRedis, type TestRedis } from "../support/redis.js";

const entry = (etag: string, payload = "{}"): EtagEntry => ({ etag: `W/"${etag}"`, payload });
const silent = { warn: () => undefined };

describe("the in-process LRU", () => {
  it("keeps at most maxEntries, evicting the least recently used", () => {
    const lru = new LruEtagCache(2, 1_000_000);
    lru.set("a", entry("1"));
    lru.set("b", entry("2"));
    expect(lru.get("a")?.etag).toBe('W/"1"'); // a is now the most recently used
    lru.set("c", entry("3"));
    expect(lru.get("b")).toBeUndefined();
    expect(lru.get("a")?.etag).toBe('W/"1"');
    expect(lru.get("c")?.etag).toBe('W/"3"');
    expect(lru.size).toBe(2);
  });

  it("keeps at most maxBytes (keys, ETags and payloads, as V8 holds them), and never stores an entry larger than that", () => {
    const lru = new LruEtagCache(100, 100);
    lru.set("k1", entry("e", "x".repeat(40))); // 2 + 5 + 40 = 47 bytes
    lru.set("k2", entry("e", "€".repeat(20))); // 2 + 5 + 2 × 20 = 47 bytes
    expect(lru.bytes).toBe(94);
    lru.set("k3", entry("e", "y".repeat(40)));
    expect(lru.get("k1")).toBeUndefined();
    expect(lru.bytes).toBe(94);
    lru.set("huge", entry("e", "z".repeat(200)));
    expect(lru.get("huge")).toBeUndefined();
    expect(lru.bytes).toBe(94);
  });

  it("counts a string as V8 holds it: a byte a character in Latin-1, two for every character once one is beyond U+00FF", () => {
    expect(stringBytes("")).toBe(0);
    expect(stringBytes("x".repeat(40))).toBe(40);
    expect(stringBytes("é".repeat(20))).toBe(20); // Latin-1: one byte each (UTF-8 would say 40)
    // One emoji makes the whole string two-byte: UTF-8 would count 1,004 bytes, V8 holds 2,004.
    const body = `${"a".repeat(1_000)}🚀`;
    expect(Buffer.byteLength(body)).toBe(1_004);
    expect(stringBytes(body)).toBe(2_004);
    const lru = new LruEtagCache(100, 3_000);
    lru.set("k", entry("e", body));
    lru.set("l", entry("e", body));
    expect(lru.get("k")).toBeUndefined(); // 2 × (1 + 5 + 2,004) > 3,000: the older one went
    expect(lru.bytes).toBe(1 + 5 + 2_004);
  });

  it("replacing an entry does not count it twice", () => {
    const lru = new LruEtagCache(10, 1000);
    lru.set("k", entry("1", "abc"));
    lru.set("k", entry("2", "abcdef"));
    expect(lru.size).toBe(1);
    expect(lru.bytes).toBe(1 + 5 + 6);
    expect(lru.get("k")?.etag).toBe('W/"2"');
  });

  it("stays within both bounds whatever is stored (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 80 }), fc.boolean())), (ops) => {
        const lru = new LruEtagCache(5, 200);
        const model = new Map<string, string>();
        for (const [key, payload, read] of ops) {
          if (read) {
            const got = lru.get(key);
            // What the cache answers is what was last stored under that key, or nothing.
            if (got) expect(got.payload).toBe(model.get(key));
          } else {
            lru.set(key, entry("e", payload));
            model.set(key, payload);
          }
          expect(lru.size).toBeLessThanOrEqual(5);
          expect(lru.bytes).toBeLessThanOrEqual(200);
        }
      }),
    );
  });
});

describe("the store without Redis", () => {
  it("refuses entries over maxEntryBytes, and drops the key's older entry", async () => {
    const store = await createEtagStore({ log: silent, maxEntryBytes: 50 });
    await store.set("k", entry("1", "small"));
    expect((await store.get("k"))?.etag).toBe('W/"1"');
    await store.set("k", entry("2", "x".repeat(100)));
    expect(await store.get("k")).toBeUndefined();
  });

  it("degrades to this process when Redis cannot be reached, without failing a call", async () => {
    const warnings: unknown[] = [];
    const port = await freePort(); // nothing listens there
    const store = await createEtagStore({ log: { warn: (o: unknown) => void warnings.push(o) }, redisUrl: `redis://127.0.0.1:${port}`, redisTimeoutMs: 100 });
    try {
      await store.set("k", entry("1"));
      expect((await store.get("k"))?.etag).toBe('W/"1"');
      expect(await store.get("other")).toBeUndefined();
      expect(await store.get("another")).toBeUndefined();
      expect(warnings).toHaveLength(1); // one warning, then Redis is left alone for a while: no tax on every call
    } finally {
      await store.close();
    }
  });
});

(redisAvailable() ? describe : describe.skip)("with a real Redis", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it("shares entries between two processes' stores, with a TTL, under a bounded key", async () => {
    const prefix = `etag-test:${Date.now()}:`;
    const a = await createEtagStore({ log: silent, redisUrl: redis.url, prefix, ttlSeconds: 120 });
    const b = await createEtagStore({ log: silent, redisUrl: redis.url, prefix });
    const { Redis } = await import("ioredis");
    const raw = new Redis(redis.url);
    try {
      const key = `installation:7\nGET https://api.github.com/repos/acme/forecast/pulls?state=open&per_page=100\napplication/vnd.github.v3+json`;
      await a.set(key, entry("shared", '{"data":[1]}'));
      expect(await b.get(key)).toEqual(entry("shared", '{"data":[1]}'));
      const stored = redisKeyOf(prefix, key);
      expect(stored).toMatch(new RegExp(`^${prefix}[0-9a-f]{64}$`));
      const ttl = await raw.ttl(stored);
      expect(ttl).toBeGreaterThan(100);
      expect(ttl).toBeLessThanOrEqual(120);
      // Another installation's key is another entry.
      expect(await b.get(key.replace("installation:7", "installation:8"))).toBeUndefined();
    } finally {
      raw.disconnect();
      await a.close();
      await b.close();
    }
  });

  it("ignores a Redis value stored under another key (a hash collision or a foreign writer)", async () => {
    const prefix = `etag-test2:${Date.now()}:`;
    const store = await createEtagStore({ log: silent, redisUrl: redis.url, prefix });
    const { Redis } = await import("ioredis");
    const raw = new Redis(redis.url);
    try {
      await raw.set(redisKeyOf(prefix, "mine"), JSON.stringify({ key: "someone else's", etag: 'W/"x"', payload: "{}" }));
      await raw.set(redisKeyOf(prefix, "garbage"), "not json");
      expect(await store.get("mine")).toBeUndefined();
      expect(await store.get("garbage")).toBeUndefined();
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  const ownRedis = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
  (ownRedis ? it : it.skip)("keeps answering from this process when Redis goes away", async () => {
    const own = await startOwnRedis();
    const store = await createEtagStore({ log: silent, redisUrl: own.url, redisTimeoutMs: 100 });
    try {
      await store.set("k", entry("1"));
      await own.stop();
      await store.set("k2", entry("2"));
      expect((await store.get("k"))?.etag).toBe('W/"1"');
      expect((await store.get("k2"))?.etag).toBe('W/"2"');
      expect(await store.get("never")).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});

/** A Redis of this test's own (REDIS_URL, when set, is shared and must not be stopped). */
async function startOwnRedis(): Promise<TestRedis> {
  if (!process.env.REDIS_URL) return startRedis();
  const saved = process.env.REDIS_URL;
  delete process.env.REDIS_URL;
  try {
    return await startRedis();
  } finally {
    process.env.REDIS_URL = saved;
  }
}

describe("large answers are held deflated", () => {
  it("gives back exactly what was stored, and counts the deflated size against the byte bound", () => {
    const body = JSON.stringify(Array.from({ length: 300 }, (_, i) => ({ id: i, name: "branch-steward / development", conclusion: "success", note: "é€🚀" })));
    expect(body.length).toBeGreaterThan(PACK_FROM_BYTES);
    const lru = new LruEtagCache(10, 1_000_000);
    lru.set("k", entry("e", body));
    expect(lru.get("k")?.payload).toBe(body);
    expect(lru.bytes).toBeLessThan(stringBytes(body) / 5); // GitHub's repetitive JSON shrinks many times
    expect(lru.bytes).toBeGreaterThan(1 + 5);
  });

  it("so a byte bound that would hold one such answer as text holds many", () => {
    const body = (i: number) => JSON.stringify(Array.from({ length: 200 }, (_, j) => ({ pr: i, check: j, status: "completed" })));
    const lru = new LruEtagCache(1_000, stringBytes(body(0)) * 2);
    for (let i = 0; i < 20; i++) lru.set(`k${i}`, entry(String(i), body(i)));
    expect(lru.size).toBe(20);
    for (let i = 0; i < 20; i++) expect(lru.get(`k${i}`)?.payload).toBe(body(i));
  });
});
