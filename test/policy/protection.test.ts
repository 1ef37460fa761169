import { DEFAULT_COMPILED, parseConfig } from "../../src/config/parse.js";
import { compileConfig, type CompiledConfig } from "../../src/config/compile.js";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import {
  desiredProtection,
  diffProtection,
  fromGitHub,
  protectionIssues,
  protectionRuleFor,
  toGitHubRequest,
  UNPROTECTED,
  type Protection,
} from "../../src/policy/protection.js";

const APP = 4242;

function config(raw: Record<string, unknown>): CompiledConfig {
  const result = parseConfig(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

const byBranch = (plans: ReturnType<typeof desiredProtection>) => Object.fromEntries(plans.map((p) => [p.branch, p.desired]));

describe("desiredProtection", () => {
  it("protects production and development with the defaults", () => {
    const plans = desiredProtection(DEFAULT_COMPILED, APP, {});
    expect(plans.map((p) => [p.branch, p.role])).toEqual([
      ["production", "production"],
      ["development", "development"],
    ]);
    const { production, development } = byBranch(plans) as Record<string, Protection>;
    expect(production?.statusChecks).toEqual({ strict: true, checks: [{ context: "branch-steward / production", appId: APP }] });
    expect(production?.reviews?.requiredApprovals).toBe(2);
    expect(production?.allowForcePushes).toBe(false);
    expect(production?.allowDeletions).toBe(false);
    expect(development?.statusChecks).toEqual({ strict: false, checks: [{ context: "branch-steward / development", appId: APP }] });
    expect(development?.reviews?.requiredApprovals).toBe(1);
  });

  it("uses the configured branch names, placeholders in protection keys and up_to_date patterns", () => {
    const c = config({
      branches: { production: "main", development: "dev" },
      up_to_date: ["{production}", "{development}"],
      protection: { "{production}": { required_approvals: 3 }, dev: { required_approvals: 0 } },
    });
    const plans = byBranch(desiredProtection(c, APP, {}));
    expect(plans.main?.statusChecks).toEqual({ strict: true, checks: [{ context: "branch-steward / main", appId: APP }] });
    expect(plans.main?.reviews?.requiredApprovals).toBe(3);
    expect(plans.dev?.statusChecks?.strict).toBe(true);
    expect(plans.dev?.reviews?.requiredApprovals).toBe(0);
  });

  it("prefers an exact key over a pattern, and leaves reviews alone where no key applies", () => {
    const c = config({ protection: { "*": { required_approvals: 1 }, "{production}": { required_approvals: 4 } } });
    expect(protectionRuleFor(c, "production")).toEqual({ required_approvals: 4 });
    expect(protectionRuleFor(c, "development")).toEqual({ required_approvals: 1 });
    const only = config({ protection: { "{production}": { required_approvals: 2 } } });
    const reviews = { ...fromGitHub({ required_pull_request_reviews: { required_approving_review_count: 5 } }) };
    const plans = byBranch(desiredProtection(only, APP, { development: reviews }));
    expect(plans.development?.reviews?.requiredApprovals).toBe(5);
  });

  it("reports protection keys that are not valid patterns", () => {
    const protection = { "{nope}": { required_approvals: 1 } };
    expect(protectionIssues(compileConfig({ ...DEFAULT_CONFIG, protection }))).toEqual([
      { path: "protection.{nope}", message: expect.stringContaining("{nope}") },
    ]);
    // The file itself is invalid at that key, so the app fails closed on it too.
    expect(parseConfig({ protection })).toMatchObject({ ok: false, issues: [{ path: "protection.{nope}", message: expect.stringContaining("{nope}") }] });
    expect(protectionIssues(DEFAULT_COMPILED)).toEqual([]);
  });

  it("keeps other required checks and unmanaged settings, and pins the app's check", () => {
    const current = fromGitHub({
      required_status_checks: {
        strict: false,
        contexts: ["ci / test", "branch-steward / production", "lint"],
        checks: [
          { context: "ci / test", app_id: 15368 },
          { context: "branch-steward / production", app_id: null },
          { context: "lint", app_id: null },
        ],
      },
      required_pull_request_reviews: { required_approving_review_count: 1, dismiss_stale_reviews: true, require_code_owner_reviews: true },
      enforce_admins: { enabled: true },
      required_linear_history: { enabled: true },
      allow_force_pushes: { enabled: true },
      allow_deletions: { enabled: false },
      restrictions: { users: [{ login: "octocat" }], teams: [{ slug: "release" }], apps: [] },
    });
    const desired = byBranch(desiredProtection(DEFAULT_COMPILED, APP, { production: current })).production as Protection;
    expect(desired.statusChecks).toEqual({
      strict: true,
      checks: [
        { context: "ci / test", appId: 15368 },
        { context: "lint", appId: null },
        { context: "branch-steward / production", appId: APP },
      ],
    });
    expect(desired.reviews).toMatchObject({ requiredApprovals: 2, dismissStaleReviews: true, requireCodeOwnerReviews: true });
    expect(desired.enforceAdmins).toBe(true);
    expect(desired.requiredLinearHistory).toBe(true);
    expect(desired.restrictions).toEqual({ users: ["octocat"], teams: ["release"], apps: [] });
    expect(desired.allowForcePushes).toBe(false);

    expect(diffProtection(current, desired)).toEqual([
      "require branches to be up to date before merging (strict): off → on",
      `pin required check "branch-steward / production" to app ${APP} (was any source)`,
      "required approvals: 1 → 2",
      "allow force pushes: on → off",
    ]);
  });
});

describe("diffProtection", () => {
  it("describes protecting an unprotected branch", () => {
    const desired = byBranch(desiredProtection(DEFAULT_COMPILED, APP, {})).production as Protection;
    expect(diffProtection(null, desired)).toEqual([
      "enable branch protection (the branch is not protected)",
      "require status checks to pass",
      "require branches to be up to date before merging (strict): off → on",
      `add required check "branch-steward / production" (app ${APP})`,
      "require pull request reviews: 2 approval(s)",
    ]);
  });

  it("is empty for equal protections, whatever the check order", () => {
    const a: Protection = {
      ...UNPROTECTED,
      statusChecks: {
        strict: true,
        checks: [
          { context: "a", appId: null },
          { context: "b", appId: 1 },
        ],
      },
    };
    const b: Protection = { ...a, statusChecks: { strict: true, checks: [...(a.statusChecks?.checks ?? [])].reverse() } };
    expect(diffProtection(a, b)).toEqual([]);
  });

  it("running twice changes nothing", () => {
    const configs = [
      DEFAULT_COMPILED,
      config({ branches: { production: "main", development: "dev" }, up_to_date: [], protection: { "/^(main|dev)$/": { required_approvals: 6 } } }),
    ];
    const currents = [
      {},
      {
        production: fromGitHub({ required_status_checks: { strict: false, contexts: ["ci"], checks: [{ context: "ci", app_id: 7 }] }, allow_deletions: { enabled: true } }),
        main: fromGitHub({ enforce_admins: { enabled: true }, required_pull_request_reviews: { required_approving_review_count: 2 } }),
      },
    ];
    for (const c of configs) {
      for (const current of currents) {
        const first = desiredProtection(c, APP, current);
        const applied = Object.fromEntries(first.map((p) => [p.branch, p.desired]));
        // Through GitHub's shapes, as the twin or GitHub would store and return it.
        const roundTripped = Object.fromEntries(first.map((p) => [p.branch, fromGitHub(echo(toGitHubRequest(p.desired)))]));
        for (const again of [applied, roundTripped]) {
          for (const plan of desiredProtection(c, APP, again)) {
            expect(diffProtection(again[plan.branch] ?? null, plan.desired)).toEqual([]);
            expect(diffProtection(plan.desired, applied[plan.branch] as Protection)).toEqual([]);
          }
        }
      }
    }
  });
});

describe("GitHub shapes", () => {
  it("sends checks only (never contexts), any source as app_id -1, and every required key", () => {
    const body = toGitHubRequest({
      ...UNPROTECTED,
      statusChecks: {
        strict: true,
        checks: [
          { context: "ci", appId: null },
          { context: "branch-steward / production", appId: APP },
        ],
      },
    });
    expect(body).toMatchObject({
      required_status_checks: {
        strict: true,
        checks: [
          { context: "ci", app_id: -1 },
          { context: "branch-steward / production", app_id: APP },
        ],
      },
      enforce_admins: false,
      required_pull_request_reviews: null,
      restrictions: null,
      allow_force_pushes: false,
      allow_deletions: false,
    });
    expect(body.required_status_checks).not.toHaveProperty("contexts");
  });

  it("reads legacy contexts that have no checks entry", () => {
    expect(fromGitHub({ required_status_checks: { strict: false, contexts: ["old"], checks: [] } }).statusChecks).toEqual({
      strict: false,
      checks: [{ context: "old", appId: null }],
    });
    expect(fromGitHub({})).toEqual(UNPROTECTED);
  });
});

/** What a GET returns after a PUT of `body` (the minimal GitHub mapping). */
function echo(body: Record<string, unknown>): Record<string, unknown> {
  const rsc = body.required_status_checks as { strict: boolean; checks: { context: string; app_id: number }[] } | null;
  const flag = (k: string) => ({ enabled: body[k] === true });
  return {
    ...(rsc
      ? {
          required_status_checks: {
            strict: rsc.strict,
            contexts: rsc.checks.map((c) => c.context),
            checks: rsc.checks.map((c) => ({ context: c.context, app_id: c.app_id > 0 ? c.app_id : null })),
          },
        }
      : {}),
    ...(body.required_pull_request_reviews ? { required_pull_request_reviews: body.required_pull_request_reviews } : {}),
    enforce_admins: flag("enforce_admins"),
    required_linear_history: flag("required_linear_history"),
    allow_force_pushes: flag("allow_force_pushes"),
    allow_deletions: flag("allow_deletions"),
    block_creations: flag("block_creations"),
    required_conversation_resolution: flag("required_conversation_resolution"),
    lock_branch: flag("lock_branch"),
    allow_fork_syncing: flag("allow_fork_syncing"),
    ...(body.restrictions ? { restrictions: body.restrictions } : {}),
  };
}
