import fc from "fast-check";
import nock from "nock";
import { extendsTarget, MAX_EXTENDS_CHAIN, mergeConfigs, resolveConfig } from "../../src/config/load.js";
import { DEFAULT_COMPILED } from "../../src/config/parse.js";
import type { ConfigFileContent, ConfigFileRef } from "../../src/github/config-file.js";
import { useNockedProbot } from "../support/nock.js";
import { API, mockAuth } from "../support/probot.js";
import { FULL_NAME, pullRequestPayload } from "../support/payloads.js";

const CONFIG = ".github/branch-steward.yml";
const HOME = { owner: "acme", repo: "forecast" };

/** An in-memory GitHub: files by `owner/repo:path`; records every read. */
function files(contents: Record<string, string | "directory">) {
  const reads: string[] = [];
  const read = async (f: ConfigFileRef): Promise<ConfigFileContent> => {
    const key = `${f.owner}/${f.repo}:${f.path}`;
    reads.push(key);
    const text = contents[key];
    if (text === undefined) return { kind: "missing" };
    return text === "directory" ? { kind: "not-a-file" } : { kind: "file", text };
  };
  return { read, reads };
}

describe("loading the configuration", () => {
  it("uses the defaults when no file exists, after looking in the owner's .github repository", async () => {
    const { read, reads } = files({});
    expect(await resolveConfig(read, HOME)).toEqual({ ok: true, config: DEFAULT_COMPILED, fromFile: false });
    expect(reads).toEqual([`acme/forecast:${CONFIG}`, `acme/.github:${CONFIG}`]);
  });

  it("prefers the repository's own file, and falls back to the owner's .github repository", async () => {
    const own = files({ [`acme/forecast:${CONFIG}`]: "branches: { production: main }\n", [`acme/.github:${CONFIG}`]: "branches: { production: org }\n" });
    const result = await resolveConfig(own.read, HOME);
    expect(result.ok && result.config.branches.production).toBe("main");
    expect(own.reads).toEqual([`acme/forecast:${CONFIG}`]);

    const fallback = files({ [`acme/.github:${CONFIG}`]: "branches: { production: org }\n" });
    const fromOrg = await resolveConfig(fallback.read, HOME);
    expect(fromOrg).toMatchObject({ ok: true, fromFile: true, config: { branches: { production: "org" } } });
  });

  it("follows _extends within the owner: mappings merge, lists are replaced, the repository's own file wins", async () => {
    const { read, reads } = files({
      [`acme/forecast:${CONFIG}`]: "_extends: shared:policies/steward.yml\nbranches: { production: main }\ngoverned: ['{production}']\n",
      "acme/shared:policies/steward.yml": "_extends: ACME/.github\nbranches: { production: base, development: dev }\ngoverned: [a, b, c]\n",
      [`acme/.github:${CONFIG}`]: "comment: { enabled: false }\n",
    });
    const result = await resolveConfig(read, HOME);
    expect(result.ok).toBe(true);
    expect(result.config.branches).toMatchObject({ production: "main", development: "dev" });
    expect(result.config.governed).toEqual(["{production}"]);
    expect(result.config.comment.enabled).toBe(false);
    expect(reads).toEqual([`acme/forecast:${CONFIG}`, "acme/shared:policies/steward.yml", `acme/.github:${CONFIG}`]);
  });

  it("ignores an _extends whose file does not exist, as Probot does", async () => {
    const { read } = files({ [`acme/forecast:${CONFIG}`]: "_extends: gone\nbranches: { production: main }\n" });
    expect(await resolveConfig(read, HOME)).toMatchObject({ ok: true, config: { branches: { production: "main" } } });
  });

  it("refuses an _extends naming another owner, without reading it, and still knows the renamed branches", async () => {
    const { read, reads } = files({
      [`acme/forecast:${CONFIG}`]: "_extends: evil/secrets:leak.yml\nbranches: { production: main }\n",
      "evil/secrets:leak.yml": "api_token: hunter2\n",
    });
    const result = await resolveConfig(read, HOME);
    expect(reads).toEqual([`acme/forecast:${CONFIG}`]);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues).toEqual([
      {
        path: "_extends",
        message:
          '"evil/secrets:leak.yml" names a repository of evil, another owner: a configuration may extend only repositories of acme (such as acme/.github), so it was not read',
      },
    ]);
    expect(result.config.branches.production).toBe("main");
  });

  it("refuses another owner anywhere in the chain, and says which file asked", async () => {
    const { read, reads } = files({
      [`acme/.github:${CONFIG}`]: "_extends: shared\n",
      [`acme/shared:${CONFIG}`]: "_extends: evil/x\n",
    });
    const result = await resolveConfig(read, HOME);
    expect(reads).toEqual([`acme/forecast:${CONFIG}`, `acme/.github:${CONFIG}`, `acme/shared:${CONFIG}`]);
    expect(!result.ok && result.issues[0]?.path).toBe("_extends");
    expect(!result.ok && result.issues[0]?.message).toMatch(/^"evil\/x" names a repository of evil, another owner.*\(in acme\/shared:\.github\/branch-steward\.yml\)$/);
  });

  it.each([
    ["a loop", { [`acme/forecast:${CONFIG}`]: "_extends: a\n", [`acme/a:${CONFIG}`]: "_extends: forecast\n" }, /already read: the files extend each other in a loop/],
    ["itself", { [`acme/forecast:${CONFIG}`]: "_extends: acme/forecast\n" }, /acme\/forecast:\.github\/branch-steward\.yml was already read/],
    ["a number", { [`acme/forecast:${CONFIG}`]: "_extends: 12\n" }, /^not a repository name; use `repo`/],
    ["a host name", { [`acme/forecast:${CONFIG}`]: "_extends: evil.example/x.yml\n" }, /^"evil.example\/x.yml" is not a repository name/],
    ["a path that is not YAML", { [`acme/forecast:${CONFIG}`]: "_extends: shared:secrets.env\n" }, /is not a repository name/],
  ])("refuses an _extends that is %s", async (_what, contents, message) => {
    const result = await resolveConfig(files(contents).read, HOME);
    expect(!result.ok && result.issues).toEqual([{ path: "_extends", message: expect.stringMatching(message) as string }]);
  });

  it(`stops a chain longer than ${MAX_EXTENDS_CHAIN} files`, async () => {
    const contents: Record<string, string> = { [`acme/forecast:${CONFIG}`]: "_extends: r1\n" };
    for (let i = 1; i < 20; i++) contents[`acme/r${i}:${CONFIG}`] = `_extends: r${i + 1}\n`;
    const { read, reads } = files(contents);
    const result = await resolveConfig(read, HOME);
    expect(reads).toHaveLength(MAX_EXTENDS_CHAIN);
    expect(!result.ok && result.issues[0]).toMatchObject({ path: "_extends", message: expect.stringMatching(/more than 5 files extend one another/) as string });
  });

  it("reports a file that is not YAML, not a mapping, or not a file", async () => {
    const yaml = await resolveConfig(files({ [`acme/forecast:${CONFIG}`]: "branches:\n  production: [main\n" }).read, HOME);
    expect(!yaml.ok && yaml.issues[0]?.message).toMatch(/^Configuration could not be parsed from acme\/forecast:\.github\/branch-steward\.yml \(invalid YAML\) .*at line \d+, column \d+/);
    const list = await resolveConfig(files({ [`acme/forecast:${CONFIG}`]: "- a\n" }).read, HOME);
    expect(!list.ok && list.issues[0]?.message).toBe("acme/forecast:.github/branch-steward.yml must be a YAML mapping of keys to values");
    const dir = await resolveConfig(files({ [`acme/forecast:${CONFIG}`]: "directory" }).read, HOME);
    expect(!dir.ok && dir.issues[0]?.message).toBe("acme/forecast:.github/branch-steward.yml is a directory or a submodule, not a file");
  });

  it("treats an empty file as the defaults from a file", async () => {
    expect(await resolveConfig(files({ [`acme/forecast:${CONFIG}`]: "" }).read, HOME)).toEqual({ ok: true, config: DEFAULT_COMPILED, fromFile: true });
  });

  it("merges __proto__ as a plain (unknown) key", async () => {
    const { read } = files({ [`acme/forecast:${CONFIG}`]: "_extends: shared\n__proto__: { polluted: true }\n", [`acme/shared:${CONFIG}`]: "__proto__: { x: 1 }\n" });
    const result = await resolveConfig(read, HOME);
    expect(!result.ok && result.issues).toEqual([{ path: "__proto__", message: 'unknown key "__proto__"' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("extendsTarget", () => {
  it("reads Probot's forms, within the owner", () => {
    expect(extendsTarget("shared", "acme")).toEqual({ owner: "acme", repo: "shared", path: CONFIG });
    expect(extendsTarget("Acme/.github:a/b.yaml", "acme")).toEqual({ owner: "acme", repo: ".github", path: "a/b.yaml" });
    expect(extendsTarget("other/shared", "acme")).toEqual({ error: expect.stringMatching(/another owner/) as string });
    // Probot reads a URL as repository `https` of the same owner: it stays within acme.
    expect(extendsTarget("https://evil.example/x.yml", "acme")).toEqual({ owner: "acme", repo: "https", path: "//evil.example/x.yml" });
  });

  it("never points outside the owner, whatever the value", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom("evil/x", "x", "acme/x:y.yml", "a/b/c", "../x", "acme/../evil")), (value) => {
        const target = extendsTarget(value, "acme");
        if (!("error" in target)) {
          expect(target.owner).toBe("acme");
          expect(target.repo).toMatch(/^[-_.\w]+$/);
        }
      }),
    );
  });
});

describe("mergeConfigs", () => {
  it("gives one file back unchanged, and lets the first file win", () => {
    const json = fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }) as fc.Arbitrary<Record<string, unknown>>;
    fc.assert(
      fc.property(json, json, (a, b) => {
        expect(mergeConfigs([a])).toEqual(a);
        const merged = mergeConfigs([a, b]);
        for (const [k, v] of Object.entries(a)) {
          if (typeof v !== "object" || v === null || Array.isArray(v)) expect(merged[k]).toEqual(v);
        }
      }),
    );
  });
});

describe("a foreign _extends, end to end", () => {
  const t = useNockedProbot();
  const R = `/repos/${FULL_NAME}`;

  it("fails the check at `_extends`, never requests the other owner's file, and echoes nothing of it", async () => {
    const SECRET = "hunter2-do-not-echo";
    let foreignRead = false;
    const bodies: string[] = [];
    const record = (b: unknown) => (bodies.push(JSON.stringify(b)), true);
    mockAuth()
      .get(`${R}/pulls/7`)
      .reply(200, (pullRequestPayload({ action: "opened", source: "development", target: "main" }) as { pull_request: object }).pull_request)
      .get(`${R}/contents/.github%2Fbranch-steward.yml`)
      .reply(200, "_extends: evil/secrets:leak.yml\nbranches:\n  production: main\n", { "content-type": "application/vnd.github.raw; charset=utf-8" })
      .get(`${R}/commits/ec26c3e57ca3a959ca5aad62de7213c562f8c821/check-runs`)
      .query({ filter: "latest", per_page: "100" })
      .reply(200, { total_count: 0, check_runs: [] })
      .post(`${R}/check-runs`, record)
      .reply(201, { id: 1 })
      .get(`${R}/issues/7/comments`)
      .query({ per_page: "100" })
      .reply(200, [])
      .post(`${R}/issues/7/comments`, record)
      .reply(201, { id: 5 })
      .get(`${R}/issues/7/comments`)
      .query({ per_page: "100" })
      .reply(200, []);
    // Were it ever requested, the other owner's file would answer, and its keys would show up.
    nock(API)
      .get(/\/repos\/evil\//)
      .optionally()
      .reply(200, () => ((foreignRead = true), `api_token: ${SECRET}\n${SECRET}_key: 1\n`), { "content-type": "application/vnd.github.raw; charset=utf-8" });

    await t.probot.receive({ id: "d1", name: "pull_request", payload: pullRequestPayload({ action: "opened", source: "development", target: "main" }) as never });

    expect(foreignRead).toBe(false);
    nock.cleanAll(); // the optional foreign mock, unused as it must be
    const check = JSON.parse(bodies.find((b) => b.includes('"conclusion"')) ?? "{}") as { name: string; conclusion: string; output: { title: string; summary: string } };
    expect(check).toMatchObject({ name: "branch-steward / main", conclusion: "failure", output: { title: "configuration error: 1 problem in .github/branch-steward.yml" } });
    expect(check.output.summary).toContain("`_extends`");
    expect(check.output.summary).toContain("another owner");
    expect(bodies).toHaveLength(2);
    for (const body of bodies) expect(body).not.toContain(SECRET);
  });
});
