import fc from "fast-check";
import { DEFAULT_COMPILED, parseConfig } from "../../src/config/parse.js";
import type { CompiledConfig } from "../../src/config/compile.js";
import {
  desiredRulesets,
  diffRuleset,
  ownRuleset,
  RULESET_NAMES,
  rulesetFromGitHub,
  rulesetRequest,
  type Ruleset,
  type RulesetRule,
} from "../../src/policy/rulesets.js";
import { rulesetChangeText } from "../../src/render/rulesets.js";

const APP = 4242;
const SOURCE = "acme/model";

function config(raw: Record<string, unknown>): CompiledConfig {
  const result = parseConfig(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

const ruleset = (over: Partial<Ruleset>): Ruleset => ({
  id: 1,
  name: RULESET_NAMES.production,
  target: "branch",
  sourceType: "Repository",
  source: SOURCE,
  enforcement: "active",
  include: ["refs/heads/production"],
  exclude: [],
  otherConditions: {},
  bypassActors: [],
  rules: [],
  ...over,
});

const plansOf = (c: CompiledConfig, current: readonly Ruleset[] = []) => Object.fromEntries(desiredRulesets(c, APP, current, SOURCE).map((p) => [p.role, p]));

describe("desiredRulesets", () => {
  it("with the defaults: production (2 approvals, merge commits only, strict), development (1 approval), version tags", () => {
    const plans = plansOf(DEFAULT_COMPILED);
    expect(Object.keys(plans)).toEqual(["production", "development", "tags"]);
    expect(plans.production?.desired).toMatchObject({ id: null, target: "branch", enforcement: "active", include: ["refs/heads/production"], exclude: [] });
    expect(plans.production?.desired.rules).toEqual([
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
      { type: "required_status_checks", parameters: { strict_required_status_checks_policy: true, required_status_checks: [{ context: "branch-steward / production", integration_id: APP }] } },
      { type: "non_fast_forward" },
      { type: "deletion" },
    ]);
    expect(plans.development?.desired.rules[0]?.parameters).toMatchObject({ required_approving_review_count: 1 });
    expect(plans.development?.desired.rules[0]?.parameters).not.toHaveProperty("allowed_merge_methods");
    expect(plans.development?.desired.rules[1]?.parameters).toMatchObject({ strict_required_status_checks_policy: false });
    expect(plans.tags?.desired).toMatchObject({
      target: "tag",
      include: ["refs/tags/v*"],
      bypassActors: [{ actorId: APP, actorType: "Integration", bypassMode: "always" }],
      rules: [{ type: "creation" }, { type: "update" }, { type: "deletion" }],
    });
  });

  it("one branch ruleset when production and development are the same branch; no tag ruleset without releases", () => {
    const plans = desiredRulesets(config({ branches: { production: "main", development: "main" }, release: { enabled: false } }), APP, [], SOURCE);
    expect(plans.map((p) => [p.role, p.subject])).toEqual([["production", "main"]]);
  });

  it("keeps a pull_request rule's approvals when no protection entry names the branch, and PR-only stays on", () => {
    const c = config({ protection: { "{production}": { required_approvals: 2 } } });
    const current = ruleset({ name: RULESET_NAMES.development, include: ["refs/heads/development"], rules: [{ type: "pull_request", parameters: { required_approving_review_count: 3 } }] });
    expect(plansOf(c, [current]).development?.desired.rules[0]?.parameters).toMatchObject({ required_approving_review_count: 3 });
    expect(plansOf(c).development?.desired.rules[0]?.parameters).toMatchObject({ required_approving_review_count: 0 });
  });

  it("takes only repository rulesets with our names as ours; an org ruleset of that name is left alone", () => {
    const org = ruleset({ id: 9, sourceType: "Organization", source: "acme" });
    expect(ownRuleset([org], RULESET_NAMES.production)).toBeNull();
    expect(plansOf(DEFAULT_COMPILED, [org]).production?.current).toBeNull();
  });

  it("keeps unknown rule types, other checks, extra parameters, conditions and bypass actors", () => {
    const unknown: RulesetRule = { type: "rule_from_the_future", parameters: { x: [1, 2] } };
    const current = ruleset({
      otherConditions: { repository_property: { include: [] } },
      bypassActors: [{ actorId: 3, actorType: "Team", bypassMode: "pull_request" }],
      rules: [
        unknown,
        { type: "required_status_checks", parameters: { strict_required_status_checks_policy: false, do_not_enforce_on_create: true, required_status_checks: [{ context: "ci" }] } },
        { type: "non_fast_forward" },
      ],
    });
    const desired = plansOf(DEFAULT_COMPILED, [current]).production?.desired as Ruleset;
    expect(desired.rules[0]).toBe(unknown);
    expect(desired.rules[1]).toEqual({
      type: "required_status_checks",
      parameters: { strict_required_status_checks_policy: true, do_not_enforce_on_create: true, required_status_checks: [{ context: "ci" }, { context: "branch-steward / production", integration_id: APP }] },
    });
    expect(desired.rules.map((r) => r.type)).toEqual(["rule_from_the_future", "required_status_checks", "non_fast_forward", "pull_request", "deletion"]);
    expect(desired.bypassActors).toEqual(current.bypassActors);
    expect(rulesetRequest(desired)).toMatchObject({ conditions: { repository_property: { include: [] }, ref_name: { include: ["refs/heads/production"], exclude: [] } } });
  });

  it("does not send bypass actors GitHub did not show", () => {
    const desired = plansOf(DEFAULT_COMPILED, [ruleset({ bypassActors: null })]).production?.desired as Ruleset;
    expect(rulesetRequest(desired)).not.toHaveProperty("bypass_actors");
    expect(diffRuleset(ruleset({ bypassActors: null }), desired).some((c) => c.kind === "add-bypass")).toBe(false);
  });
});

describe("diffRuleset", () => {
  it("names each change", () => {
    const current = ruleset({
      enforcement: "evaluate",
      include: ["refs/heads/old"],
      rules: [
        { type: "required_status_checks", parameters: { strict_required_status_checks_policy: true, required_status_checks: [{ context: "branch-steward / production", integration_id: 1 }] } },
        { type: "pull_request", parameters: { dismiss_stale_reviews_on_push: false, require_code_owner_review: false, require_last_push_approval: false, required_review_thread_resolution: false, required_approving_review_count: 2, allowed_merge_methods: ["squash"] } },
      ],
    });
    const desired = plansOf(DEFAULT_COMPILED, [current]).production?.desired as Ruleset;
    expect(diffRuleset(current, desired).map(rulesetChangeText)).toEqual([
      "enforcement: evaluate → active",
      "included refs: refs/heads/old → refs/heads/production",
      `pin required check "branch-steward / production" to app ${APP} (was app 1)`,
      'pull_request.allowed_merge_methods: ["squash"] → ["merge"]',
      "add rule non_fast_forward",
      "add rule deletion",
    ]);
    expect(diffRuleset(null, desired)).toEqual([{ kind: "create" }]);
  });

  it("is empty once applied, whatever was there (idempotence)", () => {
    const rule = fc.oneof(
      fc.record({ type: fc.constantFrom("creation", "update", "deletion", "non_fast_forward", "required_signatures", "zz_unknown") }),
      fc.record({ type: fc.constant("pull_request"), parameters: fc.record({ required_approving_review_count: fc.integer({ min: 0, max: 6 }), dismiss_stale_reviews_on_push: fc.boolean(), extra: fc.string() }) }),
      fc.record({
        type: fc.constant("required_status_checks"),
        parameters: fc.record({
          strict_required_status_checks_policy: fc.boolean(),
          required_status_checks: fc.array(fc.record({ context: fc.constantFrom("ci", "branch-steward / production", "branch-steward / development"), integration_id: fc.integer({ min: 1, max: 5 }) }), { maxLength: 3 }),
        }),
      }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(rule, { selector: (r) => r.type, maxLength: 6 }), fc.constantFrom("active", "evaluate", "disabled"), (rules, enforcement) => {
        const current = [ruleset({ rules, enforcement }), ruleset({ id: 2, name: RULESET_NAMES.tags, target: "tag", rules, enforcement, include: ["refs/tags/x*"] })];
        const applied = desiredRulesets(DEFAULT_COMPILED, APP, current, SOURCE).map((p) => ({ ...p.desired, id: p.current?.id ?? 99 }));
        for (const plan of desiredRulesets(DEFAULT_COMPILED, APP, applied, SOURCE)) expect(diffRuleset(plan.current, plan.desired)).toEqual([]);
        // Nothing of the team's is lost: every rule type that was there still is.
        for (const plan of desiredRulesets(DEFAULT_COMPILED, APP, current, SOURCE)) {
          for (const r of plan.current?.rules ?? []) expect(plan.desired.rules.some((d) => d.type === r.type)).toBe(true);
        }
      }),
    );
  });
});

describe("GitHub's shapes", () => {
  it("reads a ruleset as GitHub answers it, and writes it back as a request", () => {
    const data = {
      id: 42,
      name: "n",
      target: "tag",
      source_type: "Organization",
      source: "acme",
      enforcement: "active",
      bypass_actors: [{ actor_id: 7, actor_type: "Integration", bypass_mode: "always" }, { actor_id: null, actor_type: "OrganizationAdmin" }],
      conditions: { ref_name: { include: ["refs/tags/v*"], exclude: ["refs/tags/v0*"] }, repository_name: { include: ["~ALL"], exclude: [] } },
      rules: [{ type: "creation" }, { type: "update", parameters: { update_allows_fetch_and_merge: false } }, { nope: 1 }],
    };
    const r = rulesetFromGitHub(data);
    expect(r).toEqual({
      id: 42,
      name: "n",
      target: "tag",
      sourceType: "Organization",
      source: "acme",
      enforcement: "active",
      include: ["refs/tags/v*"],
      exclude: ["refs/tags/v0*"],
      otherConditions: { repository_name: { include: ["~ALL"], exclude: [] } },
      bypassActors: [
        { actorId: 7, actorType: "Integration", bypassMode: "always" },
        { actorId: null, actorType: "OrganizationAdmin", bypassMode: "always" },
      ],
      rules: [{ type: "creation" }, { type: "update", parameters: { update_allows_fetch_and_merge: false } }],
    });
    expect(rulesetRequest(r)).toEqual({
      name: "n",
      target: "tag",
      enforcement: "active",
      bypass_actors: [
        { actor_id: 7, actor_type: "Integration", bypass_mode: "always" },
        { actor_id: null, actor_type: "OrganizationAdmin", bypass_mode: "always" },
      ],
      conditions: { repository_name: { include: ["~ALL"], exclude: [] }, ref_name: { include: ["refs/tags/v*"], exclude: ["refs/tags/v0*"] } },
      rules: [{ type: "creation" }, { type: "update", parameters: { update_allows_fetch_and_merge: false } }],
    });
    expect(rulesetFromGitHub({ id: 1, name: "x" }).bypassActors).toBeNull();
  });
});
