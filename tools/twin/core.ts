/**
 * The context every operation receives: state, clock, URLs, the app's identity and the
 * event sink. Operations are plain functions `(core, …) => result`.
 */
import type { Clock } from "./clock.js";
import { isoSeconds } from "./clock.js";
import type { Account, AppRef, World } from "./state.js";

export interface Urls {
  /** Base URL of the twin's REST API, e.g. http://127.0.0.1:54321 */
  api: string;
  /** Base URL used for html_url fields (not served by the twin). */
  html: string;
}

export interface CoreOptions {
  /** After each PR change, this many GET reads report `mergeable: null` (default 0). */
  mergeableNullReads: number;
}

export interface Core {
  world: World;
  clock: Clock;
  urls: Urls;
  /** The GitHub App under test. */
  app: AppRef;
  /** `<slug>[bot]`, the user the app acts as with an installation token. */
  bot: Account;
  installationId: number;
  /** The installation's life: uninstalled (no token, not listed) or suspended (listed, no token). */
  installation: { deleted: boolean; suspendedAt: string | null };
  options: CoreOptions;
  /** Queue a webhook for the app. `payload` is complete except for installation. */
  emit(event: string, payload: Record<string, unknown>): void;
}

export function now(core: Core): string {
  return isoSeconds(core.clock.now());
}
