/**
 * The dashboard over HTTP against the twin: one dashboard per repository whatever races, each
 * section with the right counts (a frozen twin clock makes the sync overdue), ticked boxes acted
 * on once and only for people with write access, and the scheduled sync PR opened once per
 * window, kept current, never duplicated across instances or redeliveries.
 */
import { createAppAuth } from "@octokit/auth-app";
import { parse as parseMermaid } from "@mermaid-js/parser";
import { Octokit } from "@octokit/rest";
import { pino } from "pino";
import YAML from "yaml";
import { parseConfig } from "../../src/config/parse.js";
import { metrics } from "../../src/observability/metrics.js";
import type { WorkflowIo } from "../../src/workflows/io.js";
import { refreshDashboard } from "../../src/workflows/dashboard.js";
import { SANDBOX_APP_ID, SANDBOX_INSTALLATION_ID, startStack, type Stack } from "../../tools/sandbox/stack.js";
import { OWNER, REPO, SANDBOX_CONFIG, seedRepository } from "../../tools/sandbox/story.js";
import { createClock, type RepoHandle } from "../../tools/twin/index.js";

const BOT = "branch-steward[bot]";
const MARKER = "<!-- branch-steward:dashboard -->";
const DAY = 86_400_000;
let stack: Stack;
afterEach(async () => {
  await stack?.close();
});

const dashboards = (repo: RepoHandle) => repo.issues().filter((i) => i.user === BOT && i.body.startsWith(MARKER));

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await stack.twin.idle({ timeoutMs });
    const got = probe();
    if (got) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A second instance of the app: its own client, no shared lock, its own clock. */
function otherInstance(now: () => Date = () => new Date()): WorkflowIo {
  const octokit = new Octokit({ baseUrl: stack.twin.url, authStrategy: createAppAuth, auth: { appId: SANDBOX_APP_ID, privateKey: stack.privateKey, installationId: SANDBOX_INSTALLATION_ID } });
  return {
    octokit: octokit as never,
    repo: { owner: OWNER, repo: REPO },
    me: { id: SANDBOX_APP_ID, slug: "branch-steward", botLogin: BOT },
    log: pino({ level: "silent" }),
    repoHtmlUrl: `https://github.com/${OWNER}/${REPO}`,
    lock: undefined,
    now,
  };
}

function feature(repo: RepoHandle, name: string, file: string): number {
  repo.commit(`feature/${name}`, { message: `Add ${name}`, files: { [file]: `${name}\n` }, author: "alice", from: "development" });
  const pr = repo.openPR({ head: `feature/${name}`, base: "development", title: `Add ${name}`, user: "alice" });
  repo.merge(pr, { method: "merge", user: "bob" });
  return pr;
}

it("a fresh install gets exactly one dashboard, whatever events, sweeps and instances race", async () => {
  stack = await startStack();
  const repo = seedRepository(stack.twin); // pushes development: the first refresh
  await Promise.all([stack.sweep(), stack.sweep(), refreshDashboard(otherInstance(), parseConfig(YAML.parse(SANDBOX_CONFIG)))]);
  await stack.twin.idle();
  await stack.sweep();
  await stack.twin.idle();
  expect(dashboards(repo)).toHaveLength(1);
  expect(dashboards(repo)[0]).toMatchObject({ state: "open", title: "Branch flow dashboard" });
  // A copy a racing instance made is closed and carries no marker.
  expect(repo.issues().filter((i) => i.state === "open" && i.user === BOT)).toHaveLength(1);
});

it("shows each section with GitHub's counts; closed or deleted, it comes back; ticked boxes act once, for writers only", async () => {
  const start = Date.now() - 41 * DAY - 3_600_000;
  const clock = createClock(start);
  stack = await startStack({ twin: { clock } });
  const repo = seedRepository(stack.twin);
  feature(repo, "drift", "drift.txt");
  const sync = repo.openPR({ head: "development", base: "production", title: "Sync", user: "carol" });
  repo.merge(sync, { method: "merge", user: "carol" });
  await stack.twin.idle();
  const syncBackport = repo.state.issues.size; // the after-sync backport PR the app opened
  repo.merge(syncBackport, { method: "merge", user: "bob" });
  await stack.twin.idle();

  clock.set(Date.now() - 3 * DAY - 3_600_000);
  repo.commit("hotfix/cache", { message: "Fix cache", files: { "cache.txt": "fixed\n" }, author: "alice", from: "production" });
  const hotfix = repo.openPR({ head: "hotfix/cache", base: "production", title: "Fix <cache> @everyone", user: "alice" });
  repo.merge(hotfix, { method: "squash", user: "carol" });
  await stack.twin.idle();
  const stuck = [...repo.state.issues.values()].find((i) => i.pull?.headRef === `backport/development/pr-${hotfix}`)?.number;
  expect(stuck).toBeDefined();

  clock.set(Date.now());
  const f1 = feature(repo, "alpha", "alpha.txt");
  const f2 = feature(repo, "beta", "beta.txt");
  const gh = otherInstance().octokit as unknown as Octokit;
  const ahead = (await gh.rest.repos.compareCommitsWithBasehead({ owner: OWNER, repo: REPO, basehead: "production...development" })).data.ahead_by;
  const behind = (await gh.rest.repos.compareCommitsWithBasehead({ owner: OWNER, repo: REPO, basehead: "development...production" })).data.ahead_by;
  expect(ahead).toBeGreaterThan(0);
  expect(behind).toBeGreaterThan(0);

  const body = await until("the dashboard with the features", () => dashboards(repo)[0]?.body.includes(`**${ahead} commits** ahead (2 merged PRs)`) && dashboards(repo)[0]?.body);
  expect(dashboards(repo)).toHaveLength(1);
  expect(body).toContain("**Sync overdue**: the last sync merged 41 days ago; the cadence is every 30 days.");
  expect(body).toContain(`**Backport waiting**: #${hotfix} has waited 3 days for its backport, longer than 2 days.`);
  expect(body).toContain(`**Production ahead of development**: ${behind} production commit${behind === 1 ? "" : "s"} missing from development for 3 days`);
  expect(body).toContain("is at **v1\\.1\\.1**"); // the hotfix's release
  expect(body).toContain("← [v1\\.1\\.0]");
  expect(body).toMatch(/\[#\d+\]\([^)]+\) merged \d{4}-\d\d-\d\d, released as \*\*v1\\\.1\\\.0\*\*: \*\*41 days since\*\*/);
  expect(body).toContain("The next sync would release **v1\\.2\\.0**.");
  expect(body).toContain(`Fix \\<cache\\> @&#8203;everyone | hotfix | 3 days | [#${stuck}]`);
  expect(body).toContain(`**${behind}** commit`);
  expect(body).toContain(`- [ ] <!-- branch-steward:action:retry-backport:${hotfix} --> Retry the backport of #${hotfix}`);
  const graph = /```mermaid\n([\s\S]*?)\n```/.exec(body)?.[1] ?? "";
  expect(() => parseMermaid("gitGraph", graph)).not.toThrow();
  expect(graph).toContain(`hotfix #${hotfix}`);
  expect([f1, f2]).toHaveLength(2);
  // /metrics: the cadence gauges for this repository.
  const gauge = async (g: typeof metrics.syncAgeSeconds) => (await g.get()).values.find((v) => v.labels.repository === `${OWNER}/${REPO}`)?.value;
  expect(await gauge(metrics.syncAgeSeconds)).toBeGreaterThanOrEqual(41 * 86_400);
  expect(await gauge(metrics.developmentAheadCommits)).toBe(ahead);
  expect(await gauge(metrics.backportOldestPendingSeconds)).toBeGreaterThanOrEqual(3 * 86_400);

  // A read-only person ticks a box: nothing happens, nothing is written.
  const dashboard = dashboards(repo)[0]!.number;
  const writesBefore = stack.twin.requests.filter((r) => r.write && !r.route?.startsWith("POST /app/")).length;
  const tick = (id: string, text: string) => text.replace(`- [ ] <!-- branch-steward:action:${id} -->`, `- [x] <!-- branch-steward:action:${id} -->`);
  repo.editIssue(dashboard, { body: tick("recheck", body) }, "dave");
  await stack.twin.idle();
  await new Promise((r) => setTimeout(r, 200));
  await stack.twin.idle();
  expect(stack.twin.requests.filter((r) => r.write && !r.route?.startsWith("POST /app/")).length).toBe(writesBefore);
  expect(repo.comments(dashboard)).toHaveLength(0);

  // A maintainer ticks "retry the backport": it runs once, the box is unticked, the comment says who asked.
  const current = repo.issues().find((i) => i.number === dashboard)!.body;
  repo.editIssue(dashboard, { body: tick(`retry-backport:${hotfix}`, current) }, "carol");
  const comments = await until("the action comment", () => repo.comments(dashboard).length > 0 && repo.comments(dashboard));
  expect(comments).toHaveLength(1);
  expect(comments[0]!.body).toContain("\\@carol asked from the dashboard:");
  expect(comments[0]!.body).toContain(`Retry the backport of #${hotfix}: exists (#${stuck}).`);
  const after = await until("the boxes unticked", () => !/- \[x\]/.test(dashboards(repo)[0]!.body) && dashboards(repo)[0]!.body);
  expect(after).toContain(`- [ ] <!-- branch-steward:action:retry-backport:${hotfix} -->`);
  // The same edit delivered again finds its box unticked: nothing more.
  const edit = stack.twin.deliveries.filter((d) => d.event === "issues" && d.action === "edited" && (d.payload.sender as { login: string }).login === "carol").at(-1)!;
  const { token } = await createAppAuth({ appId: SANDBOX_APP_ID, privateKey: stack.privateKey })({ type: "app" });
  await fetch(`${stack.twin.url}/app/hook/deliveries/${edit.id}/attempts`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  await stack.twin.idle();
  await new Promise((r) => setTimeout(r, 200));
  await stack.twin.idle();
  expect(repo.comments(dashboard)).toHaveLength(1);

  // Closed by a person: reopened. Deleted: created again, once.
  repo.editIssue(dashboard, { state: "closed" }, "carol");
  await until("the dashboard reopened", () => dashboards(repo)[0]?.state === "open");
  repo.deleteIssue(dashboard, "carol");
  await stack.sweep();
  await stack.twin.idle();
  expect(dashboards(repo)).toHaveLength(1);
  expect(dashboards(repo)[0]!.number).not.toBe(dashboard);
}, 90_000);

it("the scheduled sync PR opens once per window, stays current, and is never duplicated", async () => {
  stack = await startStack();
  const repo = seedRepository(stack.twin);
  repo.commit("production", { message: "Schedule syncs", files: { ".github/branch-steward.yml": `${SANDBOX_CONFIG}sync:\n  schedule:\n    every: 7d\n    time_zone: Europe/Berlin\n` }, author: "carol" });
  await stack.twin.idle();
  const config = parseConfig(YAML.parse(repo.files("production")[".github/branch-steward.yml"] as string));
  expect(config.ok).toBe(true);
  const syncPulls = () => [...repo.state.issues.values()].filter((i) => i.pull?.headRef === "development" && i.pull.baseRef === "production");

  const first = feature(repo, "alpha", "alpha.txt");
  const pr = await until("the sync PR", () => syncPulls()[0]);
  expect(pr.user.login).toBe(BOT);
  expect(pr.title).toBe("Sync development → production: v1.1.0");
  expect(pr.body).toMatch(/^<!-- branch-steward:sync-pr window=7d@\d{4}-\d\d-\d\d -->/);
  expect(pr.body).toContain(`- #${first} Add alpha`);

  // Two instances and two sweeps at once, and a redelivered push: still one.
  await Promise.all([stack.sweep(), stack.sweep(), refreshDashboard(otherInstance(), config), refreshDashboard(otherInstance(), config)]);
  const push = stack.twin.deliveries.filter((d) => d.event === "push").at(-1)!;
  const { token } = await createAppAuth({ appId: SANDBOX_APP_ID, privateKey: stack.privateKey })({ type: "app" });
  await fetch(`${stack.twin.url}/app/hook/deliveries/${push.id}/attempts`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  await stack.twin.idle();
  expect(syncPulls()).toHaveLength(1);

  // Development moves: the body follows, exactly.
  const second = feature(repo, "beta", "beta.txt");
  await until("the body with #second", () => syncPulls()[0]!.body?.includes(`- #${second} Add beta`));
  expect(syncPulls()[0]!.body).toContain("### Pull requests since `v1.0.0` (2)");
  expect(syncPulls()[0]!.state).toBe("open");
  expect(repo.pr(pr.number).merged).toBe(false);

  // Closed by a person: not opened again in this window…
  repo.close(pr.number, "carol");
  await stack.twin.idle();
  await stack.sweep();
  await stack.twin.idle();
  expect(syncPulls()).toHaveLength(1);
  // …but in the next one, once, however many instances ask.
  const nextWeek = () => new Date(Date.now() + 7 * DAY);
  const results = await Promise.all([refreshDashboard(otherInstance(nextWeek), config), refreshDashboard(otherInstance(nextWeek), config)]);
  await stack.twin.idle();
  expect(syncPulls()).toHaveLength(2);
  expect(syncPulls().filter((p) => p.state === "open")).toHaveLength(1);
  expect(results.map((r) => ("sync" in r ? r.sync.kind : r.kind)).sort()).toEqual(expect.arrayContaining(["opened"]));
}, 90_000);
