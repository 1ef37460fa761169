/** `branch-steward protect` against the GitHub twin, in-process. */
import { Octokit } from "@octokit/rest";
import { cli, optionsFrom, protect, type Io, type ProtectOptions } from "../../src/cli/protect.js";
import type { RepoHandle, Twin } from "../../tools/twin/index.js";
import { contractPlugin } from "../support/contract.js";
import { APP_ID, appKeys, appOctokit, installationOctokit, twinWith } from "../twin/helpers.js";

const CONFIG = `branches:
  production: main
  development: develop
protection:
  "{production}": { required_approvals: 2 }
  "{development}": { required_approvals: 1 }
`;

const Recording = Octokit.plugin(contractPlugin);

let twin: Twin;
let repo: RepoHandle;
let token: string;

function sink(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

const writes = (since: number) => twin.requests.slice(since).filter((r) => r.method !== "GET" && !r.path.includes("/access_tokens"));

function options(overrides: Partial<ProtectOptions> = {}): ProtectOptions {
  return { owner: "acme", repo: "model", dryRun: false, auth: { kind: "token", token }, appId: APP_ID, apiUrl: twin.url, Octokit: Recording, ...overrides };
}

async function protectionOf(branch: string): Promise<Record<string, unknown>> {
  const { data } = await installationOctokit(twin).rest.repos.getBranchProtection({ owner: "acme", repo: "model", branch });
  return data as unknown as Record<string, unknown>;
}

beforeEach(async () => {
  twin = await twinWith();
  repo = twin.createRepo({ owner: "acme", name: "model", defaultBranch: "main", files: { ".github/branch-steward.yml": CONFIG, "README.md": "r\n" } });
  repo.createBranch("develop", "main");
  const { data } = await appOctokit(twin).rest.apps.createInstallationAccessToken({ installation_id: twin.installationId });
  token = data.token;
});

afterEach(async () => {
  await twin.close();
});

describe("branch-steward protect", () => {
  it("protects both branches, then a second run writes nothing", async () => {
    const io = sink();
    expect(await protect(options(), io)).toBe(0);
    expect(io.errors).toEqual([]);
    expect(io.lines.join("\n")).toContain("main (production): changed");
    expect(io.lines.join("\n")).toContain("develop (development): changed");

    const main = await protectionOf("main");
    expect(main.required_status_checks).toMatchObject({
      strict: true,
      contexts: ["branch-steward / main"],
      checks: [{ context: "branch-steward / main", app_id: APP_ID }],
    });
    expect(main.required_pull_request_reviews).toMatchObject({ required_approving_review_count: 2 });
    expect(main.allow_force_pushes).toEqual({ enabled: false });
    expect(main.allow_deletions).toEqual({ enabled: false });
    const develop = await protectionOf("develop");
    expect(develop.required_status_checks).toMatchObject({ strict: false, checks: [{ context: "branch-steward / develop", app_id: APP_ID }] });
    expect(develop.required_pull_request_reviews).toMatchObject({ required_approving_review_count: 1 });
    // The twin's protection model (mergeability) sees the same rules.
    expect(repo.state.protection.get("main")).toMatchObject({ requiredChecks: ["branch-steward / main"], strict: true });

    const mark = twin.requests.length;
    const again = sink();
    expect(await protect(options(), again)).toBe(0);
    expect(writes(mark)).toEqual([]);
    expect(again.lines).toContain("main (production): up to date, nothing to change");
    expect(again.lines).toContain("develop (development): up to date, nothing to change");
  });

  it("--dry-run prints the changes and writes nothing", async () => {
    repo.protect("main", { requiredChecks: ["ci / test"], strict: false });
    const mark = twin.requests.length;
    const io = sink();
    expect(await protect(options({ dryRun: true }), io)).toBe(0);
    expect(writes(mark)).toEqual([]);
    expect(io.lines).toEqual([
      `acme/model: .github/branch-steward.yml; check pinned to app ${APP_ID}`,
      "main (production): would change 3 setting(s):",
      "  - require branches to be up to date before merging (strict): off → on",
      `  - add required check "branch-steward / main" (app ${APP_ID})`,
      "  - require pull request reviews: 2 approval(s)",
      "develop (development): would change 4 setting(s):",
      "  - enable branch protection (the branch is not protected)",
      "  - require status checks to pass",
      `  - add required check "branch-steward / develop" (app ${APP_ID})`,
      "  - require pull request reviews: 1 approval(s)",
      "dry run: nothing was written",
    ]);
    expect(repo.state.protection.get("main")).toEqual({ requiredChecks: ["ci / test"], strict: false });
    expect(repo.state.protection.has("develop")).toBe(false);
  });

  it("keeps the team's existing required checks and settings", async () => {
    const admin = installationOctokit(twin);
    await admin.request("PUT /repos/{owner}/{repo}/branches/{branch}/protection", {
      owner: "acme",
      repo: "model",
      branch: "main",
      required_status_checks: { strict: false, checks: [{ context: "ci / test", app_id: 15368 }, { context: "lint" }] },
      enforce_admins: true,
      required_pull_request_reviews: { required_approving_review_count: 1, require_code_owner_reviews: true },
      restrictions: null,
      allow_force_pushes: true,
      required_linear_history: true,
    } as never);

    const io = sink();
    expect(await protect(options(), io)).toBe(0);
    const main = await protectionOf("main");
    expect(main.required_status_checks).toMatchObject({
      strict: true,
      checks: [
        { context: "ci / test", app_id: 15368 },
        { context: "lint", app_id: null },
        { context: "branch-steward / main", app_id: APP_ID },
      ],
    });
    expect(main.required_pull_request_reviews).toMatchObject({ required_approving_review_count: 2, require_code_owner_reviews: true });
    expect(main.enforce_admins).toMatchObject({ enabled: true });
    expect(main.required_linear_history).toEqual({ enabled: true });
    expect(main.allow_force_pushes).toEqual({ enabled: false });
    expect(io.lines).toContain("  - allow force pushes: on → off");

    const mark = twin.requests.length;
    expect(await protect(options(), sink())).toBe(0);
    expect(writes(mark)).toEqual([]);
  });

  it("authenticates as the app through the repo's installation, and takes the app id from GET /app", async () => {
    const io = sink();
    const code = await protect(options({ auth: { kind: "app", appId: String(APP_ID), privateKey: appKeys().privateKey }, appId: undefined }), io);
    expect(io.errors).toEqual([]);
    expect(code).toBe(0);
    const routes = twin.requests.map((r) => r.route);
    expect(routes).toContain("GET /app");
    expect(routes).toContain("GET /repos/{owner}/{repo}/installation");
    expect((await protectionOf("main")).required_status_checks).toMatchObject({ checks: [{ context: "branch-steward / main", app_id: APP_ID }] });
  });

  it("uses the defaults without a config file", async () => {
    const bare = twin.createRepo({ owner: "acme", name: "bare", defaultBranch: "production", files: { "README.md": "r\n" } });
    bare.createBranch("development", "production");
    const mark = twin.requests.length;
    const io = sink();
    expect(await protect(options({ repo: "bare" }), io)).toBe(0);
    expect(io.lines[0]).toContain("no .github/branch-steward.yml, using the defaults");
    // As the app: the repository's file, then the owner's .github repository (here: neither exists).
    const reads = twin.requests.slice(mark).filter((r) => r.path.includes("/contents/")).map((r) => `${r.status} ${r.path}`);
    expect(reads).toEqual([`404 /repos/acme/bare/contents/.github%2Fbranch-steward.yml`, `404 /repos/acme/.github/contents/.github%2Fbranch-steward.yml`]);
    expect(bare.state.protection.get("production")).toMatchObject({ requiredChecks: ["branch-steward / production"], strict: true });
    expect(bare.state.protection.get("development")?.reviews?.requiredApprovingReviewCount).toBe(1);
  });

  it("exits 2 with the issues of a bad config, and writes nothing", async () => {
    repo.commit("main", { message: "bad", files: { ".github/branch-steward.yml": "branches:\n  production: 12 3\nprotection:\n  main: { required_approvals: 9 }\n" }, author: "alice" });
    const mark = twin.requests.length;
    const io = sink();
    expect(await protect(options(), io)).toBe(2);
    // The app's one invalid-config text (render/config.ts), with the CLI's way to retry.
    expect(io.errors[0]).toBe("configuration error: 2 problems in .github/branch-steward.yml");
    expect(io.errors[1]).toMatch(/^`\.github\/branch-steward\.yml` is invalid: .*Fix `\.github\/branch-steward\.yml` on the default branch .*, then run the command again\.$/);
    expect(io.errors).toHaveLength(2);
    expect(io.errors.join("\n")).toContain("protection.main.required_approvals");
    expect(io.errors.join("\n")).toContain("branches.production");
    expect(writes(mark)).toEqual([]);

    repo.commit("main", { message: "yaml", files: { ".github/branch-steward.yml": "branches: [unclosed\n" }, author: "alice" });
    const yaml = sink();
    expect(await protect(options(), yaml)).toBe(2);
    expect(yaml.errors.join("\n")).toContain("(invalid YAML)");
  });

  it("reads the configuration as the app does: the owner's .github repository when the repo has no file", async () => {
    const bare = twin.createRepo({ owner: "acme", name: "bare", defaultBranch: "main", files: { "README.md": "r\n" } });
    bare.createBranch("develop", "main");
    twin.createRepo({ owner: "acme", name: ".github", defaultBranch: "main", files: { ".github/branch-steward.yml": CONFIG } });
    const mark = twin.requests.length;
    const io = sink();
    expect(await protect(options({ repo: "bare", dryRun: true }), io)).toBe(0);
    expect(io.errors).toEqual([]);
    const reads = twin.requests.slice(mark).filter((r) => r.path.includes("/contents/")).map((r) => `${r.status} ${r.path}`);
    expect(reads).toEqual([`404 /repos/acme/bare/contents/.github%2Fbranch-steward.yml`, `200 /repos/acme/.github/contents/.github%2Fbranch-steward.yml`]);
    expect(io.lines).toContain("main (production): would change 5 setting(s):");
    expect(io.lines).toContain("  - require pull request reviews: 2 approval(s)");
  });

  it("follows _extends to another repository of the owner; the repository's own keys win", async () => {
    twin.createRepo({ owner: "acme", name: "shared", defaultBranch: "main", files: { "flow.yml": CONFIG } });
    repo.commit("main", { message: "extend", files: { ".github/branch-steward.yml": "_extends: shared:flow.yml\nprotection:\n  \"{production}\": { required_approvals: 3 }\n" }, author: "alice" });
    const io = sink();
    expect(await protect(options({ dryRun: true }), io)).toBe(0);
    expect(io.errors).toEqual([]);
    // Branch names come from the extended file (main/develop, not the defaults); approvals from the repository's own.
    expect(io.lines).toContain("main (production): would change 5 setting(s):");
    expect(io.lines).toContain("  - require pull request reviews: 3 approval(s)");
    expect(io.lines).toContain("develop (development): would change 4 setting(s):");
    expect(io.lines).toContain("  - require pull request reviews: 1 approval(s)");
  });

  it("exits 2 when _extends leaves the owner, and reads nothing of the other owner", async () => {
    twin.createRepo({ owner: "evil", name: "shared", defaultBranch: "main", files: { ".github/branch-steward.yml": CONFIG } });
    repo.commit("main", { message: "extend", files: { ".github/branch-steward.yml": "_extends: evil/shared\n" }, author: "alice" });
    const mark = twin.requests.length;
    const io = sink();
    expect(await protect(options(), io)).toBe(2);
    expect(io.errors[0]).toBe("configuration error: 1 problem in .github/branch-steward.yml");
    expect(io.errors.join("\n")).toContain("`_extends`: \"evil/shared\" names a repository of evil, another owner");
    expect(twin.requests.slice(mark).some((r) => r.path.includes("/evil/"))).toBe(false);
    expect(writes(mark)).toEqual([]);
  });

  it("exits 1 when a branch does not exist", async () => {
    repo.deleteBranch("develop");
    const io = sink();
    expect(await protect(options({ dryRun: true }), io)).toBe(1);
    expect(io.errors.join("\n")).toContain('branch "develop" of acme/model: Branch not found');
  });
});

describe("command line", () => {
  it("parses arguments and the environment", () => {
    expect(optionsFrom(["--repo", "acme/model", "--dry-run"], { GITHUB_TOKEN: "t", APP_ID: "7", GITHUB_API_URL: "http://x/" })).toEqual({
      owner: "acme",
      repo: "model",
      dryRun: true,
      auth: { kind: "token", token: "t" },
      appId: 7,
      apiUrl: "http://x",
    });
    expect(optionsFrom(["--repo", "a/b", "--app-id", "9", "--api-url", "http://y"], { GH_TOKEN: "g" })).toMatchObject({
      auth: { kind: "token", token: "g" },
      appId: 9,
      apiUrl: "http://y",
    });
    expect(optionsFrom(["--repo", "a/b"], { APP_ID: "Iv1.abc", PRIVATE_KEY: "-----KEY\\nX" })).toEqual({
      owner: "a",
      repo: "b",
      dryRun: false,
      auth: { kind: "app", appId: "Iv1.abc", privateKey: "-----KEY\nX" },
    });
  });

  it("rejects bad usage with exit code 2", async () => {
    for (const [argv, env, message] of [
      [["protect"], { GITHUB_TOKEN: "t", APP_ID: "1" }, "--repo owner/name is required"],
      [["protect", "--repo", "nope"], { GITHUB_TOKEN: "t", APP_ID: "1" }, "--repo must be owner/name"],
      [["protect", "--repo", "a/b"], {}, "no credentials"],
      [["protect", "--repo", "a/b"], { GITHUB_TOKEN: "t" }, "pass --app-id or set APP_ID"],
      [["protect", "--repo", "a/b", "--bogus"], { GITHUB_TOKEN: "t", APP_ID: "1" }, "--bogus"],
      [["frobnicate"], {}, 'unknown command "frobnicate"'],
    ] as const) {
      const io = sink();
      expect(await cli(argv, env, io)).toBe(2);
      expect(io.errors.join("\n")).toContain(message);
    }
    const help = sink();
    expect(await cli(["protect", "--help"], {}, help)).toBe(0);
    expect(help.lines[0]).toMatch(/^Usage: branch-steward protect --repo owner\/name \[--dry-run\]/);
  });

  it("runs end to end through cli()", async () => {
    const io = sink();
    expect(await cli(["protect", "--repo", "acme/model", "--api-url", twin.url], { GITHUB_TOKEN: token, APP_ID: String(APP_ID) }, io)).toBe(0);
    expect(repo.state.protection.get("develop")?.checkApps).toEqual({ "branch-steward / develop": APP_ID });
  });
});

describe("twin branch protection routes", () => {
  it("answers like GitHub for unprotected branches, missing branches and bad bodies", async () => {
    const octokit = installationOctokit(twin);
    const at = { owner: "acme", repo: "model" };
    const fail = async (p: Promise<unknown>) => p.then(() => ({ status: 0, message: "" }), (e: { status: number; response: { data: { message: string } } }) => ({ status: e.status, message: e.response.data.message }));
    expect(await fail(octokit.rest.repos.getBranchProtection({ ...at, branch: "main" }))).toEqual({ status: 404, message: "Branch not protected" });
    expect(await fail(octokit.rest.repos.getBranchProtection({ ...at, branch: "nope" }))).toEqual({ status: 404, message: "Branch not found" });
    const put = (body: Record<string, unknown>) => fail(octokit.request("PUT /repos/{owner}/{repo}/branches/{branch}/protection", { ...at, branch: "main", ...body } as never));
    const base = { enforce_admins: null, required_pull_request_reviews: null, restrictions: null };
    expect((await put({ ...base, required_status_checks: { strict: true, contexts: ["a"], checks: [{ context: "a" }] } })).status).toBe(422);
    expect((await put({ ...base, required_status_checks: { strict: true } })).status).toBe(422);
    expect((await put({ required_status_checks: null, enforce_admins: null, required_pull_request_reviews: null })).status).toBe(422);
    expect(await put({ ...base, required_status_checks: { strict: true, contexts: ["legacy"] } })).toEqual({ status: 0, message: "" });
    const { data } = await octokit.rest.repos.getBranchProtection({ ...at, branch: "main" });
    expect(data.required_status_checks).toMatchObject({ strict: true, contexts: ["legacy"], checks: [{ context: "legacy", app_id: null }] });
    expect(data.required_pull_request_reviews).toBeUndefined();
    expect(data.enforce_admins).toMatchObject({ enabled: false });
    // The existing model drives mergeability and the branch JSON.
    expect((await octokit.rest.repos.getBranch({ ...at, branch: "main" })).data.protected).toBe(true);
    expect(await put({ ...base, required_status_checks: null })).toEqual({ status: 0, message: "" });
    expect((await octokit.rest.repos.getBranchProtection({ ...at, branch: "main" })).data.required_status_checks).toBeUndefined();
    expect(repo.state.protection.get("main")).toMatchObject({ requiredChecks: [], strict: false, statusChecksEnabled: false });
  });
});
