#!/usr/bin/env node
// First-load bytes of the web app: what a browser fetches before the first screen (index.html,
// then the script and stylesheet it names), raw and gzip -9. docs/benchmarks.md has the numbers.
//
//   node web/scripts/size.mjs [build/web/dist]
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const dist = path.resolve(process.argv[2] ?? "build/web/dist");
const html = fs.readFileSync(path.join(dist, "index.html"));
const refs = [...html.toString().matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]);
const files = [["index.html", html], ...refs.map((r) => [r, fs.readFileSync(path.join(dist, r))])];
let raw = 0;
let gz = 0;
for (const [name, bytes] of files) {
  const z = zlib.gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gz += z;
  console.log(`${name.padEnd(32)} ${String(bytes.length).padStart(8)} B  ${String(z).padStart(7)} B gzip`);
}
console.log(`${"total".padEnd(32)} ${String(raw).padStart(8)} B  ${String(gz).padStart(7)} B gzip (${(gz / 1024).toFixed(1)} KiB)`);
