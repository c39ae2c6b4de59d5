/// <reference types="node" />
// The stylesheet uses logical properties only, so right-to-left languages mirror by themselves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import path from "node:path";

// ctest says where the sources are; by hand, run from the checkout's root.
const CSS_FILE = path.join(process.env.KRING_WEB_SRC ?? "web", "src", "app.css");

export function physicalProperties(css: string): string[] {
  const noComments = css.replace(/\/\*[\s\S]*?\*\//g, "");
  const found: string[] = [];
  const re = /(^|[;{\s])((?:margin|padding|border|inset)-(?:left|right|top|bottom)[a-z-]*|left|right|top|bottom|float|clear|text-align)\s*:\s*([^;}]*)/g;
  for (const m of noComments.matchAll(re)) {
    const prop = m[2]!;
    const value = m[3]!.trim();
    if ((prop === "float" || prop === "clear" || prop === "text-align") && !/\b(left|right)\b/.test(value)) continue;
    found.push(`${prop}: ${value}`);
  }
  return found;
}

test("app.css uses no physical left/right/top/bottom", () => {
  const css = readFileSync(CSS_FILE, "utf8");
  assert.deepEqual(physicalProperties(css), []);
});

test("the check finds physical properties", () => {
  assert.deepEqual(physicalProperties(".a { margin-left: 1px; text-align: right } .b{top:0}"), [
    "margin-left: 1px",
    "text-align: right",
    "top: 0",
  ]);
  assert.deepEqual(physicalProperties(".a { margin-inline-start: 1px; text-align: end }"), []);
});
