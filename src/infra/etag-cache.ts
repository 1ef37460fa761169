/**
 * The store behind conditional requests (src/github/conditional-requests.ts): for a request
 * key, the ETag GitHub sent and the response it came with, serialized. Always an LRU in this
 * process, bounded by entry count and total bytes; with REDIS_URL, also shared through Redis
 * (every entry with a TTL, entries over `maxEntryBytes` never stored). Redis is an
 * optimisation only: a slow, failing or absent Redis degrades to the in-process LRU and never
 * fails a request. A stale entry is harmless by construction: it is served only when GitHub
 * answers 304 to the very ETag stored with it.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { createHash } from "node:crypto";
import type { Logger } from "pino";

export interface EtagEntry {
  readonly etag: string;
  /** The response, serialized (JSON): every reader gets its own copy. */
  readonly payload: string;
}

export interface EtagStore {
  get(key: string): Promise<EtagEntry | undefined>;
  /** Stored here at once; the promise settles once Redis has it too (callers need not wait). */
  set(key: string, entry: EtagEntry): Promise<void>;
  close(): Promise<void>;
}

export interface EtagStoreOptions {
  /** Share entries through Redis (optional; the in-process LRU is always there). */
  readonly redisUrl?: string | undefined;
  /** In-process bound on entries (default 20,000). */
  readonly maxEntries?: number;
  /**
   * In-process bound on the memory of keys, ETags and payloads (default 16 MiB): as V8 holds a
   * string, one byte a character, two when any character is beyond U+00FF (see `stringBytes`);
   * payloads of PACK_FROM_BYTES or more count their deflated size.
   */
  readonly maxBytes?: number;
  /** An entry larger than this (counted the same way) is not stored at all, here or in Redis (default 1 MiB). */
  readonly maxEntryBytes?: number;
  /**
   * Lifetime of a Redis entry in seconds (default 3,600). GitHub's ETags are token-specific and
   * an installation token lives an hour: an older entry could no longer be revalidated anyway.
   */
  readonly ttlSeconds?: number;
  /** Longest wait for a Redis command before giving up on it (default 100 ms). */
  readonly redisTimeoutMs?: number;
  /** After a Redis failure or timeout, how long to use this process's cache alone (default 30 s). */
  readonly redisPauseMs?: number;
  readonly prefix?: string;
  readonly log: Pick<Logger, "warn">;
}

export const ETAG_CACHE_DEFAULTS = { maxEntries: 20_000, maxBytes: 16 * 2 ** 20, maxEntryBytes: 2 ** 20, ttlSeconds: 3_600, redisTimeoutMs: 100, redisPauseMs: 30_000 } as const;

/**
 * The memory V8 holds a string in: one byte a character while every character fits in Latin-1,
 * two bytes a character as soon as one does not. UTF-8 would count an ASCII response with one
 * emoji in a PR body as about half what it takes.
 */
export const stringBytes = (s: string): number => (/[\u0100-\uffff]/.test(s) ? 2 : 1) * s.length;

/**
 * Payloads from this size on are held deflated (node:zlib): GitHub's JSON shrinks 5–10×, so the
 * byte bound holds a whole sweep's working set (a PR's check runs, comments, …; about 2,000 answers
 * for 1,000 open PRs) instead of evicting it in a cycle. Smaller ones stay plain text.
 */
export const PACK_FROM_BYTES = 4_096;

/** An answer's size as text (the 1 MiB bound on one answer applies to this, packed or not). */
const sizeOf = (key: string, entry: EtagEntry): number => stringBytes(key) + stringBytes(entry.etag) + stringBytes(entry.payload);

interface Held {
  readonly etag: string;
  readonly text?: string;
  readonly packed?: Buffer;
  readonly bytes: number;
}

function hold(key: string, entry: EtagEntry): Held {
  const head = stringBytes(key) + stringBytes(entry.etag);
  if (entry.payload.length < PACK_FROM_BYTES) return { etag: entry.etag, text: entry.payload, bytes: head + stringBytes(entry.payload) };
  const packed = deflateRawSync(entry.payload);
  return { etag: entry.etag, packed, bytes: head + packed.byteLength };
}

const unhold = (held: Held): EtagEntry => ({ etag: held.etag, payload: held.text ?? inflateRawSync(held.packed ?? Buffer.alloc(0)).toString("utf8") });

/** Least recently used first out, bounded by entry count and total bytes. Synchronous. */
export class LruEtagCache {
  readonly #entries = new Map<string, Held>();
  #bytes = 0;

  constructor(
    readonly maxEntries: number = ETAG_CACHE_DEFAULTS.maxEntries,
    readonly maxBytes: number = ETAG_CACHE_DEFAULTS.maxBytes,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(key: string): EtagEntry | undefined {
    const found = this.#entries.get(key);
    if (!found) return undefined;
    this.#entries.delete(key); // most recently used goes last
    this.#entries.set(key, found);
    return unhold(found);
  }

  set(key: string, entry: EtagEntry): void {
    this.delete(key);
    if (this.maxEntries < 1 || stringBytes(key) + stringBytes(entry.etag) > this.maxBytes) return;
    const held = hold(key, entry);
    if (held.bytes > this.maxBytes) return;
    this.#entries.set(key, held);
    this.#bytes += held.bytes;
    for (const [oldest] of this.#entries) {
      if (this.#entries.size <= this.maxEntries && this.#bytes <= this.maxBytes) break;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const found = this.#entries.get(key);
    if (!found) return;
    this.#entries.delete(key);
    this.#bytes -= found.bytes;
  }
}

interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ex: "EX", seconds: number): Promise<unknown>;
  quit(): Promise<unknown>;
}

/** Redis keys are bounded: a hash of the request key (the key itself is kept in the value and checked). */
export const redisKeyOf = (prefix: string, key: string): string => `${prefix}${createHash("sha256").update(key).digest("hex")}`;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
    timer.unref();
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error instanceof Error ? error : new Error(String(error)))),
    );
  });
}

const isEntry = (v: unknown): v is { key: string; etag: string; payload: string } =>
  typeof v === "object" && v !== null && typeof (v as { key?: unknown }).key === "string" && typeof (v as { etag?: unknown }).etag === "string" && typeof (v as { payload?: unknown }).payload === "string";

/**
 * The ETag store: the in-process LRU, with Redis behind it when `redisUrl` is set. A read looks
 * here first, then in Redis (and keeps what it found); a write goes to both.
 */
export async function createEtagStore(options: EtagStoreOptions): Promise<EtagStore> {
  const o = { ...ETAG_CACHE_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<EtagStoreOptions>;
  const local = new LruEtagCache(o.maxEntries, o.maxBytes);
  const fits = (key: string, entry: EtagEntry) => sizeOf(key, entry) <= o.maxEntryBytes;
  if (!options.redisUrl) {
    return {
      get: async (key) => local.get(key),
      set: async (key, entry) => (fits(key, entry) ? local.set(key, entry) : local.delete(key)),
      close: async () => {},
    };
  }

  const { Redis } = await import("ioredis");
  const client = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true, commandTimeout: o.redisTimeoutMs });
  // A slow or failing Redis must not tax every request: after a failure it is left alone for a while.
  let resumeAt = 0;
  const degraded = (error: unknown): undefined => {
    // One warning per outage, not one per request.
    if (Date.now() >= resumeAt) options.log.warn({ err: error }, `redis unavailable for the ETag cache; using this process's cache only for ${o.redisPauseMs} ms`);
    resumeAt = Date.now() + o.redisPauseMs;
    return undefined;
  };
  client.on("error", degraded);
  await client.connect().catch(degraded);
  const redis = client as unknown as RedisLike;
  const prefix = options.prefix ?? "branch-steward:etag:";
  const usable = () => Date.now() >= resumeAt;

  return {
    async get(key) {
      const here = local.get(key);
      if (here || !usable()) return here;
      try {
        const raw = await withTimeout(redis.get(redisKeyOf(prefix, key)), o.redisTimeoutMs);
        const value: unknown = raw === null ? undefined : JSON.parse(raw);
        if (!isEntry(value) || value.key !== key) return undefined;
        const entry = { etag: value.etag, payload: value.payload };
        local.set(key, entry);
        return entry;
      } catch (error) {
        return degraded(error);
      }
    },
    async set(key, entry) {
      if (!fits(key, entry)) return local.delete(key);
      local.set(key, entry);
      if (!usable()) return;
      try {
        await withTimeout(redis.set(redisKeyOf(prefix, key), JSON.stringify({ key, ...entry }), "EX", o.ttlSeconds), o.redisTimeoutMs);
      } catch (error) {
        degraded(error);
      }
    },
    async close() {
      await redis.quit().catch(() => undefined);
    },
  };
}
