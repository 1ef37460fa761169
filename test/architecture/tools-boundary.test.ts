/**
 * The app (src/, built into lib/ and the Docker image) never contains the twin, the sandbox or the
 * bench (tools/). Three guards: the eslint rule rejects every import form from src/ into tools/,
 * no relative specifier in src/ (dynamic import included) resolves into tools/, and the build
 * config compiles src/ alone, without source maps.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

const ROOT = resolve(new URL(".", import.meta.url).pathname, "..", "..");

interface Linted {
  readonly file: string;
  readonly rules: string[];
}

/** Lints source texts as if they lived at the given paths, with the repository's own eslint.config.js. */
function lint(cases: ReadonlyArray<{ file: string; code: string }>): Linted[] {
  const script = `
    import { ESLint } from "eslint";
    const cases = JSON.parse(process.argv[1]);
    const eslint = new ESLint({ cwd: process.cwd() });
    const out = [];
    for (const c of cases) {
      const [result] = await eslint.lintText(c.code, { filePath: c.file });
      out.push({ file: c.file, rules: result.messages.map((m) => m.ruleId ?? m.message) });
    }
    console.log(JSON.stringify(out));`;
  const { NODE_OPTIONS: _n, ...env } = process.env;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(cases)], { cwd: ROOT, env, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`eslint failed:\n${run.stdout}${run.stderr}`);
  return JSON.parse(run.stdout) as Linted[];
}

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));

describe("src/ does not reach into tools/", () => {
  it("eslint rejects every import form from src/ into the twin, the sandbox, the bench or their build", () => {
    const forbidden = [
      `import { startTwin } from "../../tools/twin/index.js";\nexport const t = startTwin;`,
      `import type { Twin } from "../tools/twin/index.js";\nexport type T = Twin;`,
      `export { startStack } from "../../tools/sandbox/stack.js";`,
      `export * from "../../tools/bench/main.js";`,
      `import "../../tools/sandbox/main.js";`,
      `import { startTwin } from "../../lib-tools/tools/twin/index.js";\nexport const t = startTwin;`,
    ];
    const allowed = `import { appIdentity } from "../github/identity.js";\nexport const a = appIdentity;`;
    const results = lint([
      ...forbidden.map((code) => ({ file: join(ROOT, "src", "handlers", "probe.ts"), code })),
      { file: join(ROOT, "src", "handlers", "probe.ts"), code: allowed },
      // The same twin import is fine from a test and from the bench.
      { file: join(ROOT, "test", "twin", "probe.test.ts"), code: forbidden[0]! },
      { file: join(ROOT, "tools", "bench", "probe.ts"), code: `import { startTwin } from "../twin/index.js";\nexport const t = startTwin;` },
      // The twin stands alone: not even the app's code.
      { file: join(ROOT, "tools", "twin", "probe.ts"), code: `import { createApp } from "../../src/index.js";\nexport const c = createApp;` },
      { file: join(ROOT, "tools", "twin", "probe.ts"), code: `import { startStack } from "../sandbox/stack.js";\nexport const s = startStack;` },
    ]);
    const restricted = results.map((r) => r.rules.includes("no-restricted-imports"));
    expect(restricted).toEqual([...forbidden.map(() => true), false, false, false, true, true]);
    expect(results.slice(forbidden.length, forbidden.length + 3).map((r) => r.rules)).toEqual([[], [], []]);
  }, 120_000);

  it("no relative specifier in src/ (static, dynamic or re-export) resolves into tools/ or lib-tools/", () => {
    const files = sourceFiles(join(ROOT, "src"));
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/["'`](\.{1,2}\/[^"'`\s]*)["'`]/g)]
        .map((m) => relative(ROOT, resolve(dirname(file), m[1]!)))
        .filter((target) => /^(lib-)?tools($|[\\/])/.test(target))
        .map((target) => `${relative(ROOT, file)} → ${target}`),
    );
    expect(offenders).toEqual([]);
  });
});

describe("the build (lib/, the image) is the app alone", () => {
  const parse = (config: string): ts.ParsedCommandLine => {
    const file = join(ROOT, config);
    const { config: json, error } = ts.readConfigFile(file, ts.sys.readFile);
    if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
    return ts.parseJsonConfigFileContent(json, ts.sys, dirname(file), undefined, file);
  };

  it("tsconfig.build.json compiles src/ only, into lib/, without source maps", () => {
    const build = parse("tsconfig.build.json");
    expect(build.errors).toEqual([]);
    const outside = build.fileNames.map((f) => relative(ROOT, f)).filter((f) => f.split(sep)[0] !== "src");
    expect(outside).toEqual([]);
    expect(build.fileNames.some((f) => f.endsWith(join("src", "main.ts")))).toBe(true);
    expect(build.fileNames.some((f) => f.endsWith(join("src", "cli", "main.ts")))).toBe(true);
    expect(build.options.outDir).toBe(join(ROOT, "lib"));
    expect(build.options.rootDir).toBe(join(ROOT, "src"));
    expect(build.options.sourceMap).toBe(false);
  });

  it("the tools build into lib-tools/, and the type check covers them", () => {
    const tools = parse(join("tools", "tsconfig.json"));
    expect(tools.options.outDir).toBe(join(ROOT, "lib-tools"));
    for (const entry of ["twin/index.ts", "sandbox/main.ts", "bench/main.ts"]) {
      expect(tools.fileNames).toContain(join(ROOT, "tools", entry));
    }
    expect(parse("tsconfig.json").fileNames).toContain(join(ROOT, "tools", "twin", "index.ts"));
  });
});
