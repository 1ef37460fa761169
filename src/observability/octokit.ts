/**
 * An Octokit plugin that counts GitHub requests (by method and status class) and records the
 * rate-limit headroom from `x-ratelimit-remaining`. Use it on the Octokit class Probot builds
 * its clients from: `run(app, { Octokit: instrumentedOctokit(ProbotOctokit) })`, or
 * `Probot.defaults({ Octokit: instrumentedOctokit(ProbotOctokit.defaults(…)) })`.
 */
import type { Octokit } from "@octokit/core";
import { httpStatus } from "../github/errors.js";
import { methodLabel, metrics as sharedMetrics, statusClass, type Metrics } from "./metrics.js";

type Headers = Record<string, string | number | undefined>;

function recordResponse(m: Metrics, method: string, status: number | undefined, headers: Headers | undefined): void {
  m.githubRequests.inc({ method, status: statusClass(status) });
  const remaining = headers?.["x-ratelimit-remaining"];
  if (remaining !== undefined && remaining !== "") {
    const value = Number(remaining);
    if (Number.isFinite(value)) {
      const resource = String(headers?.["x-ratelimit-resource"] ?? "core").replace(/[^a-z_]/gi, "").slice(0, 32) || "core";
      m.rateLimitRemaining.set({ resource }, value);
    }
  }
}

/** The plugin itself, parameterised by the metrics it writes to (tests pass their own). */
export function metricsPlugin(m: Metrics = sharedMetrics) {
  return (octokit: Octokit): void => {
    octokit.hook.wrap("request", async (request, options) => {
      const method = methodLabel(options.method);
      try {
        const response = await request(options);
        recordResponse(m, method, response.status, response.headers as Headers);
        return response;
      } catch (error) {
        const status = httpStatus(error);
        recordResponse(m, method, status, (error as { response?: { headers?: Headers } }).response?.headers);
        if (!status || status >= 400) m.errors.inc({ source: "github" }); // a 304 is not an error
        throw error;
      }
    });
  };
}

/** `base` with the metrics plugin applied; keeps the class's statics (`defaults`, `plugin`). */
export function instrumentedOctokit<T extends { plugin: (...plugins: never[]) => unknown }>(base: T, m: Metrics = sharedMetrics): T {
  return (base.plugin as (p: ReturnType<typeof metricsPlugin>) => T)(metricsPlugin(m));
}
