#!/usr/bin/env node
// Builds the web app into the build tree (called by web/CMakeLists.txt; runnable by hand):
//
//   node web/scripts/build.mjs --out build/web [--protoc /usr/bin/protoc]
//
// 1. generates TypeScript from proto/kring/v1/kring.proto with Debian's protoc and
//    protoc-gen-es into OUT/gen (never committed: one schema, no hand-written codec);
// 2. type-checks web/src and web/test with tsc (OUT/tsconfig.json maps @kring/proto/* to OUT/gen);
// 3. bundles the app with esbuild into OUT/dist: index.html (no inline script or style) and
//    content-hashed assets under assets/, then swaps the new dist in whole;
// 4. bundles each web/test/**/*.test.ts into OUT/test/*.test.mjs for `node --test` (ctest).
//
// Needs web/node_modules (npm ci) and OUT/node_modules (a symlink to it, made by CMake).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const rootDir = path.resolve(webDir, "..");

function parseArgs(argv) {
  const args = { out: path.join(rootDir, "build", "web"), protoc: "protoc" };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split("=", 2);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${key} needs a value`);
    if (key === "--out") args.out = path.resolve(value);
    else if (key === "--protoc") args.protoc = value;
    else throw new Error(`unknown option ${key}`);
  }
  return args;
}

function run(cmd, argv, what) {
  const result = spawnSync(cmd, argv, { stdio: "inherit" });
  if (result.error) throw new Error(`${what}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status})`);
}

function listFiles(dir, suffix) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: false })
    .map((f) => String(f))
    .filter((f) => f.endsWith(suffix))
    .map((f) => path.join(dir, f))
    .sort();
}

function generateProto(out, protoc) {
  const gen = path.join(out, "gen");
  fs.rmSync(gen, { recursive: true, force: true });
  fs.mkdirSync(gen, { recursive: true });
  const plugin = path.join(webDir, "node_modules", ".bin", "protoc-gen-es");
  const protoDir = path.join(rootDir, "proto");
  run(
    protoc,
    [
      `--plugin=protoc-gen-es=${plugin}`,
      `--es_out=${gen}`,
      "--es_opt=target=ts,import_extension=js",
      `-I${protoDir}`,
      path.join(protoDir, "kring", "v1", "kring.proto"),
    ],
    "protoc",
  );
}

function writeTsconfig(out) {
  const tsconfig = {
    extends: path.join(webDir, "tsconfig.json"),
    compilerOptions: { paths: { "@kring/proto/*": ["./gen/*"] } },
    include: [path.join(webDir, "src"), path.join(webDir, "test"), "./gen"],
  };
  const file = path.join(out, "tsconfig.json");
  fs.writeFileSync(file, JSON.stringify(tsconfig, null, 2) + "\n");
  return file;
}

function typecheck(tsconfig) {
  const tsc = path.join(webDir, "node_modules", "typescript", "bin", "tsc");
  run(process.execPath, [tsc, "-p", tsconfig, "--noEmit"], "tsc");
}

async function bundleApp(esbuild, out, tsconfig) {
  const staging = path.join(out, "dist.new");
  fs.rmSync(staging, { recursive: true, force: true });
  const result = await esbuild.build({
    entryPoints: { app: path.join(webDir, "src", "main.tsx") },
    bundle: true,
    minify: true,
    sourcemap: false,
    format: "esm",
    target: ["es2020", "chrome100", "firefox100", "safari15"],
    tsconfig,
    outdir: path.join(staging, "assets"),
    entryNames: "[name]-[hash]",
    assetNames: "[name]-[hash]",
    loader: { ".woff2": "file", ".svg": "file" },
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  let js = "";
  let css = "";
  for (const [file, info] of Object.entries(result.metafile.outputs)) {
    if (!info.entryPoint && !file.endsWith(".css")) continue;
    const rel = path.relative(staging, path.resolve(file)).split(path.sep).join("/");
    if (file.endsWith(".js")) js = rel;
    else if (file.endsWith(".css")) css = rel;
  }
  if (!js || !css) throw new Error("esbuild produced no app script or stylesheet");
  const template = fs.readFileSync(path.join(webDir, "src", "index.html"), "utf8");
  const html = template.replace("%APP_CSS%", `/${css}`).replace("%APP_JS%", `/${js}`);
  if (/<script(?![^>]*\bsrc=)[^>]*>|<style|\son[a-z]+=/i.test(html)) {
    throw new Error("index.html must not hold inline script or style (CSP)");
  }
  fs.writeFileSync(path.join(staging, "index.html"), html);
  // Swap the new tree in whole, so a running kringd never serves a half-written dist.
  const dist = path.join(out, "dist");
  const old = path.join(out, "dist.old");
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(dist)) fs.renameSync(dist, old);
  fs.renameSync(staging, dist);
  fs.rmSync(old, { recursive: true, force: true });
}

async function bundleTests(esbuild, out, tsconfig) {
  const testOut = path.join(out, "test");
  fs.rmSync(testOut, { recursive: true, force: true });
  const entries = listFiles(path.join(webDir, "test"), ".test.ts");
  if (entries.length === 0) return;
  const entryPoints = {};
  for (const file of entries) {
    const rel = path.relative(path.join(webDir, "test"), file).replace(/\.ts$/, "");
    entryPoints[rel] = file;
  }
  await esbuild.build({
    entryPoints,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node18",
    tsconfig,
    outdir: testOut,
    outExtension: { ".js": ".mjs" },
    // Kept as packages: playwright-core finds its own files at run time (OUT/node_modules).
    external: ["playwright-core", "axe-core"],
    // Bundled CommonJS dependencies may call require(); give them one.
    banner: { js: "import { createRequire as __kringRequire } from 'node:module';" +
      "const require = __kringRequire(import.meta.url);" },
    logLevel: "warning",
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  fs.mkdirSync(args.out, { recursive: true });
  const esbuild = await import(path.join(webDir, "node_modules", "esbuild", "lib", "main.js"));
  generateProto(args.out, args.protoc);
  const tsconfig = writeTsconfig(args.out);
  typecheck(tsconfig);
  await bundleApp(esbuild.default ?? esbuild, args.out, tsconfig);
  await bundleTests(esbuild.default ?? esbuild, args.out, tsconfig);
}

main().catch((e) => {
  console.error(`web build: ${e.message}`);
  process.exit(1);
});
