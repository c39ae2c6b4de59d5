#!/usr/bin/env node
// How long the web app takes for a busy member (issue 13, docs/benchmarks.md): from pressing
// "log in" to the rendered network list, and from opening a thread to its last 50 messages,
// for a member of 50 networks x 4 threads x 200 messages, in headless Debian chromium.
//
//   node web/scripts/load_time.mjs [--runs 20] [--networks 50] [--threads 4] [--messages 200]
//        [--kringd build/server/kringd] [--bench build/bench/kring-bench]
//        [--dist build/web/dist] [--chromium /usr/bin/chromium] [--json]
//
// Starts its own kringd (temp data dir, 127.0.0.1 port 0, the app from --dist, default password
// hashing), seeds it with `kring-bench seed`, then repeats --runs times in a fresh browser
// context each (no cookies, no cache): log in on the login screen, open network i's first
// thread. Times are taken in the page (performance marks): from the click to the frame after
// the last row / the 50th message is in the DOM. Prints each run, then the median and p95.
// A benchmark: it asserts nothing about the times.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { chromium } from "playwright-core";

function parseArgs(argv) {
  const a = {
    runs: 20,
    networks: 50,
    threads: 4,
    messages: 200,
    kringd: "build/server/kringd",
    bench: "build/bench/kring-bench",
    dist: "build/web/dist",
    chromium: "/usr/bin/chromium",
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, "");
    if (key === "json") a.json = true;
    else if (key in a) a[key] = typeof a[key] === "number" ? Number(argv[++i]) : argv[++i];
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return a;
}

const ADMIN_PASSWORD = "admin-password-long-enough-0123";

async function startKringd(args) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kring-load-time-"));
  const config = path.join(dir, "kringd.toml");
  // Default password hashing (a login costs what it costs in production). The seeder logs in
  // its 50 clients at once from one address, so the caps on that are lifted (as for
  // kring-bench's own kringd).
  fs.writeFileSync(
    config,
    [
      "[bootstrap]",
      'admin_handle = ""',
      "[login_throttle]",
      "free_failures = 1000000",
      "[connections]",
      "max_per_address = 0",
      "[web]",
      `root = ${JSON.stringify(path.resolve(args.dist))}`,
    ].join("\n") + "\n",
  );
  const created = spawnSync(
    args.kringd,
    ["admin", "create", "admin", "--kind", "admin", "--data-dir", dir, "--config", config, "--password-stdin"],
    { input: ADMIN_PASSWORD + "\n" },
  );
  if (created.status !== 0) throw new Error(`kringd admin create: ${created.stderr}`);
  const child = spawn(args.kringd, ["serve", "--data-dir", dir, "--listen", "127.0.0.1:0", "--config", config], {
    stdio: ["ignore", "pipe", fs.openSync(path.join(dir, "kringd.stderr"), "a")],
  });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("kringd did not start")), 30_000);
    child.on("exit", (code) => reject(new Error(`kringd exited ${code}`)));
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      const m = /^kringd: listening on .*:(\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const stop = () =>
    new Promise((resolve) => {
      child.once("exit", resolve);
      child.kill("SIGTERM");
    }).then(() => fs.rmSync(dir, { recursive: true, force: true }));
  return { dir, port, child, stop };
}

function seed(args, kringd) {
  const passwordFile = path.join(kringd.dir, "admin-password");
  fs.writeFileSync(passwordFile, ADMIN_PASSWORD + "\n", { mode: 0o600 });
  const r = spawnSync(args.bench, [
    "seed",
    "--server", `wss://127.0.0.1:${kringd.port}`,
    "--ca", path.join(kringd.dir, "tls", "cert.pem"),
    "--admin-password-file", passwordFile,
    "--server-pid", String(kringd.child.pid),
    "--networks", String(args.networks),
    "--thread-count", String(args.threads),
    "--messages", String(args.messages),
    "--json",
  ]);
  if (r.status !== 0) throw new Error(`kring-bench seed: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout.toString());
}

// In the page: clicks `clickSelector`, then resolves with the ms from the click to the first
// frame after `until` holds: at least `count` elements match `all`, and `one` matches one
// (checked on every DOM change). No code is passed as text: the page's CSP forbids eval.
function timeInPage(page, clickSelector, until) {
  return page.evaluate(
    ({ clickSelector, until }) =>
      new Promise((resolve) => {
        const done = () =>
          document.querySelectorAll(until.all).length >= until.count &&
          (!until.one || document.querySelector(until.one) !== null);
        const observer = new MutationObserver(check);
        function check() {
          if (!done()) return;
          observer.disconnect();
          requestAnimationFrame(() => {
            performance.mark("kring-done");
            resolve(performance.measure("kring", "kring-click", "kring-done").duration);
          });
        }
        observer.observe(document.body, { childList: true, subtree: true, attributes: true });
        performance.clearMarks();
        performance.mark("kring-click");
        document.querySelector(clickSelector).click();
        check();
      }),
    { clickSelector, until },
  );
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const kringd = await startKringd(args);
  let browser;
  try {
    const seeded = seed(args, kringd);
    const origin = `https://127.0.0.1:${kringd.port}`;
    browser = await chromium.launch({
      executablePath: args.chromium,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
    const runs = [];
    for (let i = 0; i < args.runs; i++) {
      const context = await browser.newContext({
        ignoreHTTPSErrors: true,
        viewport: { width: 360, height: 740 },
        locale: "nl-NL",
        timezoneId: "Europe/Amsterdam",
      });
      const page = await context.newPage();
      await page.goto(origin + "/");
      await page.locator('input[name="handle"]').fill(seeded.member);
      await page.locator('input[name="password"]').fill(seeded.password);
      const session = page.waitForResponse((r) => r.url().endsWith("/v1/session"));
      const loginMs = await timeInPage(page, 'button[type="submit"]', {
        all: "main ul.list > li",
        count: args.networks,
      });
      const sessionTiming = (await session).request().timing();
      const n = i % args.networks;
      await page.locator("main ul.list > li a").nth(n).click();
      const threadLink = page.locator('main a[href*="/t/"]').first();
      await threadLink.waitFor();
      const threadMs = await timeInPage(page, 'main a[href*="/t/"]', {
        all: "li.message[data-seq]",
        count: Math.min(50, args.messages),
        one: `li.message[data-seq="${args.messages}"]`,
      });
      runs.push({ loginMs, sessionMs: sessionTiming.responseEnd, threadMs });
      if (!args.json) {
        console.log(
          `run ${String(i + 1).padStart(2)}: login -> ${args.networks} networks ${loginMs.toFixed(0)} ms ` +
            `(POST /v1/session ${sessionTiming.responseEnd.toFixed(0)} ms), thread -> last 50 ${threadMs.toFixed(0)} ms`,
        );
      }
      await context.close();
    }
    const summary = (key) => ({
      median: percentile(runs.map((r) => r[key]), 50),
      p95: percentile(runs.map((r) => r[key]), 95),
    });
    const result = {
      networks: args.networks,
      threads: args.threads,
      messages: args.messages,
      runs: args.runs,
      seed_s: seeded.setup_s + seeded.post_s,
      login_to_networks_ms: summary("loginMs"),
      of_which_post_session_ms: summary("sessionMs"),
      open_thread_to_last_50_ms: summary("threadMs"),
      chromium: browser.version(),
      loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
    };
    if (args.json) {
      console.log(JSON.stringify(result));
    } else {
      const row = (name, s) => `${name.padEnd(36)} median ${s.median.toFixed(0).padStart(5)} ms, p95 ${s.p95.toFixed(0).padStart(5)} ms`;
      console.log(`member of ${args.networks} networks x ${args.threads} threads x ${args.messages} messages ` +
        `(seeded in ${result.seed_s.toFixed(1)} s), ${args.runs} runs, chromium ${result.chromium}`);
      console.log(row("login -> network list", result.login_to_networks_ms));
      console.log(row("  of which POST /v1/session", result.of_which_post_session_ms));
      console.log(row("open thread -> last 50 messages", result.open_thread_to_last_50_ms));
      console.log(`load average ${result.loadavg.join(" ")}`);
    }
  } finally {
    await browser?.close();
    await kringd.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
