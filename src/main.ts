/**
 * Production entry point (the Docker image runs `node lib/main.js`): Probot's server with the
 * app loaded, plus the graceful shutdown Probot lacks. On SIGTERM or SIGINT it stops accepting
 * connections, lets in-flight webhook handlers finish (bounded), and exits 0.
 *
 * Without APP_ID and a private key outside production, Probot serves its setup page, which
 * registers the app on GitHub from app.yml (the manifest flow) and writes `.env`.
 */
import { run } from "probot";
import app from "./index.js";

const SHUTDOWN_GRACE_MS = Number(process.env.SHUTDOWN_GRACE_MS ?? 8_000);

const server = await run(app);
let stopping = false;

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.info(JSON.stringify({ level: 30, msg: `received ${signal}; draining` }));
  const deadline = setTimeout(() => {
    console.error(JSON.stringify({ level: 50, msg: `in-flight work did not finish within ${SHUTDOWN_GRACE_MS} ms; exiting` }));
    process.exit(1);
  }, SHUTDOWN_GRACE_MS);
  deadline.unref();
  // server.stop() closes the listener (Node ≥ 19 also closes idle keep-alive sockets) and
  // resolves once open requests, whose webhook handlers are still running, have finished.
  await server.stop();
  process.exit(0);
}

process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
