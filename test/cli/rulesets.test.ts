/** `branch-steward protect --rulesets` against the GitHub twin, in-process. */
import { Octokit } from "@octokit/rest";
import { cli, optionsFrom, protect, type Io, type ProtectOptions } from "../../src/cli/protect.js";
import { orgRulesetsOf, rulesetStateOf, type RepoHandle, type Twin, type TwinRuleset } from "../../tools/twin/index.js";
import { contractPlugin } from "../support/contract.js";
import { APP_ID, appOctokit, errorOf, installationOctokit, twinWith } from "../twin/helpers.js";

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
  return {
    owner: "acme",
    repo: "model",
    dryRun: false,
    rulesets: true,
    auth: { kind: "token", token },
    appId: APP_ID,
    apiUrl: twin.url,
    Octokit: Recording,
    ...overrides,
  };
}

const byName = (name: string): TwinRuleset | undefined => [...rulesetStateOf(repo.state).rulesets.values()].find((r) => r.name === name);

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

describe("branch-steward protect --rulesets", () => {
  it("writes one ruleset per branch and one for the version tags, then a second run writes nothing", async () => {
    const io = sink();
    expect(await protect(options(), io)).toBe(0);
    expect(io.errors).toEqual([]);
    expect(writes(0).map((w) => w.route)).toEqual(Array(3).fill("POST /repos/{owner}/{repo}/rulesets"));

    const production = byName("branch-steward (production)");
    expect(production).toMatchObject({ target: "branch", enforcement: "active", conditions: { ref_name: { include: ["refs/heads/main"], exclude: [] } } });
    expect(production?.rules).toEqual([
      {
        type: "pull_request",
        parameters: {
          dismiss_stale_reviews_on_push: false,
          require_code_owner_review: false,
          require_last_push_approval: false,
          required_review_thread_resolution: false,
          required_approving_review_count: 2,
          allowed_merge_methods: ["merge"],
        },
      },
      {
        type: "required_status_checks",
        parameters: { strict_required_status_checks_policy: true, required_status_checks: [{ context: "branch-steward / main", integration_id: APP_ID }] },
      },
      { type: "non_fast_forward" },
      { type: "deletion" },
    ]);
    const development = byName("branch-steward (development)");
    expect(development?.conditions).toEqual({ ref_name: { include: ["refs/heads/develop"], exclude: [] } });
    expect(development?.rules[0]?.parameters).toMatchObject({ required_approving_review_count: 1 });
    expect(development?.rules[0]?.parameters).not.toHaveProperty("allowed_merge_methods");
    expect(development?.rules[1]?.parameters).toEqual({
      strict_required_status_checks_policy: false,
      required_status_checks: [{ context: "branch-steward / develop", integration_id: APP_ID }],
    });

    // The tag ruleset: only the app (bypass actor Integration, always) may create, move or delete v* tags.
    const tags = byName("branch-steward (version tags)");
    expect(tags).toMatchObject({
      target: "tag",
      enforcement: "active",
      conditions: { ref_name: { include: ["refs/tags/v*"], exclude: [] } },
      bypassActors: [{ actor_id: APP_ID, actor_type: "Integration", bypass_mode: "always" }],
      rules: [{ type: "creation" }, { type: "update" }, { type: "deletion" }],
    });

    // GitHub's own view: the rules in effect on main.
    const { data: effective } = await installationOctokit(twin).rest.repos.getBranchRules({ owner: "acme", repo: "model", branch: "main" });
    expect(effective.map((r) => r.type)).toEqual(["pull_request", "required_status_checks", "non_fast_forward", "deletion"]);

    const mark = twin.requests.length;
    const again = sink();
    expect(await protect(options(), again)).toBe(0);
    expect(writes(mark)).toEqual([]);
    expect(again.lines).toEqual([
      `acme/model: .github/branch-steward.yml; check pinned to app ${APP_ID}`,
      'ruleset "branch-steward (production)" (main): up to date, nothing to change',
      'ruleset "branch-steward (development)" (develop): up to date, nothing to change',
      'ruleset "branch-steward (version tags)" (refs/tags/v*): up to date, nothing to change',
    ]);
  });

  it("the tag ruleset holds: only the app creates, moves or deletes version tags; other tags stay free", async () => {
    expect(await protect(options(), sink())).toBe(0);
    const head = repo.branchHead("main") as string;
    // A person cannot create a version tag …
    expect(() => repo.tag("v2.0.0", head)).toThrow(/Cannot create ref due to creations being restricted/);
    // … but may create any other tag.
    expect(() => repo.tag("nightly-1", head)).not.toThrow();
    // The app (its installation) is the ruleset's bypass actor.
    const app = installationOctokit(twin);
    await app.rest.git.createRef({ owner: "acme", repo: "model", ref: "refs/tags/v2.0.0", sha: head });
    expect(repo.ref("refs/tags/v2.0.0")).toBe(head);
    // Without the bypass, the app is refused as GitHub refuses it.
    const tags = byName("branch-steward (version tags)") as TwinRuleset;
    tags.bypassActors = [];
    expect(await errorOf(app.rest.git.deleteRef({ owner: "acme", repo: "model", ref: "tags/v2.0.0" }))).toMatchObject({
      status: 422,
      data: { message: "Repository rule violations found\n\nCannot delete ref due to deletions being restricted.\n\n" },
    });
  });

  it("--dry-run prints the diff and writes nothing", async () => {
    const mark = twin.requests.length;
    const io = sink();
    expect(await protect(options({ dryRun: true }), io)).toBe(0);
    expect(writes(mark)).toEqual([]);
    expect(io.lines).toEqual([
      `acme/model: .github/branch-steward.yml; check pinned to app ${APP_ID}`,
      'ruleset "branch-steward (production)" (main): would change 1 setting(s):',
      "  - create the ruleset",
      'ruleset "branch-steward (development)" (develop): would change 1 setting(s):',
      "  - create the ruleset",
      'ruleset "branch-steward (version tags)" (refs/tags/v*): would change 1 setting(s):',
      "  - create the ruleset",
      "dry run: nothing was written",
    ]);
    expect(rulesetStateOf(repo.state).rulesets.size).toBe(0);
  });

  it("updates our ruleset in place, keeping the team's rules (unknown types too), checks and bypass actors", async () => {
    const admin = installationOctokit(twin);
    const { data: created } = await admin.request("POST /repos/{owner}/{repo}/rulesets", {
      owner: "acme",
      repo: "model",
      name: "branch-steward (production)",
      enforcement: "evaluate",
      bypass_actors: [{ actor_id: 5, actor_type: "RepositoryRole", bypass_mode: "pull_request" }],
      conditions: { ref_name: { include: ["refs/heads/main"], exclude: [] } },
      rules: [
        { type: "required_signatures" },
        {
          type: "required_status_checks",
          parameters: { strict_required_status_checks_policy: false, do_not_enforce_on_create: true, required_status_checks: [{ context: "ci / test", integration_id: 15368 }, { context: "branch-steward / main" }] },
        },
        { type: "pull_request", parameters: { dismiss_stale_reviews_on_push: true, require_code_owner_review: true, require_last_push_approval: false, required_approving_review_count: 1, required_review_thread_resolution: false, automatic_copilot_code_review_enabled: true } },
        { type: "future_rule_nobody_knows", parameters: { answer: 42 } },
      ],
    } as never);
    // Another ruleset of the team, and an organization ruleset: never written.
    const { data: other } = await admin.request("POST /repos/{owner}/{repo}/rulesets", {
      owner: "acme",
      repo: "model",
      name: "team: linear history",
      enforcement: "active",
      conditions: { ref_name: { include: ["~DEFAULT_BRANCH"], exclude: [] } },
      rules: [{ type: "required_linear_history" }],
    } as never);
    const otherBefore = structuredClone(rulesetStateOf(repo.state).rulesets.get(other.id));
    orgRulesetsOf(repo.state.owner).push({
      id: 9001,
      name: "acme: signed commits",
      target: "branch",
      source: "acme",
      sourceType: "Organization",
      enforcement: "active",
      bypassActors: [],
      conditions: { ref_name: { include: ["~ALL"], exclude: [] }, repository_name: { include: ["~ALL"], exclude: [] } },
      rules: [{ type: "required_signatures" }],
      createdAt: "2025-01-01T00:00:00Z",
      updatedAt: "2025-01-01T00:00:00Z",
    });

    const dry = sink();
    expect(await protect(options({ dryRun: true }), dry)).toBe(0);
    expect(dry.lines.slice(1, 10)).toEqual([
      'ruleset "branch-steward (production)" (main): would change 7 setting(s):',
      "  - enforcement: evaluate → active",
      "  - required_status_checks.strict_required_status_checks_policy: false → true",
      `  - pin required check "branch-steward / main" to app ${APP_ID} (was any source)`,
      "  - pull_request.required_approving_review_count: 1 → 2",
      '  - pull_request.allowed_merge_methods: unset → ["merge"]',
      "  - add rule non_fast_forward",
      "  - add rule deletion",
      'ruleset "branch-steward (development)" (develop): would change 1 setting(s):',
    ]);
    expect(dry.lines).toContain('2 other ruleset(s) left as they are: "team: linear history" (repository), "acme: signed commits" (acme)');

    const mark = twin.requests.length;
    expect(await protect(options(), sink())).toBe(0);
    expect(writes(mark).map((w) => `${w.method} ${w.path}`)).toEqual([
      `PUT /repos/acme/model/rulesets/${created.id}`,
      "POST /repos/acme/model/rulesets",
      "POST /repos/acme/model/rulesets",
    ]);
    const production = rulesetStateOf(repo.state).rulesets.get(created.id);
    expect(production?.enforcement).toBe("active");
    expect(production?.bypassActors).toEqual([{ actor_id: 5, actor_type: "RepositoryRole", bypass_mode: "pull_request" }]);
    expect(production?.rules).toEqual([
      { type: "required_signatures" },
      {
        type: "required_status_checks",
        parameters: {
          strict_required_status_checks_policy: true,
          do_not_enforce_on_create: true,
          required_status_checks: [{ context: "ci / test", integration_id: 15368 }, { context: "branch-steward / main", integration_id: APP_ID }],
        },
      },
      {
        type: "pull_request",
        parameters: {
          dismiss_stale_reviews_on_push: true,
          require_code_owner_review: true,
          require_last_push_approval: false,
          required_approving_review_count: 2,
          required_review_thread_resolution: false,
          automatic_copilot_code_review_enabled: true,
          allowed_merge_methods: ["merge"],
        },
      },
      { type: "future_rule_nobody_knows", parameters: { answer: 42 } },
      { type: "non_fast_forward" },
      { type: "deletion" },
    ]);
    expect(rulesetStateOf(repo.state).rulesets.get(other.id)).toEqual(otherBefore);
    expect(orgRulesetsOf(repo.state.owner)).toHaveLength(1);

    const again = twin.requests.length;
    expect(await protect(options(), sink())).toBe(0);
    expect(writes(again)).toEqual([]);
  });

  it("adds the app as a bypass actor of an existing tag ruleset, keeping the team's actors", async () => {
    const admin = installationOctokit(twin);
    await admin.request("POST /repos/{owner}/{repo}/rulesets", {
      owner: "acme",
      repo: "model",
      name: "branch-steward (version tags)",
      target: "tag",
      enforcement: "active",
      bypass_actors: [{ actor_id: 1, actor_type: "OrganizationAdmin", bypass_mode: "always" }, { actor_id: APP_ID, actor_type: "Integration", bypass_mode: "pull_request" }],
      conditions: { ref_name: { include: ["refs/tags/v*"], exclude: [] } },
      rules: [{ type: "deletion" }],
    } as never);
    const io = sink();
    expect(await protect(options(), io)).toBe(0);
    expect(io.lines).toContain('ruleset "branch-steward (version tags)" (refs/tags/v*): changed 3 setting(s):');
    expect(io.lines).toContain("  - add rule creation");
    expect(io.lines).toContain("  - add rule update");
    expect(io.lines).toContain(`  - bypass actor app ${APP_ID} (always): mode pull_request → always`);
    expect(byName("branch-steward (version tags)")?.bypassActors).toEqual([
      { actor_id: 1, actor_type: "OrganizationAdmin", bypass_mode: "always" },
      { actor_id: APP_ID, actor_type: "Integration", bypass_mode: "always" },
    ]);
    expect(byName("branch-steward (version tags)")?.rules.map((r) => r.type)).toEqual(["deletion", "creation", "update"]);
  });

  it("writes no tag ruleset when releases are off, and follows the tag prefix", async () => {
    repo.commit("main", { message: "no releases", files: { ".github/branch-steward.yml": `${CONFIG}release:\n  enabled: false\n` }, author: "alice" });
    expect(await protect(options(), sink())).toBe(0);
    expect(byName("branch-steward (version tags)")).toBeUndefined();

    repo.commit("main", { message: "prefix", files: { ".github/branch-steward.yml": `${CONFIG}release:\n  tag_prefix: model-\n` }, author: "alice" });
    expect(await protect(options(), sink())).toBe(0);
    expect(byName("branch-steward (version tags)")?.conditions).toEqual({ ref_name: { include: ["refs/tags/model-*"], exclude: [] } });
  });

  it("says which ruleset GitHub refused to write, keeps the others applied, and exits 1", async () => {
    // Our tag ruleset carries a rule GitHub refuses when it is sent back (an approval count over 10): a 422.
    rulesetStateOf(repo.state).rulesets.set(77, {
      id: 77,
      name: "branch-steward (version tags)",
      target: "tag",
      source: "acme/model",
      sourceType: "Repository",
      enforcement: "active",
      bypassActors: [],
      conditions: { ref_name: { include: ["refs/tags/v*"], exclude: [] } },
      rules: [{ type: "pull_request", parameters: { required_approving_review_count: 99 } }],
      createdAt: "2025-01-01T00:00:00Z",
      updatedAt: "2025-01-01T00:00:00Z",
    });
    const io = sink();
    expect(await protect(options(), io)).toBe(1);
    expect(io.errors).toEqual([expect.stringMatching(/^ruleset "branch-steward \(version tags\)" \(refs\/tags\/v\*\): GitHub refused to write it \(HTTP 422: Validation Failed\); the other rulesets are applied$/)]);
    expect(byName("branch-steward (production)")).toBeDefined();
    expect(byName("branch-steward (development)")).toBeDefined();
  });

  it("without admin rights: exits 1 and names the refusal, writes nothing", async () => {
    rulesetStateOf(repo.state).admin = false;
    const io = sink();
    expect(await protect(options(), io)).toBe(1);
    expect(io.errors.filter((e) => e.includes("HTTP 403: Resource not accessible by integration"))).toHaveLength(3);
    expect(rulesetStateOf(repo.state).rulesets.size).toBe(0);
  });

  it("parses --rulesets, and runs through cli()", async () => {
    expect(optionsFrom(["--repo", "a/b", "--rulesets"], { GITHUB_TOKEN: "t", APP_ID: "7" })).toMatchObject({ rulesets: true });
    expect(optionsFrom(["--repo", "a/b"], { GITHUB_TOKEN: "t", APP_ID: "7" })).not.toHaveProperty("rulesets");
    const io = sink();
    expect(await cli(["protect", "--rulesets", "--repo", "acme/model", "--api-url", twin.url], { GITHUB_TOKEN: token, APP_ID: String(APP_ID) }, io)).toBe(0);
    expect(rulesetStateOf(repo.state).rulesets.size).toBe(3);
    // Classic protection was not touched.
    expect(repo.state.protection.size).toBe(0);
  });
});

describe("twin rulesets routes", () => {
  it("answers like GitHub: unique names, required parameters, org rulesets read-only, 404s", async () => {
    const octokit = installationOctokit(twin);
    const at = { owner: "acme", repo: "model" };
    const base = { ...at, name: "x", enforcement: "active", conditions: { ref_name: { include: ["refs/heads/main"], exclude: [] } } };
    await octokit.request("POST /repos/{owner}/{repo}/rulesets", { ...base, rules: [{ type: "deletion" }] } as never);
    expect(await errorOf(octokit.request("POST /repos/{owner}/{repo}/rulesets", { ...base, rules: [] } as never))).toMatchObject({ status: 422, data: { errors: ["Name must be unique"] } });
    expect((await errorOf(octokit.request("POST /repos/{owner}/{repo}/rulesets", { ...base, name: "y", rules: [{ type: "pull_request", parameters: { required_approving_review_count: 1 } }] } as never))).status).toBe(422);
    expect((await errorOf(octokit.request("POST /repos/{owner}/{repo}/rulesets", { ...base, name: "z", enforcement: "on" } as never))).status).toBe(422);
    expect((await errorOf(octokit.request("GET /repos/{owner}/{repo}/rulesets/{ruleset_id}", { ...at, ruleset_id: 123456 }))).status).toBe(404);
    expect((await errorOf(octokit.request("POST /orgs/{org}/rulesets", { org: "acme", name: "o", enforcement: "active" } as never))).status).toBe(403);

    // Evaluate-mode and non-matching rulesets are not in effect; ~DEFAULT_BRANCH and ** match.
    await octokit.request("POST /repos/{owner}/{repo}/rulesets", { ...base, name: "eval", enforcement: "evaluate", rules: [{ type: "non_fast_forward" }] } as never);
    await octokit.request("POST /repos/{owner}/{repo}/rulesets", { ...base, name: "default", conditions: { ref_name: { include: ["~DEFAULT_BRANCH"], exclude: [] } }, rules: [{ type: "required_linear_history" }] } as never);
    await octokit.request("POST /repos/{owner}/{repo}/rulesets", { ...base, name: "release", conditions: { ref_name: { include: ["refs/heads/release/**"], exclude: [] } }, rules: [{ type: "creation" }] } as never);
    const types = async (branch: string) => (await octokit.rest.repos.getBranchRules({ ...at, branch })).data.map((r) => r.type);
    expect(await types("main")).toEqual(["deletion", "required_linear_history"]);
    expect(await types("develop")).toEqual([]);
    expect(await types("release/1/x")).toEqual(["creation"]);
    const list = (await octokit.request("GET /repos/{owner}/{repo}/rulesets", at)).data;
    expect(list.map((r) => r.name)).toEqual(["x", "eval", "default", "release"]);
    expect(list[0]).not.toHaveProperty("rules");
  });
});
