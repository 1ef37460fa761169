/** A check run or status as the gate and the release notes see it, passing by default. */
import type { ObservedCheck } from "../../src/policy/types.js";

let seq = 0;
export const observedCheck = (name: string, over: Partial<ObservedCheck> = {}): ObservedCheck => ({
  source: "check_run",
  name,
  reporter: "staging-ci",
  status: "completed",
  conclusion: "success",
  url: `https://ci/${name}`,
  startedAt: "2026-11-26T11:00:00Z",
  completedAt: "2026-11-26T11:10:00Z",
  id: ++seq,
  ...over,
});
