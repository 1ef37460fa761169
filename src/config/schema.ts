/**
 * The configuration file `.github/branch-steward.yml`, declared once.
 *
 * Every default encodes the team's flow:
 *   feature/*  → development          (feature flow)
 *   backport/* → development          (the app's own backport PRs)
 *   development → production          (periodic sync)
 *   hotfix/*   → production           (hotfix flow)
 *
 * Patterns may use the placeholders {production}, {development}, {hotfix} and {backport},
 * which expand to the configured branch names and prefixes, so renaming a branch is a
 * one-line change. The JSON Schema in schema/branch-steward.schema.json is generated from
 * this file (`npm run schema`).
 */
import { z } from "zod";
import semver from "semver";
import { compilePattern, MAX_PATTERN_LENGTH } from "../policy/patterns.js";

export const CONFIG_FILE = "branch-steward.yml";
export const CONFIG_PATH = `.github/${CONFIG_FILE}`;

/**
 * Longest branch name (or prefix), in UTF-8 bytes. GitHub documents no limit, but refuses ref
 * names well before 255 bytes, the file-name limit of the file systems git stores refs in; so
 * no longer name can be a branch on GitHub, and every name and pattern stays small.
 */
export const MAX_BRANCH_NAME_BYTES = 255;

const branchName = z
  .string()
  .min(1)
  .max(MAX_BRANCH_NAME_BYTES, { abort: true, error: `a branch name is at most ${MAX_BRANCH_NAME_BYTES} bytes long` })
  .refine((s) => !/\s/.test(s), "a branch name cannot contain white space")
  .refine((s) => Buffer.byteLength(s, "utf8") <= MAX_BRANCH_NAME_BYTES, `a branch name is at most ${MAX_BRANCH_NAME_BYTES} bytes long (in UTF-8)`);

/** Patterns are bounded (MAX_PATTERN_LENGTH, in patterns.ts, says why): the key's issue, and nothing else. */
const boundedPattern = () =>
  z
    .string()
    .min(1)
    .max(MAX_PATTERN_LENGTH, { abort: true, error: `a pattern is at most ${MAX_PATTERN_LENGTH} characters long` });

/** A label name the app may add to an issue or PR: GitHub refuses names over 50 characters. */
const labelName = (fallback: string) => z.string().min(1).max(50, "GitHub limits label names to 50 characters").default(fallback);

/** A branch pattern: a glob (`*` within a path segment, `**` across `/`) or a `/regex/`. */
const pattern = boundedPattern()
  .superRefine((value, ctx) => {
    const error = compilePattern(value, PLACEHOLDER_PROBE).error;
    if (error) ctx.addIssue({ code: "custom", message: error });
  })
  .meta({ description: "Glob (`*`, `**`) or `/regex/`; may use {production}, {development}, {hotfix}, {backport}." });

/** Placeholder values used only to validate a pattern's syntax. */
const PLACEHOLDER_PROBE = { production: "production", development: "development", hotfix: "hotfix/", backport: "backport/" };

export const FLOW_KINDS = ["sync", "hotfix", "feature", "backport"] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];

const flow = z
  .strictObject({
    name: z.string().min(1).meta({ description: "Shown in the check summary." }),
    kind: z.enum(FLOW_KINDS).meta({
      description:
        "What the flow means: sync (development → production promotion), hotfix, feature or backport. Later rules (validation gate, lineage, versioning) key on it.",
    }),
    from: pattern.meta({ description: "Source branch pattern." }),
    into: pattern.meta({ description: "Target branch pattern." }),
    except: z.array(pattern).default([]).meta({ description: "Source patterns this flow never matches." }),
    allow_forks: z
      .boolean()
      .default(false)
      .meta({ description: "Whether a branch from a fork may use this flow. Never true for sync or hotfix." }),
  })
  .superRefine((f, ctx) => {
    if (f.allow_forks && (f.kind === "sync" || f.kind === "hotfix")) {
      ctx.addIssue({
        code: "custom",
        path: ["allow_forks"],
        message: `a ${f.kind} flow cannot allow forks: a fork's branch is never the real ${f.kind === "sync" ? "development branch" : "hotfix branch"}`,
      });
    }
  });

export const DEFAULT_FLOWS: z.input<typeof flow>[] = [
  { name: "sync", kind: "sync", from: "{development}", into: "{production}" },
  { name: "hotfix", kind: "hotfix", from: "{hotfix}**", into: "{production}" },
  { name: "backport", kind: "backport", from: "{backport}**", into: "{development}" },
  {
    name: "feature",
    kind: "feature",
    from: "**",
    into: "{development}",
    except: ["{production}", "{development}", "{hotfix}**", "{backport}**"],
    allow_forks: true,
  },
];

/** A duration such as `90m`, `24h` or `7d`, in seconds. */
const duration = z
  .string()
  .regex(/^\d+(s|m|h|d)$/, "use a number and a unit: s, m, h or d (e.g. 24h)")
  .transform((v) => Number(v.slice(0, -1)) * { s: 1, m: 60, h: 3600, d: 86400 }[v.slice(-1) as "s" | "m" | "h" | "d"]);

/** A whole number of days such as `30d`, in seconds. */
const days = z
  .string()
  .regex(/^[1-9]\d{0,3}d$/, "use a whole number of days such as 30d (1d to 9999d)")
  .transform((v) => Number(v.slice(0, -1)) * 86400);

/** True for a time zone `Intl` knows (IANA names, `UTC`). */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const checkNamePattern = boundedPattern().superRefine((value, ctx) => {
  const error = compilePattern(value, {}).error;
  if (error) ctx.addIssue({ code: "custom", message: error });
});

const requiredCheck = z.union([
  checkNamePattern.transform((name) => ({ name, app: undefined, max_age: undefined })),
  z.strictObject({
    name: checkNamePattern.meta({ description: "Check run name or commit status context: exact, glob or /regex/." }),
    app: z.string().min(1).optional().meta({ description: "Slug of the app that must report it (e.g. github-actions)." }),
    max_age: duration.optional().meta({ description: "A passing result older than this does not count (e.g. 24h)." }),
  }),
]);

const validation = z.strictObject({
  required: z.array(requiredCheck).meta({ description: "Checks that must pass on the PR head before it may merge." }),
  opt_out: z
    .boolean()
    .default(false)
    .meta({ description: "With an empty `required` list: explicitly require no validation for this flow." }),
  merge_group: z
    .enum(["head", "require"])
    .default("head")
    .meta({
      description:
        "In a merge queue: `head` counts the required checks on each PR's head; `require` also requires them to pass on the merge group's commit (run them on `merge_group` too).",
    }),
});

const protection = z.strictObject({
  required_approvals: z.number().int().min(0).max(6).meta({ description: "Approving reviews branch protection requires." }),
});

/** A file path pattern of a coupling group: a glob (`*`, `**`, `?`) or a `/regex/`, matched against whole paths. */
const filePattern = boundedPattern()
  .superRefine((value, ctx) => {
    const error = compilePattern(value, {}).error;
    if (error) ctx.addIssue({ code: "custom", message: error });
  })
  .meta({ description: "Path glob (`*` within a directory, `**` across `/`) or `/regex/`, matched against the whole path." });

/** Group names appear in PR bodies (`Coupling-not-needed: <name> — <reason>`): one word. */
export const COUPLING_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const couplingGroup = z.strictObject({
  name: z
    .string()
    .max(100, "a group name is at most 100 characters long")
    .regex(COUPLING_NAME, "use letters, digits, '.', '_' or '-' (no spaces), starting with a letter or digit")
    .meta({ description: "Names the group in the check and in `Coupling-not-needed: <name> — <reason>` lines." }),
  when: z.array(filePattern).min(1).max(50).meta({ description: "Paths of one side: when one of them changes…" }),
  then: z.array(filePattern).min(1).max(50).meta({ description: "…paths of the other side must change too." }),
  require: z
    .enum(["any", "all"])
    .default("any")
    .meta({ description: "any: one changed file matching any pattern of the other side is enough; all: every pattern of the other side must match a changed file." }),
  direction: z
    .enum(["both", "one_way"])
    .default("both")
    .meta({ description: "both: a change to either side needs the other; one_way: only a change to `when` needs `then`." }),
  applies_to: z
    .array(z.enum(FLOW_KINDS))
    .min(1)
    .default(["feature", "hotfix", "sync"])
    .meta({ description: "Kinds of flow whose PRs are checked (a sync is checked over everything it ships)." }),
});

/** The keys and their types, without the cross-key rules (parse.ts picks from it for a broken file). */
export const configObject = z.strictObject({
    _extends: z
      .string()
      .optional()
      .meta({
        description:
          "Inherit from the file of another repository of the same owner: `repo`, `repo:path.yml` (or `owner/repo…` naming this repository's owner). Another owner's repository is refused and never read.",
      }),
    branches: z
      .strictObject({
        production: branchName.default("production").meta({ description: "The released branch." }),
        development: branchName.default("development").meta({ description: "The integration branch." }),
        hotfix_prefix: branchName.default("hotfix/").meta({ description: "Prefix of hotfix branches, cut from production." }),
        backport_prefix: branchName
          .default("backport/")
          .meta({ description: "Prefix of the backport branches branch-steward creates." }),
      })
      .prefault({}),
    governed: z
      .array(pattern)
      .min(1)
      .default(["{production}", "{development}"])
      .meta({ description: "Target branches whose PRs are checked. Pairs are denied unless a flow allows them." }),
    flows: z
      .array(flow)
      .min(1)
      .prefault(DEFAULT_FLOWS)
      .meta({ description: "Allowed source → target pairs, tried in order; the first match wins." }),
    validation: z
      .record(z.string().min(1), validation)
      .default({})
      .meta({
        description:
          "Required checks per flow name, e.g. `sync: { required: [inference-tests, drift-detection, performance] }`. A sync-kind flow without an entry fails closed.",
      }),
    up_to_date: z
      .array(pattern)
      .default(["{production}"])
      .meta({ description: "Targets whose PRs must contain the target's head (git merge-base --is-ancestor)." }),
    protection: z
      .record(boundedPattern(), protection)
      .default({ "{production}": { required_approvals: 2 }, "{development}": { required_approvals: 1 } })
      .meta({ description: "Branch protection `branch-steward protect` applies, per branch (placeholders allowed)." }),
    backport: z
      .strictObject({
        enabled: z.boolean().default(true).meta({ description: "Open a backport PR into development after each merge into production." }),
        strategy: z
          .enum(["merge-back", "cherry-pick"])
          .default("merge-back")
          .meta({
            description:
              "merge-back (git-flow): a branch at the production merge commit, merged into development. cherry-pick: the net change of the merge picked onto development through the Git Data API.",
          }),
        on_cherry_pick_conflict: z
          .enum(["merge-back", "issue"])
          .default("merge-back")
          .meta({ description: "When a cherry-pick conflicts: fall back to a merge-back PR, or open a tracking issue." }),
        after_sync: z
          .boolean()
          .default(true)
          .meta({ description: "Also merge a sync's production merge commit back, so production stays an ancestor of development." }),
        copy_labels: z.array(pattern).default([]).meta({ description: "Labels of the hotfix PR to copy onto its backport PR (patterns)." }),
        labels: z
          .strictObject({
            backport: labelName("backport"),
            pending: labelName("backport-pending"),
            done: labelName("backported"),
            conflict: labelName("backport-conflict"),
            not_needed: labelName("backport-not-needed"),
          })
          .prefault({})
          .meta({ description: "Label names: on the backport PR (backport, conflict) and on the source PR (pending, done, not_needed)." }),
      })
      .prefault({}),
    release: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .meta({ description: "Tag every merge into the production branch with the next semver version and publish a GitHub Release." }),
        tag_prefix: z
          .string()
          .regex(/^[A-Za-z0-9._-]*$/, "use letters, digits, '.', '_' or '-' (or an empty prefix)")
          .default("v")
          .meta({ description: "Prefix of version tags (`v` → v1.2.3). Tags with another prefix are ignored." }),
        initial_version: z
          .string()
          .refine((v) => semver.valid(v) === v, "use a strict semver version such as 1.0.0")
          .default("1.0.0")
          .meta({ description: "The first version, when no version tag is an ancestor of the merge commit." }),
        include_prereleases: z
          .boolean()
          .default(false)
          .meta({ description: "Count prerelease tags (v1.2.0-rc.1) as previous versions." }),
        labels: z
          .strictObject({
            major: labelName("release:major").meta({ description: "PR label forcing a major bump." }),
            minor: labelName("release:minor").meta({ description: "PR label forcing a minor bump." }),
            patch: labelName("release:patch").meta({ description: "PR label forcing a patch bump." }),
            revert: labelName("revert").meta({ description: "PR label marking a rollback (released as a patch)." }),
          })
          .prefault({})
          .meta({ description: "Label names read from the merged PR at merge time." }),
      })
      .prefault({})
      .meta({ description: "Semver tags and GitHub Releases on every merge into the production branch." }),
    comment: z
      .strictObject({
        enabled: z.boolean().default(true).meta({ description: "Post one status comment on each governed PR." }),
      })
      .prefault({}),
     coupling: z
      .strictObject({
        groups: z.array(couplingGroup).max(100).default([]).meta({ description: "Named groups of paths that must change together." }),
        exception: z
          .strictObject({
            label: labelName("coupling-not-needed").meta({ description: "PR label that accepts every broken group, when applied by someone with write access." }),
            body_line: z
              .string()
              .regex(/^[A-Za-z][A-Za-z0-9-]{0,49}$/, "use a word of letters, digits and '-' (e.g. Coupling-not-needed)")
              .default("Coupling-not-needed")
              .meta({ description: "Prefix of PR body lines `<prefix>: <group> — <reason>`; they count when the PR author has write access." }),
          })
          .prefault({}),
      })
      .prefault({})
      .meta({ description: "Coupled components: paths that must change together in one PR, and across what a sync ships." }),
    dashboard: z
      .strictObject({
        enabled: z.boolean().default(true).meta({ description: "Keep one dashboard issue in the repository: the flow at a glance, with actions." }),
        title: z.string().trim().min(1).max(256, "GitHub limits issue titles to 256 characters").default("Branch flow dashboard").meta({ description: "The dashboard issue's title." }),
      })
      .prefault({}),
    cadence: z
      .strictObject({
        sync_every: days.prefault("30d").meta({ description: "A sync (development → production) is overdue this long after the last one (e.g. 7d, 30d)." }),
        warn_after: days.optional().meta({ description: "Warn that a sync is due this long after the last one; default three quarters of `sync_every`." }),
        backport_within: days.prefault("2d").meta({ description: "A backport waiting longer than this, or production ahead of development longer than this, leads the dashboard." }),
      })
      .prefault({})
      .superRefine((c, ctx) => {
        if (c.warn_after !== undefined && c.sync_every !== undefined && c.warn_after >= c.sync_every) {
          ctx.addIssue({ code: "custom", path: ["warn_after"], message: "warn_after must be shorter than sync_every" });
        }
      }),
    sync: z
      .strictObject({
        schedule: z
          .strictObject({
            every: z
              .string()
              .regex(/^(monday|tuesday|wednesday|thursday|friday|saturday|sunday|[1-9]\d{0,2}d)$/, "use a weekday (monday … sunday) or a number of days such as 14d (1d to 999d)")
              .meta({ description: "When a sync PR is due: every `monday` (… `sunday`), or every N days (`14d`)." }),
            time_zone: z
              .string()
              .default("UTC")
              .refine(isTimeZone, "use an IANA time zone such as Europe/Berlin or UTC")
              .meta({ description: "The time zone the schedule's days start in (IANA name)." }),
          })
          .optional()
          .meta({
            description:
              "Opt-in: open a development → production PR on this cadence when development is ahead, validation is configured and no sync PR is open. The app keeps its body current and never merges it.",
          }),
      })
      .prefault({}),
  });

export const configSchema = configObject
  .superRefine((config, ctx) => {
    // Runs after other issues too (zod 4 keeps going), so the shape is not guaranteed here.
    const groups = new Set<string>();
    for (const [i, g] of (config.coupling?.groups ?? []).entries()) {
      if (g?.name !== undefined && groups.has(g.name)) ctx.addIssue({ code: "custom", path: ["coupling", "groups", i, "name"], message: `another group is already named "${g.name}"` });
      groups.add(g?.name);
    }
    const names = new Set((config.flows ?? []).map((f) => f?.name));
    for (const key of Object.keys(config.validation ?? {})) {
      if (!names.has(key)) {
        ctx.addIssue({ code: "custom", path: ["validation", key], message: `no flow is named "${key}"; flows: ${[...names].join(", ")}` });
      }
    }
  })
  .meta({
    title: "branch-steward configuration",
    description: "Configuration for branch-steward, read from .github/branch-steward.yml on the default branch.",
  });

export type Config = z.output<typeof configSchema>;
export type FlowConfig = Config["flows"][number];

/** The configuration that applies when no file exists. */
export const DEFAULT_CONFIG: Config = configSchema.parse({});

/** The JSON Schema editors use to validate the file (committed at schema/branch-steward.schema.json). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
}
