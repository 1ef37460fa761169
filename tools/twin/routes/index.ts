/**
 * The twin's route table. Every `path` is exactly an OpenAPI `paths` key of GitHub's REST
 * description (checked by test/twin/routes.test.ts).
 */
import type { Route } from "../http.js";
import { appRoutes } from "./app.js";
import { checkRoutes } from "./checks.js";
import { gitRoutes } from "./git.js";
import { issueRoutes } from "./issues.js";
import { protectionRoutes } from "./protection.js";
import { pullRoutes } from "./pulls.js";
import { reactionRoutes } from "./reactions.js";
import { releaseRoutes } from "./releases.js";
import { repoRoutes } from "./repos.js";
import { rulesetRoutes } from "./rulesets.js";

export const routes: readonly Route[] = [
  ...appRoutes,
  ...repoRoutes,
  ...gitRoutes,
  ...pullRoutes,
  ...checkRoutes,
  ...issueRoutes,
  ...reactionRoutes,
  ...releaseRoutes,
  ...protectionRoutes,
  ...rulesetRoutes,
];

/** `{method, path}` pairs, as data. */
export const routeTable: ReadonlyArray<{ method: string; path: string }> = routes.map(({ method, path }) => ({ method, path }));
