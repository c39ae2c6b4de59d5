/// <reference types="node" />
// axe-core in the page, WCAG 2.x A and AA rules: zero violations or the test fails with them.
// Injected through the DevTools protocol (page.evaluate), which the page's CSP does not block.
import fs from "node:fs";
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

interface AxeResult {
  violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
}

export async function checkA11y(page: Page, screen: string): Promise<void> {
  const hasAxe = await page.evaluate(() => "axe" in window);
  if (!hasAxe) await page.evaluate(`${AXE_SOURCE}\n;void 0`);
  const result = (await page.evaluate(() =>
    (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<unknown> } }).axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
    }),
  )) as AxeResult;
  const problems = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
  assert.deepEqual(problems, [], `axe on ${screen}`);
}
