/// <reference types="node" />
// The offline outbox in the browser: kringd is killed mid-send, messages are written while it is
// down, and after it is back each message is stored exactly once, in the order written.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CliUser, createAccount, kringdAndBrowser, logIn, phoneContext } from "./harness";

const world = kringdAndBrowser();

test("messages written while kringd is down are stored once each, in order, after it is back", async () => {
  const { kringd, browser } = world;
  const admin = new CliUser(kringd, "admin");
  await admin.login();
  const selam = await createAccount(admin, "selam", "client", "Selam");
  const net = (await selam.run(["network", "open", "--client", "selam"])).trim();
  const werk = (await selam.run(["thread", "create", net, "Werk"])).trim();

  const page = await (await phoneContext(browser)).newPage();
  await logIn(page, kringd, "selam");
  await page.goto(`${kringd.origin}/n/${net}/t/${werk}`);
  await page.getByText("Nog geen berichten.").waitFor();
  const composer = page.getByLabel("Schrijf een bericht");
  const send = page.getByRole("button", { name: "Versturen" });

  // One sent and killed at once: stored or not, it must end up there exactly once.
  await composer.fill("een");
  await send.click();
  await kringd.kill();
  await page.getByText("Geen verbinding.", { exact: false }).waitFor();
  for (const text of ["twee", "drie", "vier"]) {
    await composer.fill(text);
    await send.click();
  }
  await page.locator('.pending[data-state="sending"]', { hasText: "vier" }).waitFor();

  await kringd.start();
  for (const text of ["een", "twee", "drie", "vier"]) {
    await page.locator(".message[data-seq] p.text", { hasText: new RegExp(`^${text}$`) }).waitFor();
  }
  const stored = await selam.json(["history", net, werk]);
  const texts = stored.filter((m) => typeof m.text === "string").map((m) => m.text);
  assert.deepEqual(texts, ["een", "twee", "drie", "vier"]);
});
