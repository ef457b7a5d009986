// Flat config: eslint's recommended rules plus typescript-eslint's, and one project rule —
// modules under src/logic/ must not import `vscode`, so node's test runner can load them.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["out/**", "out-test/**", "bundled/**", "node_modules/**", "e2e/node_modules/**", "**/*.vsix"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
      curly: "error",
    },
  },
  {
    files: ["src/logic/**/*.ts", "test/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        paths: [{ name: "vscode", message: "src/logic stays vscode-free so `node --test` can run it." }],
        patterns: [{ group: ["vscode-languageclient*", "@vscode/python-extension"], message: "src/logic stays vscode-free." }],
      }],
    },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: {
      globals: {
        process: "readonly", console: "readonly", setTimeout: "readonly", clearTimeout: "readonly",
        URL: "readonly", Buffer: "readonly", fetch: "readonly", AbortSignal: "readonly",
      },
    },
  },
);
