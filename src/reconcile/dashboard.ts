/** Every repository's dashboard and scheduled sync PR, refreshed by the sweep (the schedule's clock). */
import { refreshDashboard } from "../workflows/dashboard.js";
import type { Reconciler } from "./reconciler.js";

export const dashboards: Reconciler = {
  name: "dashboard",
  failure: "extra",
  async run({ io, config }) {
    const result = await refreshDashboard(io, config, { freshAudit: true });
    io.log.info({ result: { kind: result.kind, ...("write" in result ? { write: result.write, sync: result.sync } : {}) } }, "sweep: dashboard");
  },
};
