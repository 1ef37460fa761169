/**
 * `npm run sandbox`: the main job on its embedded default. Starts the GitHub twin and the real
 * branch-steward server, plays the lifecycle story with every expectation asserted, and exits
 * non-zero if one fails. `--keep` leaves both servers up for curl.
 */
import { startStack } from "./stack.js";
import { DEFAULT_CHAOS, runMergeQueueStory, runStory, StoryError, type Narrator } from "./story.js";

const keep = process.argv.includes("--keep");
const verbose = process.argv.includes("--verbose");
const chaos = process.argv.includes("--chaos");

const narrator: Narrator = {
  step: (title) => console.log(`\n▶ ${title}`),
  actor: (line) => console.log(`  👤 ${line}`),
  steward: (line) => console.log(`  🤖 ${line}`),
  ok: (line) => console.log(`  ✔ ${line}`),
  text: (block) => console.log(block.replace(/^/gm, "     │ ")),
};

const started = Date.now();
const stack = await startStack({ logLevel: verbose ? "info" : chaos ? "silent" : "error", ...(chaos ? { retryBaseMs: 20 } : {}) });
console.log(`branch-steward sandbox — GitHub twin at ${stack.twin.url}, app at ${stack.appUrl}`);
if (chaos) {
  console.log(`chaos: ${DEFAULT_CHAOS.faults.rate * 100}% of API requests fail (500, 502, 403 secondary limit, timeouts); ${DEFAULT_CHAOS.webhooks.dropRate! * 100}% of deliveries are lost and ${DEFAULT_CHAOS.webhooks.duplicateRate! * 100}% duplicated. A reconciliation sweep runs before each expectation.`);
}
let failed = false;
try {
  await runStory(stack, narrator, chaos ? DEFAULT_CHAOS : undefined);
  if (!chaos) await runMergeQueueStory(stack, narrator);
  const requests = stack.twin.requests.length;
  const writes = stack.twin.requests.filter((r) => r.write).length;
  const deliveries = stack.twin.deliveries.length;
  const faults = stack.twin.requests.filter((r) => r.fault).length;
  const lost = stack.twin.deliveries.filter((d) => d.statusCode === 0).length;
  console.log(`\n✅ story complete in ${((Date.now() - started) / 1000).toFixed(1)} s: ${deliveries} webhook deliveries, ${requests} API requests (${writes} writes)${chaos ? `; ${faults} injected faults, ${lost} lost deliveries` : ""}`);
} catch (error) {
  failed = true;
  const message = error instanceof StoryError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(`\n❌ sandbox failed at ${message}`);
}

if (keep && !failed) {
  console.log(`\nServers stay up (Ctrl-C to stop):
  twin API:  ${stack.twin.url}     e.g. curl -s ${stack.twin.url}/repos/acme/forecast -H "Authorization: token <installation token>"
  app:       ${stack.appUrl}       e.g. curl -s ${stack.appUrl}/ping`);
  process.on("SIGINT", () => void stack.close().then(() => process.exit(0)));
} else {
  await stack.close();
  process.exit(failed ? 1 : 0);
}
