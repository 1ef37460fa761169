/** Seeded fault injection for API requests (never for actor methods). */

export type FaultKind = "500" | "502" | "403-secondary" | "timeout";

export interface FaultOptions {
  /** Probability (0..1) that a matching request fails. */
  rate: number;
  /** Kinds to pick from uniformly (default: all). */
  kinds?: FaultKind[];
  /** PRNG seed (default 1). */
  seed?: number;
  /** How long a `timeout` holds the request before destroying the socket (default 15000 ms). */
  timeoutMs?: number;
  /** Leave `POST /app/installations/{id}/access_tokens` alone (default true). */
  excludeTokenEndpoint?: boolean;
  /** Only fail requests whose `METHOD /template` this returns true for. */
  match?: (route: string) => boolean;
  /** `retry-after` seconds sent with secondary rate limits (default 1). */
  retryAfterSeconds?: number;
}

/** mulberry32: small, fast, seedable PRNG returning [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALL_KINDS: FaultKind[] = ["500", "502", "403-secondary", "timeout"];
const TOKEN_ROUTE = "POST /app/installations/{installation_id}/access_tokens";

export class FaultInjector {
  private options: FaultOptions | null = null;
  private random: () => number = mulberry32(1);
  private forced: Array<{ kind: FaultKind; match?: (route: string) => boolean }> = [];

  configure(options: FaultOptions | null): void {
    this.options = options;
    this.random = mulberry32(options?.seed ?? 1);
  }

  /** Fail the next `count` requests (matching `match`, if given) with `kind`. */
  failNext(kind: FaultKind, count = 1, match?: (route: string) => boolean): void {
    for (let i = 0; i < count; i++) this.forced.push({ kind, ...(match ? { match } : {}) });
  }

  get timeoutMs(): number {
    return this.options?.timeoutMs ?? 15000;
  }

  get retryAfterSeconds(): number {
    return this.options?.retryAfterSeconds ?? 1;
  }

  /** The fault to inject for `route` (`METHOD /template`), or null. */
  decide(route: string): FaultKind | null {
    const forcedIndex = this.forced.findIndex((f) => !f.match || f.match(route));
    if (forcedIndex >= 0) return (this.forced.splice(forcedIndex, 1)[0] as { kind: FaultKind }).kind;
    const options = this.options;
    if (!options || options.rate <= 0) return null;
    if (route === TOKEN_ROUTE && options.excludeTokenEndpoint !== false) return null;
    if (options.match && !options.match(route)) return null;
    if (this.random() >= options.rate) return null;
    const kinds = options.kinds && options.kinds.length > 0 ? options.kinds : ALL_KINDS;
    return kinds[Math.floor(this.random() * kinds.length)] as FaultKind;
  }
}
