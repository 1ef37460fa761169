/* global Buffer, fetch, performance, setTimeout, setInterval, clearInterval */
// Oversized-webhook flood: starts the built app server in a child process, posts N bodies of
// M MB at once with a forged signature, samples the child's RSS and reports what it answered.
//
//   npm run build && node scripts/webhook-flood.js [--entry main|probot-run] [--posts 4] [--mb 400] [--mode length|chunked]
//
// --entry main       `node lib/main.js` (the Docker image)
// --entry probot-run `probot run ./lib/index.js` (npm start)
// --mode length      a Content-Length header announces the size (what curl sends)
// --mode chunked     Transfer-Encoding: chunked, no size announced
//
// Traffic goes to 127.0.0.1 only; the loop sends at most posts × mb and stops by itself.
// Linux only (reads /proc/<pid>/status).
import { spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const entry = args.entry ?? "main";
const posts = Number(args.posts ?? 4);
const mb = Number(args.mb ?? 400);
const mode = args.mode ?? "length";
const CHUNK = Buffer.alloc(1024 * 1024, "a");

async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForPing(port, child) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/ping`).then((r) => r.ok, () => false);
    if (ok) return;
    await sleep(100);
  }
  throw new Error("the server did not answer /ping within 30 s");
}

/** One forged delivery of `size` bytes; resolves with the status and when it came. */
function post(port, size, index) {
  return new Promise((resolve) => {
    const started = performance.now();
    const headers = {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": `flood-${index}`,
      "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
    };
    if (mode === "length") headers["content-length"] = String(size);
    const req = request({ host: "127.0.0.1", port, method: "POST", path: "/api/github/webhooks", headers });
    let sent = 0;
    let result;
    const finish = (extra) => {
      if (result) return;
      result = { status: extra.status ?? null, ms: Math.round(performance.now() - started), sentMb: Math.round(sent / 1024 / 1024), error: extra.error };
      req.destroy();
      resolve(result);
    };
    req.on("response", (res) => {
      res.resume();
      finish({ status: res.statusCode });
    });
    req.on("error", (error) => setTimeout(() => finish({ error: error.code ?? error.message }), 200));
    const pump = () => {
      while (!result && sent < size) {
        sent += CHUNK.length;
        if (!req.write(CHUNK)) return void req.once("drain", pump);
      }
      if (!result) req.end();
    };
    pump();
  });
}

const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
const port = await freePort();
const command = entry === "probot-run" ? ["node_modules/probot/bin/probot.js", "run", "./lib/index.js"] : ["lib/main.js"];
const child = spawn(process.execPath, command, {
  env: {
    PATH: process.env.PATH,
    APP_ID: "1",
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: randomBytes(20).toString("hex"),
    HOST: "127.0.0.1",
    PORT: String(port),
    LOG_LEVEL: "info",
    LOG_FORMAT: "json",
    RECONCILE_INTERVAL_MINUTES: "0",
  },
  stdio: ["ignore", "pipe", "pipe"],
});
/** What the server logged: line count, bytes, and the first 300 characters of each line. */
const logs = { lines: [], sizes: [], bytes: 0, current: null };
for (const stream of [child.stdout, child.stderr]) {
  stream.on("data", (chunk) => {
    logs.bytes += chunk.length;
    for (const piece of chunk.toString().split(/(?<=\n)/)) {
      if (logs.current === null) {
        logs.lines.push((logs.current = ""));
        logs.sizes.push(0);
      }
      logs.sizes[logs.sizes.length - 1] += Buffer.byteLength(piece);
      if (logs.current.length < 300) logs.lines[logs.lines.length - 1] = logs.current += piece.slice(0, 300 - logs.current.length).replace(/\n$/, "");
      if (piece.endsWith("\n")) logs.current = null;
    }
  });
}

try {
  await waitForPing(port, child);
  await sleep(500);
  const idle = memory(child.pid);
  const logBytesBefore = logs.bytes;
  const linesBefore = logs.lines.length;
  let sampled = idle.rss;
  const sampler = setInterval(() => {
    sampled = Math.max(sampled, memory(child.pid).rss);
  }, 20);
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: posts }, (_, i) => post(port, mb * 1024 * 1024, i)));
  const elapsed = Math.round(performance.now() - started);
  await sleep(Number(args.settle ?? 3000));
  clearInterval(sampler);
  const after = memory(child.pid);
  const stillUp = await fetch(`http://127.0.0.1:${port}/ping`).then((r) => r.status, (e) => e.message);
  console.log(
    JSON.stringify(
      {
        entry,
        mode,
        posts,
        mbEach: mb,
        statuses: results.map((r) => r.status ?? r.error),
        msToAnswer: results.map((r) => r.ms),
        mbSentBeforeAnswer: results.map((r) => r.sentMb),
        elapsedMs: elapsed,
        rssIdleMb: Math.round(idle.rss),
        rssPeakSampledMb: Math.round(sampled),
        rssPeakKernelMb: Math.round(after.peak),
        rssAfterMb: Math.round(after.rss),
        logBytesDuringFlood: logs.bytes - logBytesBefore,
        logLinesDuringFlood: logs.lines.slice(linesBefore).map((line, i) => ({ bytes: logs.sizes[linesBefore + i], start: line })),
        pingAfter: stillUp,
      },
      null,
      2,
    ),
  );
} finally {
  child.kill("SIGTERM");
}
