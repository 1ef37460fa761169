/** `branch-steward audit` against the GitHub twin, in-process. */
import { Octokit } from "@octokit/rest";
import { auditOptionsFrom, audit, type AuditOptions } from "../../src/cli/audit.js";
import { cli, protect, type Io } from "../../src/cli/protect.js";
import { rulesetStateOf, type RepoHandle, type Twin } from "../../tools/twin/index.js";
import { contractPlugin } from "../support/contract.js";
import { APP_ID, appKeys, appOctokit, installationOctokit, twinWith } from "../twin/helpers.js";

const CONFIG = `branches:
  production: main
  development: develop
protection:
  "{production}": { required_approvals: 2 }
  "{development}": { required_approvals: 1 }
`;
const VALIDATED = `${CONFIG}validation:
  sync:
    required: [staging / e2e]
`;

const Recording = Octokit.plugin(contractPlugin);
const DAY = 86_400_000;

let twin: Twin;
let repo: RepoHandle;
let token: string;

function sink(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

function options(overrides: Partial<AuditOptions> = {}): AuditOptions {
  return {
    owner: "acme",
    repo: "model",
    json: true,
    failOn: "warning",
    auth: { kind: "token", token },
    appId: APP_ID,
    apiUrl: twin.url,
    Octokit: Recording,
    now: () => twin.clock.now(),
    ...overrides,
  };
}

interface JsonReport {
  exit_code: number;
  complete: boolean;
  unreadable: string[];
  days_since_sync: number | null;
  findings: Array<{ id: string; severity: string; scorecard_tier: number | null; title: string; meaning: string; fix: string; facts: Record<string, unknown> }>;
}

async function runJson(overrides: Partial<AuditOptions> = {}): Promise<{ code: number; report: JsonReport; io: ReturnType<typeof sink> }> {
  const io = sink();
  const code = await audit(options({ json: true, ...overrides }), io);
  expect(io.errors).toEqual([]);
  return { code, report: JSON.parse(io.lines.join("\n")) as JsonReport, io };
}

/** A PR from `head` into `base`, merged; returns its number and merge commit. */
function mergedPr(head: string, base: string, file: string): { number: number; sha: string } {
  repo.commit(head, { message: `change ${file}`, files: { [file]: `${file}\n` }, author: "alice" });
  const number = repo.openPR({ head, base, title: `change ${file}`, user: "alice" });
  const sha = repo.merge(number, { user: "alice" });
  return { number, sha };
}

/** A repository run by the book: a tagged sync, a tagged hotfix with its merged backport, our rulesets. */
async function wellRun(): Promise<{ sync: number; hotfix: number }> {
  repo.commit("main", { message: "validate syncs", files: { ".github/branch-steward.yml": VALIDATED }, author: "alice" });
  repo.createBranch("develop", "main");
  const sync = mergedPr("develop", "main", "feature.txt");
  repo.tag("v1.0.0", sync.sha, { annotated: true, message: "v1.0.0" });
  repo.createBranch("hotfix/login", "main");
  const hotfix = mergedPr("hotfix/login", "main", "fix.txt");
  repo.tag("v1.0.1", hotfix.sha);
  repo.createBranch("backport/develop/pr-" + hotfix.number, hotfix.sha);
  const backport = repo.openPR({ head: `backport/develop/pr-${hotfix.number}`, base: "develop", title: "backport", user: "branch-steward[bot]" });
  repo.merge(backport, { user: "alice" });
  expect(await protect({ owner: "acme", repo: "model", dryRun: false, rulesets: true, auth: { kind: "token", token }, appId: APP_ID, apiUrl: twin.url }, sink())).toBe(0);
  return { sync: sync.number, hotfix: hotfix.number };
}

beforeEach(async () => {
  twin = await twinWith();
  repo = twin.createRepo({ owner: "acme", name: "model", defaultBranch: "main", files: { ".github/branch-steward.yml": CONFIG, "README.md": "r\n" } });
  const { data } = await appOctokit(twin).rest.apps.createInstallationAccessToken({ installation_id: twin.installationId });
  token = data.token;
});

afterEach(async () => {
  await twin.close();
});

describe("branch-steward audit", () => {
  it("finds nothing in a repository run by the book, and writes nothing", async () => {
    await wellRun();
    twin.clock.advance(3 * DAY);
    const mark = twin.requests.length;
    const { code, report } = await runJson();
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
    expect(report).toMatchObject({ exit_code: 0, complete: true, unreadable: [], days_since_sync: 3 });
    expect(twin.requests.slice(mark).filter((r) => r.method !== "GET" && !r.path.includes("/access_tokens"))).toEqual([]);

    const text = sink();
    expect(await audit(options({ json: false }), text)).toBe(0);
    expect(text.lines).toEqual(["branch-steward audit acme/model: no findings (fails on warning and above)", "Last sync: 3 days ago."]);
  });

  it("fails each audit rule once on a repository that breaks them all", async () => {
    repo.createBranch("develop", "main");
    // production: an untagged sync-less history; a hotfix without backport; a version tag off production; a non-semver tag.
    repo.createBranch("hotfix/crash", "main");
    const hotfix = mergedPr("hotfix/crash", "main", "crash.txt");
    repo.tag("v1.0.0", hotfix.sha);
    const feature = mergedPr("develop", "main", "other.txt");
    repo.createBranch("experiment", "develop");
    const side = repo.commit("experiment", { message: "side", files: { "side.txt": "s\n" }, author: "bob" });
    repo.tag("v9.0.0", side);
    repo.tag("vnext", feature.sha);
    // Classic protection on production: check not pinned, not strict, 1 approval, admins exempt, force pushes and deletions allowed.
    await installationOctokit(twin).request("PUT /repos/{owner}/{repo}/branches/{branch}/protection", {
      owner: "acme",
      repo: "model",
      branch: "main",
      required_status_checks: { strict: false, checks: [{ context: "branch-steward / main", app_id: -1 }] },
      enforce_admins: false,
      required_pull_request_reviews: { required_approving_review_count: 1 },
      restrictions: null,
      allow_force_pushes: true,
      allow_deletions: true,
    } as never);
    // Our production ruleset, left in evaluate mode; a team ruleset with a merge queue and a bypass actor.
    const admin = installationOctokit(twin);
    await admin.request("POST /repos/{owner}/{repo}/rulesets", {
      owner: "acme",
      repo: "model",
      name: "branch-steward (production)",
      enforcement: "evaluate",
      conditions: { ref_name: { include: ["refs/heads/main"], exclude: [] } },
      rules: [{ type: "deletion" }],
    } as never);
    await admin.request("POST /repos/{owner}/{repo}/rulesets", {
      owner: "acme",
      repo: "model",
      name: "queue",
      enforcement: "active",
      bypass_actors: [{ actor_id: 5, actor_type: "RepositoryRole", bypass_mode: "always" }],
      conditions: { ref_name: { include: ["refs/heads/main"], exclude: [] } },
      rules: [
        {
          type: "merge_queue",
          parameters: { check_response_timeout_minutes: 60, grouping_strategy: "ALLGREEN", max_entries_to_build: 5, max_entries_to_merge: 5, merge_method: "MERGE", min_entries_to_merge: 1, min_entries_to_merge_wait_minutes: 5 },
        },
      ],
    } as never);
    twin.clock.advance(40 * DAY);

    // As the app: its registration's events (the twin's lack merge_group) are readable.
    const { code, report } = await runJson({ auth: { kind: "app", appId: String(APP_ID), privateKey: appKeys().privateKey } });
    const ids = report.findings.map((f) => `${f.id}${typeof f.facts.branch === "string" ? ` ${f.facts.branch}` : ""}`);
    expect(ids.sort()).toEqual(
      [
        "admins-bypass main",
        "bypass-actors main",
        "check-not-pinned main",
        "check-not-required develop",
        "deletion-allowed develop",
        "deletion-allowed main",
        "force-push-allowed develop",
        "force-push-allowed main",
        "hotfix-not-backported",
        "merge-queue-unhandled main",
        "missing-from-development",
        "non-semver-tags",
        "not-pr-only develop",
        "not-up-to-date main",
        "ruleset-not-enforced",
        "stale-sync",
        "sync-unvalidated",
        "tag-off-production",
        "tags-unprotected",
        "too-few-approvals main",
        "untagged-merge",
      ].sort(),
    );
    expect(code).toBe(1);
    const find = (id: string) => report.findings.find((f) => f.id === id);
    expect(find("hotfix-not-backported")).toMatchObject({ severity: "warning", facts: { number: hotfix.number, ageDays: 40, backport: null } });
    expect(find("hotfix-not-backported")?.fix).toBe(`comment \`/backport\` on #${hotfix.number}`);
    expect(find("untagged-merge")?.facts).toMatchObject({ number: feature.number, mergeCommitSha: feature.sha });
    expect(find("tag-off-production")?.facts).toEqual({ tag: "v9.0.0" });
    expect(find("non-semver-tags")).toMatchObject({ severity: "info", facts: { tags: ["vnext"] } });
    expect(find("merge-queue-unhandled")).toMatchObject({ severity: "error", facts: { known: true } });
    expect(find("force-push-allowed")).toMatchObject({ severity: "error", scorecard_tier: 1, fix: expect.stringContaining("branch-steward protect --rulesets --repo acme/model") });
    expect(find("stale-sync")).toMatchObject({ severity: "warning", title: "last sync 40 days ago", facts: { days: 40 } });
    // The hotfix's commit, its merge and the sync's merge: production commits development lacks.
    expect(find("missing-from-development")?.facts).toEqual({ count: 3 });
    // One approval of two on main (Scorecard tier 4); develop takes no PRs at all, which not-pr-only says once.
    expect(report.findings.filter((f) => f.id === "too-few-approvals").map((f) => [f.facts.branch, f.facts.actual, f.severity, f.scorecard_tier])).toEqual([["main", 1, "warning", 4]]);

    // --fail-on error: still 1 (errors), and the text names every finding with its fix.
    const text = sink();
    expect(await audit(options({ json: false, failOn: "error" }), text)).toBe(1);
    expect(text.lines[0]).toMatch(/^branch-steward audit acme\/model: \d+ errors, \d+ warnings, 1 notice \(fails on error and above\)$/);
    expect(text.lines).toContain("  Fix: comment `/backport` on #" + hotfix.number);
  });

  it("without admin rights: names what it could not read and why, reports the rest as unverified, never passes", async () => {
    await wellRun();
    // Production also has classic protection, which only admins can read.
    repo.protect("main", { requiredChecks: ["branch-steward / main"], strict: true });
    rulesetStateOf(repo.state).admin = false;
    const { code, report } = await runJson();
    expect(report.complete).toBe(false);
    expect(report.unreadable).toEqual(["classic protection of main", 'bypass actors of ruleset "branch-steward (production)"', 'bypass actors of ruleset "branch-steward (development)"']);
    const unreadable = report.findings.filter((f) => f.id === "unreadable");
    expect(unreadable.map((f) => f.title)).toEqual([
      "could not read classic protection of main (HTTP 403)",
      'could not read bypass actors of ruleset "branch-steward (production)"',
      'could not read bypass actors of ruleset "branch-steward (development)"',
    ]);
    expect(unreadable[0]?.meaning).toContain("Resource not accessible by integration (reading classic branch protection needs admin rights on the repository)");
    // Rulesets are readable without admin and cover everything else: nothing fails, but the audit is not clean.
    expect(report.findings.every((f) => f.severity === "warning")).toBe(true);
    expect(code).toBe(1);
    expect((await runJson({ failOn: "error" })).code).toBe(0);

    // With nothing but classic protection, every branch rule of production is unverified.
    for (const id of [...rulesetStateOf(repo.state).rulesets.keys()]) rulesetStateOf(repo.state).rulesets.delete(id);
    const bare = (await runJson()).report;
    expect(bare.findings.filter((f) => f.id === "unverified" && f.facts.branch === "main").map((f) => f.facts.rule)).toEqual([
      "not-pr-only",
      "force-push-allowed",
      "deletion-allowed",
      "check-not-required",
      "not-up-to-date",
      "too-few-approvals",
    ]);
    // develop is not protected at all: its branch JSON says so without admin rights, so it fails plainly.
    expect(bare.findings.filter((f) => f.facts.branch === "develop").map((f) => f.id)).toContain("not-pr-only");
  });

  it("with a token, a merge queue makes the app's events unknown: said, as a warning", async () => {
    await wellRun();
    await installationOctokit(twin).request("POST /repos/{owner}/{repo}/rulesets", {
      owner: "acme",
      repo: "model",
      name: "queue",
      enforcement: "active",
      conditions: { ref_name: { include: ["~DEFAULT_BRANCH"], exclude: [] } },
      rules: [
        {
          type: "merge_queue",
          parameters: { check_response_timeout_minutes: 60, grouping_strategy: "ALLGREEN", max_entries_to_build: 5, max_entries_to_merge: 5, merge_method: "MERGE", min_entries_to_merge: 1, min_entries_to_merge_wait_minutes: 5 },
        },
      ],
    } as never);
    const { report } = await runJson();
    expect(report.findings.map((f) => [f.id, f.severity, f.facts.known])).toEqual([["merge-queue-unhandled", "warning", false]]);
    expect(report.findings[0]?.fix).toContain("run the audit as the app");
  });

  it("exits 2 on bad usage and on a bad configuration", async () => {
    for (const [argv, env, message] of [
      [["audit"], { GITHUB_TOKEN: "t" }, "--repo owner/name is required"],
      [["audit", "--repo", "a/b", "--fail-on", "fatal"], { GITHUB_TOKEN: "t" }, "--fail-on must be one of error, warning, info"],
      [["audit", "--repo", "a/b"], {}, "no credentials"],
      [["audit", "--repo", "a/b", "--frob"], { GITHUB_TOKEN: "t" }, "--frob"],
    ] as const) {
      const io = sink();
      expect(await cli(argv, env, io)).toBe(2);
      expect(io.errors.join("\n")).toContain(message);
    }
    const help = sink();
    expect(await cli(["audit", "--help"], {}, help)).toBe(0);
    expect(help.lines[0]).toMatch(/^Usage: branch-steward audit --repo owner\/name/);
    expect(auditOptionsFrom(["--repo", "a/b"], { GITHUB_TOKEN: "t" })).toEqual({ owner: "a", repo: "b", json: false, failOn: "warning", auth: { kind: "token", token: "t" } });

    repo.commit("main", { message: "bad", files: { ".github/branch-steward.yml": "branches: [unclosed\n" }, author: "alice" });
    const io = sink();
    expect(await cli(["audit", "--repo", "acme/model", "--api-url", twin.url], { GITHUB_TOKEN: token, APP_ID: String(APP_ID) }, io)).toBe(2);
    expect(io.errors.join("\n")).toContain("(invalid YAML)");
  });
});
