/**
 * branch-steward's GitHub twin: a stateful, GitHub-shaped REST API on 127.0.0.1 that
 * emits signed webhooks for every state change. See tools/twin/README.md.
 */
import { publicKeyFromPrivate, TokenStore } from "./auth.js";
import { createClock, type Clock } from "./clock.js";
import type { Core } from "./core.js";
import { changeRepositories, install, suspend, uninstall } from "./installation.js";
import { FaultInjector, type FaultKind, type FaultOptions } from "./faults.js";
import { compileRoutes } from "./http.js";
import { createRepoHandle, RepoHandle, type CreateRepoInput } from "./repo-handle.js";
import { routes } from "./routes/index.js";
import { ApiServer, type Latency, type RequestLogEntry } from "./server.js";
import { World, type Account, type AppRef } from "./state.js";
import { WebhookDispatcher, type DeliveryRecord, type WebhookKnobs } from "./webhooks.js";

export { createClock, type Clock } from "./clock.js";
export type { FaultKind, FaultOptions } from "./faults.js";
export type { CheckApp, CheckRunView, CommentView, CreateRepoInput, PullView } from "./repo-handle.js";
export { RepoHandle } from "./repo-handle.js";
export { routeTable } from "./routes/index.js";
export { orgRulesetsOf, refPatternMatches, rulesetStateOf, type RepoRulesetState, type TwinRuleset } from "./rulesets.js";
export type { Latency, RequestLogEntry } from "./server.js";
export { signPayload, type DeliveryRecord, type WebhookKnobs } from "./webhooks.js";

export interface TwinOptions {
  appId: number;
  /** PEM private key of the app; JWTs are verified with the derived public key. */
  privateKey: string;
  webhookSecret: string;
  /** Where webhooks go; deliveries wait in the queue until set (`setWebhookUrl`). */
  webhookUrl?: string | null;
  appSlug?: string;
  appName?: string;
  /** Login of the account owning the app (default "branch-steward-dev"). */
  appOwner?: string;
  installationId?: number;
  /** Port to listen on (default 0: random). */
  port?: number;
  latencyMs?: Latency;
  faults?: FaultOptions | null;
  webhooks?: WebhookKnobs;
  clock?: Clock;
  /** Diagnostics sink (unhandled routes, failed deliveries, internal errors). Default: console.warn. */
  log?: (message: string) => void;
  /** Base for html_url fields (default https://github.com). */
  htmlBaseUrl?: string;
  /** Requests per token bucket before 403 rate-limit errors (default 5000). */
  rateLimit?: number;
  /** After each PR change, this many GET /pulls/{n} reads report mergeable: null (default 0). */
  mergeableNullReads?: number;
}

export interface InstallationControl {
  /** `installation.created` with these repositories (`owner/name`), by `sender` (default: the owner of the first). */
  install(fullNames: readonly string[], sender?: string): void;
  /** `installation_repositories.added`. */
  addRepositories(fullNames: readonly string[], sender?: string): void;
  /** `installation_repositories.removed`. */
  removeRepositories(fullNames: readonly string[], sender?: string): void;
  /** `installation.deleted`: the installation is gone (not listed, no tokens). */
  uninstall(sender?: string): void;
  /** `installation.suspend` / `installation.unsuspend`. */
  suspend(suspended?: boolean, sender?: string): void;
}

export interface IdleOptions {
  /** Give up after this long (default 10000 ms). */
  timeoutMs?: number;
  /** Quiet period without any activity required before resolving (default 30 ms). */
  quietMs?: number;
}

export interface Twin {
  /** API base URL, e.g. http://127.0.0.1:54321 */
  readonly url: string;
  readonly clock: Clock;
  readonly app: AppRef;
  readonly installationId: number;
  /** Every API request, in completion order. */
  readonly requests: readonly RequestLogEntry[];
  /** Every webhook delivery attempt. */
  readonly deliveries: readonly DeliveryRecord[];
  /** `METHOD /path` of requests no route matched. */
  readonly unhandled: readonly string[];
  createRepo(input: CreateRepoInput): RepoHandle;
  /** The installation's life, with GitHub's webhooks (create repositories with `installed: false` first to install them later). */
  readonly installation: InstallationControl;
  /** Handle for an existing repository (`owner/name`). */
  repo(fullName: string): RepoHandle;
  setWebhookUrl(url: string | null): void;
  /** The base URL answers name (Link headers, `*_url` fields), e.g. a GHES proxy's `http://host/api/v3`; default the twin's own. */
  setApiBaseUrl(url: string): void;
  /** Offline: deliveries fail (status_code 0) instead of reaching the app. */
  setOnline(online: boolean): void;
  dropNext(count: number): void;
  setWebhookKnobs(knobs: WebhookKnobs): void;
  setFaults(faults: FaultOptions | null): void;
  /** Fail the next `count` API requests (whose `METHOD /template` matches `match`) with `kind`. */
  failNext(kind: FaultKind, count?: number, match?: (route: string) => boolean): void;
  setLatency(latency: Latency): void;
  /** Invalidate all installation tokens issued so far (clients must fetch new ones). */
  expireTokens(): void;
  /**
   * Resolves when no delivery is queued or in flight, no API request is in flight, no watched app
   * has work pending, and nothing happened for `quietMs`.
   */
  idle(options?: IdleOptions): Promise<void>;
  /**
   * Makes `idle()` wait for an app's own work too: `pending` answers how many jobs it has accepted
   * (a delivery answered 2xx) and not finished. Real GitHub has no such hook; the twin's idle is a test aid.
   */
  watch(pending: () => number | Promise<number>): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startTwin(options: TwinOptions): Promise<Twin> {
  const log = options.log ?? ((message: string) => console.warn(message));
  const clock = options.clock ?? createClock();
  const world = new World();
  const slug = options.appSlug ?? "branch-steward";
  const installationId = options.installationId ?? 1;
  const app: AppRef = {
    id: options.appId,
    slug,
    name: options.appName ?? slug,
    owner: world.account(options.appOwner ?? "branch-steward-dev", "Organization"),
  };
  const webhooks = new WebhookDispatcher({
    secret: options.webhookSecret,
    appId: options.appId,
    hookId: options.appId * 10,
    installationId,
    clock,
    url: options.webhookUrl ?? null,
    knobs: options.webhooks ?? {},
    log,
  });
  const core: Core = {
    world,
    clock,
    urls: { api: "", html: options.htmlBaseUrl ?? "https://github.com" },
    app,
    bot: world.account(`${slug}[bot]`, "Bot"),
    installationId,
    installation: { deleted: false, suspendedAt: null },
    options: { mergeableNullReads: options.mergeableNullReads ?? 0 },
    emit: (event, payload) => webhooks.enqueue(event, payload),
  };
  const faults = new FaultInjector();
  faults.configure(options.faults ?? null);
  const tokens = new TokenStore();
  let latency: Latency = options.latencyMs ?? 0;
  const server = new ApiServer({
    core,
    routes: compileRoutes([...routes]),
    tokens,
    webhooks,
    faults,
    publicKey: publicKeyFromPrivate(options.privateKey),
    latency: () => latency,
    rateLimit: options.rateLimit ?? 5000,
    log,
  });
  const url = await server.listen(options.port ?? 0);
  core.urls.api = url;

  /** Who clicked: a user (an organisation's login stands for its admin `<org>-admin`). */
  const senderOf = (login: string | undefined): Account => {
    const name = login ?? "octocat";
    const existing = world.accounts.get(name.toLowerCase());
    return existing && existing.type === "User" ? existing : world.account(existing?.type === "Organization" ? `${name}-admin` : name, "User");
  };
  const busy = () => webhooks.busy || server.inflight > 0;
  const watched: (() => number | Promise<number>)[] = [];
  const appPending = async () => {
    let n = 0;
    for (const pending of watched) n += await pending();
    return n;
  };
  const activity = () => webhooks.activity + server.activity;

  return {
    url,
    clock,
    app,
    installationId,
    requests: server.requests,
    deliveries: webhooks.deliveries,
    unhandled: server.unhandled,
    createRepo: (input) => createRepoHandle(core, input),
    installation: {
      install: (fullNames, sender) => install(core, fullNames, senderOf(sender ?? fullNames[0]?.split("/")[0])),
      addRepositories: (fullNames, sender) => changeRepositories(core, { add: fullNames }, senderOf(sender ?? fullNames[0]?.split("/")[0])),
      removeRepositories: (fullNames, sender) => changeRepositories(core, { remove: fullNames }, senderOf(sender ?? fullNames[0]?.split("/")[0])),
      uninstall: (sender) => uninstall(core, senderOf(sender)),
      suspend: (suspended = true, sender) => suspend(core, suspended, senderOf(sender)),
    },
    repo(fullName) {
      const [owner, name] = fullName.split("/");
      const state = world.repo(owner ?? "", name ?? "");
      if (!state) throw new Error(`twin: no repository ${fullName}`);
      return new RepoHandle(core, state);
    },
    setWebhookUrl: (next) => webhooks.setUrl(next),
    setApiBaseUrl(next) {
      core.urls.api = next.replace(/\/+$/, "");
    },
    setOnline: (online) => webhooks.setOnline(online),
    dropNext: (count) => webhooks.dropNext(count),
    setWebhookKnobs: (knobs) => webhooks.setKnobs(knobs),
    setFaults: (next) => faults.configure(next),
    failNext: (kind, count = 1, match) => faults.failNext(kind, count, match),
    setLatency(next) {
      latency = next;
    },
    expireTokens: () => tokens.expireAll(),
    async idle({ timeoutMs = 10000, quietMs = 30 } = {}) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (webhooks.busy && !webhooks.hasUrl) break;
        if (busy() || (await appPending()) > 0) {
          await sleep(5);
          continue;
        }
        const mark = activity();
        await sleep(quietMs);
        if (!busy() && mark === activity() && (await appPending()) === 0) return;
      }
      throw new Error(`${notIdleMessage(timeoutMs, webhooks, server.inflight)}; app jobs pending: ${await appPending().catch(() => "?")}`);
    },
    watch(pending) {
      watched.push(pending);
    },
    async close() {
      await webhooks.stop();
      await server.close();
    },
  };
}

function notIdleMessage(timeoutMs: number, webhooks: WebhookDispatcher, inflight: number): string {
  const pending = webhooks.describePending();
  const shown = pending.slice(0, 20).join(", ") + (pending.length > 20 ? `, … and ${pending.length - 20} more` : "");
  const reason = webhooks.hasUrl ? `not quiescent after ${timeoutMs} ms` : "deliveries are queued but no webhook URL is set (call setWebhookUrl)";
  return `twin.idle: ${reason}; ${inflight} API request(s) in flight; pending deliveries: ${pending.length === 0 ? "none" : shown}`;
}
