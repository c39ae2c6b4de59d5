/// <reference types="node" />
// The browser tests' real parts: a kringd process on 127.0.0.1 port 0 with a temp data dir (as
// tests/integration/kringd_process.cc starts it), people set up through the real `kring` CLI, and
// Debian's chromium driven headless by playwright-core (never a downloaded browser).
//
// Paths come from ctest's environment (web/CMakeLists.txt): KRINGD, KRING_CLI, CHROMIUM.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { after, before } from "node:test";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

const START_DEADLINE_MS = 30_000;
const CLI_DEADLINE_MS = 30_000;

export function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through ctest: web/CMakeLists.txt sets it)`);
  return v;
}

export function passwordFor(handle: string): string {
  return `pw-${handle}-long-enough-0123`;
}

export class Kringd {
  readonly dataDir: string;
  readonly configFile: string;
  port = 0;
  // The bootstrap admin's one-time password, as `kringd serve` printed it at the first start
  // (only with Kringd.create's bootstrapAdmin).
  bootstrapPassword: string | undefined;
  private child: ChildProcess | undefined;
  private stderrFd: number;

  private constructor(dataDir: string) {
    this.dataDir = dataDir;
    this.configFile = path.join(dataDir, "kringd.toml");
    this.stderrFd = fs.openSync(path.join(dataDir, "kringd.stderr"), "a");
  }

  // A fresh data dir with fast password hashing, no bootstrap admin, and `admin` created offline.
  // With `bootstrapAdmin` instead: no `admin`, and the first start creates that admin with a
  // one-time password (bootstrapPassword), as on a real first start.
  static async create(extraConfig = "", opts: { bootstrapAdmin?: string } = {}): Promise<Kringd> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kring-web-"));
    fs.chmodSync(dir, 0o700);
    const k = new Kringd(dir);
    fs.writeFileSync(
      k.configFile,
      [
        "[passwords]",
        "time_cost = 1",
        "memory_kib = 1024",
        "parallelism = 1",
        "[bootstrap]",
        `admin_handle = ${JSON.stringify(opts.bootstrapAdmin ?? "")}`,
        "[web]",
        // The app this build made (ctest says where), served at / as in dev.
        `root = ${JSON.stringify(env("KRING_WEB_DIST"))}`,
        extraConfig,
      ].join("\n") + "\n",
    );
    if (!opts.bootstrapAdmin) {
      await k.run(["admin", "create", "admin", "--kind", "admin", "--data-dir", dir, "--config", k.configFile, "--password-stdin"], passwordFor("admin"));
    }
    return k;
  }

  private run(args: string[], stdin: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(env("KRINGD"), args, { stdio: ["pipe", "pipe", this.stderrFd] });
      let out = "";
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`kringd ${args[0]} timed out`));
      }, CLI_DEADLINE_MS);
      child.stdout!.on("data", (d) => (out += d));
      child.on("exit", (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`kringd ${args.join(" ")} exited ${code}: ${out}${this.stderr()}`));
      });
      child.stdin!.on("error", () => {});  // EPIPE when kringd exits before reading it
      child.stdin!.end(stdin + "\n");
    });
  }

  stderr(): string {
    try {
      return fs.readFileSync(path.join(this.dataDir, "kringd.stderr"), "utf8");
    } catch {
      return "";
    }
  }

  get origin(): string {
    return `https://127.0.0.1:${this.port}`;
  }
  get caFile(): string {
    return path.join(this.dataDir, "tls", "cert.pem");
  }

  // Starts `kringd serve` (on the same port as before when restarted) and waits for its
  // "kringd: listening on HOST:PORT" line.
  async start(): Promise<void> {
    const listen = `127.0.0.1:${this.port}`;
    const child = spawn(
      env("KRINGD"),
      ["serve", "--data-dir", this.dataDir, "--listen", listen, "--config", this.configFile],
      { stdio: ["ignore", "pipe", this.stderrFd] },
    );
    this.child = child;
    const lines = readline.createInterface({ input: child.stdout! });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kringd did not start:\n${this.stderr()}`)), START_DEADLINE_MS);
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`kringd exited ${code} before listening:\n${this.stderr()}`));
      });
      lines.on("line", (line) => {
        const boot = /^kringd: bootstrap admin ".*" created; one-time password: (\S+)$/.exec(line);
        if (boot) this.bootstrapPassword = boot[1];
        const m = /^kringd: listening on .*:(\d+)$/.exec(line);
        if (m) {
          clearTimeout(timer);
          this.port = Number(m[1]);
          resolve();
        }
      });
    });
  }

  // SIGKILL: the crash of the offline-outbox test. Waits until the process is gone.
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }

  async stop(keepDir = false): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill("SIGTERM");
      });
    }
    fs.closeSync(this.stderrFd);
    if (!keepDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

// One person at a terminal: their own KRING_HOME, commands through the real `kring` CLI.
export class CliUser {
  readonly home: string;
  constructor(
    readonly kringd: Kringd,
    readonly handle: string,
  ) {
    this.home = path.join(kringd.dataDir, "cli", handle);
  }

  run(args: string[], stdin = ""): Promise<string> {
    const full = ["--server", `wss://127.0.0.1:${this.kringd.port}`, "--ca", this.kringd.caFile, ...args];
    return new Promise((resolve, reject) => {
      const envVars: NodeJS.ProcessEnv = { ...process.env, KRING_HOME: this.home };
      delete envVars.KRING_SERVER;
      delete envVars.KRING_CA;
      const child = spawn(env("KRING_CLI"), full, { stdio: ["pipe", "pipe", "pipe"], env: envVars });
      let out = "";
      let err = "";
      const timer = setTimeout(() => child.kill("SIGKILL"), CLI_DEADLINE_MS);
      child.stdout!.on("data", (d) => (out += d));
      child.stderr!.on("data", (d) => (err += d));
      child.on("exit", (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`kring ${args.join(" ")} (as ${this.handle}) exited ${code}: ${err}`));
      });
      // A command that does not read its stdin may exit before it is written: EPIPE then, and
      // the exit code (above) says how it went.
      child.stdin!.on("error", () => {});
      child.stdin!.end(stdin);
    });
  }

  // --json output, one object per line.
  async json(args: string[], stdin = ""): Promise<Record<string, unknown>[]> {
    const out = await this.run(["--json", ...args], stdin);
    return out
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  async login(): Promise<void> {
    await this.run(["login", this.handle, "--password-stdin"], passwordFor(this.handle) + "\n");
  }
}

export async function createAccount(
  admin: CliUser,
  handle: string,
  kind: "client" | "member" | "admin",
  name: string,
  profession = "",
) {
  const args = ["user", "create", handle, "--kind", kind, "--name", name, "--password-stdin"];
  if (profession) args.push("--profession", profession);
  await admin.run(args, passwordFor(handle) + "\n");
  const user = new CliUser(admin.kringd, handle);
  await user.login();
  return user;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
}

export interface KringdAndBrowser {
  readonly kringd: Kringd;
  readonly browser: Browser;
}

// The before/after every browser test file shares: before its tests, a kringd on a fresh data dir
// (with `extraConfig` appended to its config) is started, chromium launched, and then `setUp`
// run; after them, both are stopped and the data dir removed. Call it once at the top level of
// the file; the fields are set once the before hook has run, so read them inside tests. Set-up
// of the file's own goes in `setUp`, not in a before hook of its own: node:test starts the
// top-level before hooks without waiting for the one before to finish.
export function kringdAndBrowser(
  opts: {
    extraConfig?: string;
    bootstrapAdmin?: string;  // see Kringd.create
    setUp?: (world: KringdAndBrowser) => Promise<void>;
  } = {},
): KringdAndBrowser {
  const world = {} as { kringd: Kringd; browser: Browser };
  before(async () => {
    world.kringd = await Kringd.create(opts.extraConfig, { bootstrapAdmin: opts.bootstrapAdmin });
    await world.kringd.start();
    world.browser = await launchBrowser();
    await opts.setUp?.(world);
  });
  after(async () => {
    await world.browser?.close();
    await world.kringd?.stop();
  });
  return world;
}

// A phone-sized context that trusts kringd's self-signed dev certificate.
export async function phoneContext(browser: Browser, opts: { locale?: string } = {}): Promise<BrowserContext> {
  return browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 1,
    hasTouch: true,
    locale: opts.locale ?? "nl-NL",
    timezoneId: "Europe/Amsterdam",
  });
}

// Logs in through the login screen.
export async function logIn(page: Page, kringd: Kringd, handle: string): Promise<void> {
  await page.goto(kringd.origin + "/");
  await page.locator('input[name="handle"]').fill(handle);
  await page.locator('input[name="password"]').fill(passwordFor(handle));
  await page.locator('button[type="submit"]').click();
  await page.locator("nav").waitFor();
}
