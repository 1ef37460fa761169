import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** The twin, the sandbox and the bench (tools/) are test machinery, never part of the app (lib/, the image). */
const TOOLS_MESSAGE = "src/ is the app: it must not import tools/ (the twin, the sandbox, the bench); only tests and tools/ may.";

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
  {
    files: ["src/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ regex: "(^|/)(lib-)?tools(/|$)", message: TOOLS_MESSAGE }] }],
    },
  },
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
