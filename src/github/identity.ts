/**
 * Who we are on GitHub: the app's id and slug, read once per process with the app's JWT.
 * The id filters our own check runs; the bot login identifies our own comments.
 */
import type { Probot } from "probot";

export interface AppIdentity {
  readonly id: number;
  readonly slug: string;
  readonly botLogin: string;
  /** The webhook events the app is registered for (`GET /app`), when read. */
  readonly events?: readonly string[];
}

export type IdentityProvider = () => Promise<AppIdentity>;

export function appIdentity(app: Probot): IdentityProvider {
  let pending: Promise<AppIdentity> | undefined;
  return () => {
    pending ??= (async () => {
      const octokit = await app.auth();
      const { data } = await octokit.rest.apps.getAuthenticated();
      if (!data) throw new Error("GET /app returned no app");
      return { id: data.id, slug: data.slug ?? String(data.id), botLogin: `${data.slug ?? data.id}[bot]`, events: data.events ?? [] };
    })().catch((error: unknown) => {
      pending = undefined; // retry on the next event instead of caching a failure
      throw error;
    });
    return pending;
  };
}
