import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** The twin, the sandbox and the bench (tools/) are test machinery, never part of the app (lib/, the image). */
const TOOLS_MESSAGE = "src/ is the app: it must not import tools/ (the twin, the sandbox, the bench); only tests and tools/ may.";

const TOOLS = { regex: "(^|/)(lib-)?tools(/|$)", message: TOOLS_MESSAGE };
/** A relative import of one of `folders` (`../render/markdown.js`, `../../github`): `./types.js` and `../config/schema.js` stay allowed by the others. */
const below = (folders, message) => ({ regex: `(^|/)\\.\\.?/(?:\\.\\./)*(${folders})(/|\\.js$)`, message });
const restrict = (...patterns) => ({ "no-restricted-imports": ["error", { patterns: [TOOLS, ...patterns] }] });

export default tseslint.config(
  { ignores: ["lib/", "lib-replicas/", "lib-tools/", "node_modules/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  // Layers (docs/architecture.md): each src/ folder gets one merged list, because flat config does not merge rule options.
  { files: ["src/**"], rules: restrict() },
  {
    files: ["src/policy/**/*.ts"],
    rules: restrict(
      below("github|render|handlers|workflows|reconcile|observability|infra", "policy is pure: data in, data out"),
      { regex: "^(probot|@octokit/.*|pino|ioredis)$", message: "policy does no I/O" },
    ),
  },
  { files: ["src/render/**/*.ts"], rules: restrict(below("github|handlers|workflows|reconcile", "render turns data into words only")) },
  { files: ["src/github/**/*.ts"], rules: restrict(below("render|handlers|workflows|reconcile", "github adapters return data; render owns words")) },
  // The loader is config's shell: it reads the files through github/config-file.ts.
  { files: ["src/config/**/*.ts", "src/model/**/*.ts"], ignores: ["src/config/load.ts"], rules: restrict(below("github|render|handlers|workflows|reconcile", "config and model are leaves")) },
  { files: ["src/workflows/**/*.ts"], rules: restrict(below("handlers|reconcile", "workflows never call handlers")) },
  { files: ["src/reconcile/**/*.ts"], rules: restrict(below("handlers", "reconcilers call workflows, never handlers")) },
  {
    files: ["tools/twin/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ regex: "(^|/)(sandbox|bench|src|lib)(/|$)", message: "The twin stands alone: it imports neither the app nor the sandbox or the bench." }] }],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
);
