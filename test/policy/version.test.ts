import fc from "fast-check";
import semver from "semver";
import type { FlowKind } from "../../src/config/schema.js";
import {
  decideBump,
  findHighestAncestor,
  nextVersion,
  parseVersionTags,
  relationOfCompareStatus,
  versionOfTag,
  type BumpInput,
  type Relation,
  type VersionTag,
} from "../../src/policy/version.js";
import { bumpReasonText } from "../../src/render/release.js";

const LABELS = { major: "release:major", minor: "release:minor", patch: "release:patch", revert: "revert" };
const OPTIONS = { prefix: "v", includePrereleases: false };
const bump = (over: Partial<BumpInput> = {}) =>
  decideBump({ flow: { name: "sync", kind: "sync" }, source: "development", title: "Sync", body: "", labels: [], labelNames: LABELS, revert: false, ...over });
const vt = (tag: string): VersionTag => ({ tag, version: tag.replace(/^v/, "") });

describe("version tags", () => {
  it("keeps strict semver tags with the prefix, highest first, and lists the rest as ignored", () => {
    const parsed = parseVersionTags(["v1.0.0", "v1.10.0", "v1.2.0", "release-3", "1.5.0", "v2", "v1.3.0+build.7", "V1.4.0", "vv1.0.0", "v01.2.3", "latest"], OPTIONS);
    expect(parsed.versions.map((v) => v.tag)).toEqual(["v1.10.0", "v1.2.0", "v1.0.0"]);
    expect(parsed.ignored).toEqual(["1.5.0", "V1.4.0", "latest", "release-3", "v01.2.3", "v1.3.0+build.7", "v2", "vv1.0.0"]);
  });

  it("skips prereleases unless configured, without calling them bad input", () => {
    const tags = ["v1.0.0", "v1.1.0-rc.1"];
    expect(parseVersionTags(tags, OPTIONS)).toMatchObject({ versions: [vt("v1.0.0")], ignored: [], skippedPrereleases: ["v1.1.0-rc.1"] });
    expect(parseVersionTags(tags, { prefix: "v", includePrereleases: true }).versions.map((v) => v.tag)).toEqual(["v1.1.0-rc.1", "v1.0.0"]);
  });

  it("supports another or an empty prefix", () => {
    expect(versionOfTag("release-1.2.3", "release-")).toBe("1.2.3");
    expect(versionOfTag("1.2.3", "")).toBe("1.2.3");
    expect(versionOfTag("v1.2.3", "")).toBeNull(); // semver.valid would strip the v: we do not
  });

  it("property: a kept tag is exactly prefix + a strict version, and the list is sorted high to low", () => {
    const tag = fc.oneof(
      fc.tuple(fc.nat(20), fc.nat(20), fc.nat(20)).map(([a, b, c]) => `v${a}.${b}.${c}`),
      fc.string({ maxLength: 12 }),
      fc.constantFrom("v1.0", "x1.0.0", "v1.0.0-", "v1.0.0-rc.1", "v1.0.0+meta"),
    );
    fc.assert(
      fc.property(fc.array(tag, { maxLength: 30 }), (tags) => {
        const parsed = parseVersionTags(tags, OPTIONS);
        for (const v of parsed.versions) expect(v.tag).toBe(`v${semver.valid(v.version)}`);
        for (let i = 1; i < parsed.versions.length; i++) {
          expect(semver.gte((parsed.versions[i - 1] as VersionTag).version, (parsed.versions[i] as VersionTag).version)).toBe(true);
        }
        expect(parsed.versions.length + parsed.ignored.length + parsed.skippedPrereleases.length).toBe(new Set(tags).size);
      }),
    );
  });
});

describe("the previous version: highest ancestor", () => {
  it("maps GitHub's compare status (tag...commit) to a relation", () => {
    expect(relationOfCompareStatus("identical")).toBe("identical");
    expect(relationOfCompareStatus("ahead")).toBe("ancestor");
    expect(relationOfCompareStatus("behind")).toBe("unrelated");
    expect(relationOfCompareStatus("diverged")).toBe("unrelated");
  });

  it("skips a higher tag that is not in the history (semantic-release #1121) and stops at the first ancestor", async () => {
    const asked: string[] = [];
    const relations: Record<string, Relation> = { "v2.0.0": "unrelated", "v1.3.0": "ancestor", "v1.2.0": "ancestor" };
    const found = await findHighestAncestor([vt("v2.0.0"), vt("v1.3.0"), vt("v1.2.0")], async (v) => (asked.push(v.tag), relations[v.tag] as Relation));
    expect(found).toEqual({ previous: vt("v1.3.0"), atCommit: false, checked: 2, exhausted: false });
    expect(asked).toEqual(["v2.0.0", "v1.3.0"]);
  });

  it("reports a tag already on the commit, and gives up loudly after maxChecks", async () => {
    expect(await findHighestAncestor([vt("v1.0.0")], async () => "identical")).toMatchObject({ previous: vt("v1.0.0"), atCommit: true });
    expect(await findHighestAncestor([vt("v3.0.0"), vt("v2.0.0"), vt("v1.0.0")], async () => "unrelated", 2)).toMatchObject({ previous: null, exhausted: true });
    expect(await findHighestAncestor([], async () => "ancestor")).toEqual({ previous: null, atCommit: false, checked: 0, exhausted: false });
  });

  /** A linear production history: commit i carries tags[i] (or none); versions increase along it. */
  const history = fc
    .array(fc.option(fc.constantFrom<"major" | "minor" | "patch">("major", "minor", "patch"), { nil: undefined }), { minLength: 1, maxLength: 25 })
    .map((steps) => {
      let version = "1.0.0";
      return steps.map((step, i) => {
        if (i === 0) return "1.0.0";
        if (!step) return null;
        version = semver.inc(version, step) as string;
        return version;
      });
    });

  it("property: the previous version is the highest tag at or before the commit; the next is above every version in its history", async () => {
    await fc.assert(
      fc.asyncProperty(history, fc.nat(), fc.constantFrom<"major" | "minor" | "patch">("major", "minor", "patch"), async (versions, pick, b) => {
        const at = pick % versions.length;
        const tags = versions.flatMap((v, i) => (v ? [{ ...vt(`v${v}`), index: i }] : []));
        const parsed = parseVersionTags(
          tags.map((t) => t.tag),
          OPTIONS,
        );
        const indexOf = new Map(tags.map((t) => [t.tag, t.index]));
        const relation = async (v: VersionTag): Promise<Relation> => {
          const i = indexOf.get(v.tag) as number;
          return i === at ? "identical" : i < at ? "ancestor" : "unrelated";
        };
        const found = await findHighestAncestor(parsed.versions, relation);
        const expected = tags.filter((t) => t.index <= at).at(-1);
        expect(found.previous?.tag).toBe(expected?.tag);
        expect(found.atCommit).toBe(expected?.index === at);
        const next = nextVersion({ previous: found.previous, versions: parsed.versions }, b, { prefix: "v", initialVersion: "1.0.0" });
        const later = tags.filter((t) => t.index > at);
        if (next.ok) {
          for (const t of tags.filter((x) => x.index <= at)) expect(semver.gt(next.version, t.version)).toBe(true);
          for (const t of later) expect(semver.gt(next.version, t.version)).toBe(true);
        } else {
          // Refused only because a later commit already holds a version at or above ours.
          expect(later.length).toBeGreaterThan(0);
        }
      }),
    );
  });
});

describe("the bump", () => {
  it("follows the flow: sync → minor, hotfix → patch, anything else → patch with a reason that says so", () => {
    expect(bump()).toEqual({ bump: "minor", cause: { kind: "sync", flow: "sync", source: "development" } });
    expect(bump({ flow: { name: "hotfix", kind: "hotfix" }, source: "hotfix/x" })).toEqual({ bump: "patch", cause: { kind: "hotfix", flow: "hotfix", source: "hotfix/x" } });
    expect(bump({ flow: null, source: "feature/x" })).toEqual({ bump: "patch", cause: { kind: "no-flow", source: "feature/x" } });
    expect(bump({ flow: { name: "custom", kind: "feature" }, source: "x" })).toEqual({ bump: "patch", cause: { kind: "other-flow", flow: "custom", source: "x" } });
  });

  it("a breaking marker makes it major: `!` after the type or BREAKING CHANGE in the body", () => {
    for (const title of ["feat!: drop v1 API", "fix(api)!: rename field", "refactor(model/x)!: y"]) expect(bump({ title }).bump).toBe("major");
    for (const title of ["feat: x!", "Wow! fix: y", "feat(!): z"]) expect(bump({ title }).bump).toBe("minor");
    expect(bump({ body: "Details.\n\nBREAKING CHANGE: the output schema changed" })).toEqual({ bump: "major", cause: { kind: "breaking-body" } });
    expect(bump({ title: "feat!: x" })).toEqual({ bump: "major", cause: { kind: "breaking-title" } });
    expect(bump({ flow: { name: "hotfix", kind: "hotfix" }, title: "fix!: x" }).bump).toBe("major");
  });

  it("labels override everything, the highest label wins, and a rollback is a patch", () => {
    expect(bump({ labels: ["release:patch"], title: "feat!: x" })).toEqual({ bump: "patch", cause: { kind: "label", label: "release:patch", outranks: [] } });
    expect(bump({ labels: ["release:minor", "release:major"] })).toEqual({ bump: "major", cause: { kind: "label", label: "release:major", outranks: ["release:minor"] } });
    expect(bump({ revert: true, title: 'Revert "feat!: x"' })).toEqual({ bump: "patch", cause: { kind: "revert" } });
    expect(bump({ labels: ["semver:major"], labelNames: { ...LABELS, major: "semver:major" } }).bump).toBe("major");
  });

  it("property: a release label decides; without one the flow does unless breaking or revert", () => {
    const kinds: (FlowKind | null)[] = ["sync", "hotfix", "feature", "backport", null];
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        fc.subarray(["release:major", "release:minor", "release:patch", "bug", "docs"]),
        fc.string({ maxLength: 30 }),
        fc.boolean(),
        (kind, labels, title, revert) => {
          const d = bump({ flow: kind ? { name: kind, kind } : null, labels, title, revert });
          const top = (["major", "minor", "patch"] as const).find((b) => labels.includes(`release:${b}`));
          if (top) expect(d.bump).toBe(top);
          else if (revert) expect(d.bump).toBe("patch");
          else if (/^[A-Za-z]+(\([^()\r\n]*\))?!:/.test(title.trim())) expect(d.bump).toBe("major");
          else expect(d.bump).toBe(kind === "sync" ? "minor" : "patch");
          expect(bumpReasonText(d).length).toBeGreaterThan(10);
        },
      ),
    );
  });
});

describe("the next version", () => {
  const opts = { prefix: "v", initialVersion: "1.0.0" };

  it("bumps the previous version, or starts at the initial version", () => {
    expect(nextVersion({ previous: vt("v1.2.3"), versions: [vt("v1.2.3")] }, "minor", opts)).toEqual({ ok: true, version: "1.3.0", tag: "v1.3.0", previous: vt("v1.2.3") });
    expect(nextVersion({ previous: null, versions: [] }, "minor", opts)).toMatchObject({ ok: true, tag: "v1.0.0", previous: null });
    expect(nextVersion({ previous: null, versions: [] }, "patch", { prefix: "", initialVersion: "0.1.0" })).toMatchObject({ ok: true, tag: "0.1.0" });
  });

  it("refuses to guess when a version at or above ours exists outside this history", () => {
    const r = nextVersion({ previous: vt("v1.1.0"), versions: [vt("v1.2.0"), vt("v1.1.0")] }, "minor", opts);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem).toEqual({ code: "version-conflict", previous: "v1.1.0", next: "v1.2.0", highest: "v1.2.0" });
    expect(nextVersion({ previous: null, versions: [vt("v1.0.0")] }, "patch", opts).ok).toBe(false);
    expect(nextVersion({ previous: vt("v1.1.0"), versions: [vt("v1.1.5"), vt("v1.1.0")] }, "minor", opts).ok).toBe(true);
  });

  it("a tag appearing between read and create: the retry computes the next one", () => {
    // Attempt 1 read v1.0.0 and computed v1.0.1; creating refs/tags/v1.0.1 answered 422 with another
    // merge's commit, which is in our history (the earlier merge). Attempt 2 reads again.
    const first = nextVersion({ previous: vt("v1.0.0"), versions: [vt("v1.0.0")] }, "patch", opts);
    expect(first).toMatchObject({ ok: true, tag: "v1.0.1" });
    const retry = nextVersion({ previous: vt("v1.0.1"), versions: [vt("v1.0.1"), vt("v1.0.0")] }, "patch", opts);
    expect(retry).toMatchObject({ ok: true, tag: "v1.0.2", previous: vt("v1.0.1") });
    // Had the other merge been a later one (not in our history), guessing v1.0.2 would break the order: refused.
    expect(nextVersion({ previous: vt("v1.0.0"), versions: [vt("v1.0.1"), vt("v1.0.0")] }, "patch", opts).ok).toBe(false);
  });

  it("property: the next version is always greater than the previous one", () => {
    fc.assert(
      fc.property(fc.tuple(fc.nat(50), fc.nat(50), fc.nat(50)), fc.constantFrom<"major" | "minor" | "patch">("major", "minor", "patch"), ([a, b, c], kind) => {
        const previous = vt(`v${a}.${b}.${c}`);
        const r = nextVersion({ previous, versions: [previous] }, kind, opts);
        expect(r.ok && semver.gt(r.version, previous.version)).toBe(true);
        expect(r.ok && semver.diff(previous.version, r.version)).toBe(kind);
      }),
    );
  });
});
