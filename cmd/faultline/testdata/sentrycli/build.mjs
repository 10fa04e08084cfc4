// Usage: node build.mjs OUTDIR
// Builds app/ twice with esbuild, minified with linked source maps carrying
// sourcesContent, with settings that make the two outputs differ:
//   OUTDIR/browser/checkout.js(.map)  an IIFE for browsers (es2017, a banner),
//                                      exposing globalThis.checkoutApp
//   OUTDIR/node/checkout.mjs(.map)    an ES module for Node.js (node18)
// esbuild writes to memory as if the outputs lived in dist/ beside app/, so
// the maps name their sources "../../app/*.ts" wherever OUTDIR is.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const outRoot = process.argv[2];
if (!outRoot) {
  console.error("usage: node build.mjs OUTDIR");
  process.exit(2);
}

const common = {
  entryPoints: [path.join(here, "app", "main.ts")],
  bundle: true, write: false, minify: true, sourcemap: "linked", sourcesContent: true,
  logLevel: "warning",
};
const builds = [
  { name: "browser", ext: ".js", options: { format: "iife", globalName: "checkoutApp", platform: "browser",
    target: "es2017", banner: { js: "/* checkout web build */" } } },
  { name: "node", ext: ".mjs", options: { format: "esm", platform: "node", target: "node18" } },
];

for (const b of builds) {
  const virtualDir = path.join(here, "dist", b.name);
  const result = await build({ ...common, ...b.options, outfile: path.join(virtualDir, "checkout" + b.ext) });
  const dir = path.join(outRoot, b.name);
  mkdirSync(dir, { recursive: true });
  for (const file of result.outputFiles) {
    writeFileSync(path.join(dir, path.relative(virtualDir, file.path)), file.contents);
  }
}
