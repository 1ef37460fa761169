/**
 * Verdicts first, courtesy last. Probot spaces writes one at a time, ≥ 1 s apart (comments and
 * other notifying writes ≥ 3 s), first come first served, in one queue per `throttle.id`.
 * Probot 14 sets that id only on `probot.auth(installationId)` clients; the clients handlers get
 * (`context.octokit`) have none, so every webhook handler of a process shares one queue
 * ("no-id"), whatever the installation. Thirty courtesy writes queued there (replies,
 * reactions, labels) hold every check run behind them back by a minute and more.
 *
 * The courtesy gate sits in front of each such queue, in this process:
 * - a courtesy write (any write made inside `courtesy(…)`, except a check-run write) waits for
 *   its turn in a line of one: it starts once the previous courtesy write has settled and no
 *   other write of the queue is pending;
 * - every other write (check runs always, and any write not marked courtesy) goes straight on.
 * So at most one courtesy write sits in Probot's queue, and a verdict waits behind it at most.
 * A courtesy write also leaves `graceMs` after the last write ahead settles, for the next one
 * of the same handler. Each wait is bounded by `maxHoldMs` (a stuck request or an endless
 * stream of other writes delays courtesy writes, never stops them). Reads are never held.
 *
 * Install it on the Octokit class Probot builds its clients from (`withCourtesyGate`). Without
 * it, or with the write throttle off (no queue to jump), `courtesy(…)` changes nothing. Replicas
 * each gate their own writes, as each has its own queue unless Probot's throttle runs on Redis.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Octokit } from "@octokit/core";

/** Default bound of each wait: a few of Probot's write slots. */
export const DEFAULT_MAX_HOLD_MS = 10_000;
/** After the last write going ahead settles, courtesy writes still wait this long for another. */
export const DEFAULT_GRACE_MS = 250;

const courtesyScope = new AsyncLocalStorage<true>();

/**
 * Runs `work` with every GitHub write it makes marked as courtesy (check-run writes stay
 * verdicts, whatever the scope). The one call to route a comment, reaction, label, assignee
 * or reviewer write last: `await courtesy(() => octokit.rest.issues.addLabels(…))`.
 */
export function courtesy<T>(work: () => Promise<T>): Promise<T> {
  return courtesyScope.run(true, work);
}

/** Whether the caller is inside `courtesy(…)`. */
export const inCourtesy = (): boolean => courtesyScope.getStore() === true;

const CHECK_RUN_WRITE = /^\/repos\/[^/]+\/[^/]+\/check-runs(?:\/[^/]+)?$/;

/** Creating (`POST …/check-runs`) or updating (`PATCH …/check-runs/{id}`) a check run. */
export function isVerdictWrite(method: string, url: string): boolean {
  if (method !== "POST" && method !== "PATCH") return false;
  return CHECK_RUN_WRITE.test(new URL(url, "http://github.test").pathname);
}

const isWrite = (method: string): boolean => method !== "GET" && method !== "HEAD";

const sleep = (ms: number): Promise<void> => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms).unref()) : Promise.resolve());

/** Resolves when `promise` settles or `ms` have passed, whichever comes first. */
function settledOrAfter(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}

/** The gate of one write queue. */
export class CourtesyLane {
  #ahead = 0;
  /** Resolves when the writes going ahead reach zero; exists while some are pending. */
  #clear: { promise: Promise<void>; resolve: () => void } | undefined;
  /** Resolves when the last courtesy write in line has released its turn. */
  #line: Promise<void> = Promise.resolve();

  constructor(
    readonly maxHoldMs: number = DEFAULT_MAX_HOLD_MS,
    readonly graceMs: number = DEFAULT_GRACE_MS,
  ) {}

  /** Writes going ahead that are pending (waiting in Probot's queue or in flight). */
  get aheadPending(): number {
    return this.#ahead;
  }

  /** A write that goes ahead (a verdict, or any write not marked courtesy): sent at once; courtesy writes wait for it. */
  async ahead<T>(send: () => Promise<T>): Promise<T> {
    if (this.#ahead++ === 0) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#clear = { promise, resolve };
    }
    try {
      return await send();
    } finally {
      if (--this.#ahead === 0) {
        this.#clear?.resolve();
        this.#clear = undefined;
      }
    }
  }

  /** A courtesy write: after the previous one has settled and no write going ahead is pending (each wait ≤ maxHoldMs). */
  async courtesy<T>(send: () => Promise<T>): Promise<T> {
    const previous = this.#line;
    let release!: () => void;
    this.#line = new Promise<void>((r) => (release = r));
    await previous; // never rejects
    const deadline = Date.now() + this.maxHoldMs;
    while (this.#clear && Date.now() < deadline) {
      await settledOrAfter(this.#clear.promise, deadline - Date.now());
      // A handler often writes again right after a read (the status comment, then the check):
      // leave it a moment to, so that its next write finds no courtesy write ahead of it.
      await sleep(Math.min(this.graceMs, deadline - Date.now()));
    }
    const sending = Promise.resolve().then(send);
    // The next in line goes when this write settles, or after maxHoldMs if it hangs.
    void settledOrAfter(sending, this.maxHoldMs).then(release);
    return sending;
  }
}

export interface CourtesyGateOptions {
  readonly maxHoldMs?: number;
  readonly graceMs?: number;
}

interface ThrottleOptions {
  readonly enabled?: boolean;
  /** Probot sets it to the installation id on `probot.auth(id)` clients only. */
  readonly id?: string;
}

/**
 * The Octokit plugin. Clients share a lane exactly when they share Probot's write queue: the
 * lane is keyed as @octokit/plugin-throttling keys it, by `throttle.id` (default "no-id").
 */
export function courtesyGate(options: CourtesyGateOptions = {}) {
  const lanes = new Map<string, CourtesyLane>();
  return (octokit: Octokit, octokitOptions: Record<string, unknown>): void => {
    const throttle = octokitOptions.throttle as ThrottleOptions | undefined;
    if (throttle?.enabled === false) return; // no write queue to jump
    const id = throttle?.id ?? "no-id";
    const lane = lanes.get(id) ?? new CourtesyLane(options.maxHoldMs, options.graceMs);
    lanes.set(id, lane);
    octokit.hook.wrap("request", (request, requestOptions) => {
      const method = String(requestOptions.method);
      const url = String(requestOptions.url);
      if (!isWrite(method)) return request(requestOptions);
      if (inCourtesy() && !isVerdictWrite(method, url)) return lane.courtesy(async () => request(requestOptions));
      return lane.ahead(async () => request(requestOptions));
    });
  };
}

/** `base` with the courtesy gate; keeps the class's statics (`defaults`, `plugin`). */
export function withCourtesyGate<T extends { plugin: (...plugins: never[]) => unknown }>(base: T, options: CourtesyGateOptions = {}): T {
  return (base.plugin as (p: ReturnType<typeof courtesyGate>) => T)(courtesyGate(options));
}
