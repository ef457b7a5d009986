// Builds the extension into one CommonJS file, out/extension.js (vscode stays external),
// or, with --tests, compiles the vscode-free modules and their tests into out-test/ for `node --test`.
import * as esbuild from "esbuild";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const args = new Set(process.argv.slice(2));
const production = args.has("--production");

function tsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

if (args.has("--tests")) {
  rmSync("out-test", { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [...tsFiles("src/logic"), ...tsFiles("test")],
    outdir: "out-test",
    outbase: ".",
    format: "cjs",
    platform: "node",
    target: "node20",
    sourcemap: "inline",
    logLevel: "warning",
  });
} else {
  const options = {
    entryPoints: ["src/extension.ts"],
    outfile: "out/extension.js",
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    external: ["vscode"],
    minify: production,
    sourcemap: production ? false : "linked",
    legalComments: production ? "none" : "inline",
    logLevel: "info",
  };
  if (args.has("--watch")) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  } else {
    rmSync("out", { recursive: true, force: true });
    await esbuild.build(options);
  }
}
