/// <reference types="node" />
// A one-time password in the browser: the bootstrap admin of a fresh kringd (the one account
// kringd marks must_change_password) logs in with the password kringd printed, sees nothing but
// the change-password screen (also after a reload, when the cookie resumes the session), is told
// plainly when the current password is wrong or the new one too short, changes it, and lands in
// the app on the same session; the one-time password no longer works. Then the same person changes
// the password again from the menu.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { CliUser, kringdAndBrowser, phoneContext } from "./harness";
import { checkA11y } from "./axe";

const world = kringdAndBrowser({ bootstrapAdmin: "beheer" });

const NEW_PASSWORD = "mijn eigen zin van vandaag";
const NEWER_PASSWORD = "en nu weer een andere zin";

// With KRING_WEB_SCREENSHOTS=DIR (deploy/dev.sh screenshots), for docs/web.md.
async function shot(page: Page, name: string) {
  const dir = process.env.KRING_WEB_SCREENSHOTS;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

async function logInWith(page: Page, origin: string, handle: string, password: string) {
  await page.goto(origin + "/");
  await page.locator('input[name="handle"]').fill(handle);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('button[type="submit"]').click();
}

async function fillPasswords(page: Page, current: string, next: string, repeat = next) {
  await page.getByLabel("Huidig wachtwoord").fill(current);
  await page.getByLabel("Nieuw wachtwoord", { exact: true }).fill(next);
  await page.getByLabel("Nieuw wachtwoord nog een keer").fill(repeat);
  await page.getByRole("button", { name: "Wachtwoord opslaan" }).click();
}

test("a one-time password: only the change-password screen, then the app on the same session", async () => {
  const { kringd, browser } = world;
  const oneTime = kringd.bootstrapPassword;
  assert.ok(oneTime, "kringd printed no one-time password");
  const page = await (await phoneContext(browser)).newPage();
  await logInWith(page, kringd.origin, "beheer", oneTime);

  const heading = page.getByRole("heading", { level: 1, name: "Kies een eigen wachtwoord" });
  await heading.waitFor();
  // Nothing else to go to: the menu only logs out.
  assert.deepEqual(await page.locator("nav a").allTextContents(), []);
  assert.deepEqual(await page.locator("nav button").allTextContents(), ["Uitloggen"]);
  await page.getByText("Minstens 12 tekens, en niet hetzelfde als je huidige wachtwoord.", { exact: false }).waitFor();
  // What a password manager and a phone keyboard go by.
  assert.equal(await page.getByLabel("Huidig wachtwoord").getAttribute("autocomplete"), "current-password");
  assert.equal(await page.getByLabel("Nieuw wachtwoord", { exact: true }).getAttribute("autocomplete"), "new-password");
  assert.equal(await page.getByLabel("Nieuw wachtwoord nog een keer").getAttribute("autocomplete"), "new-password");
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360));
  await checkA11y(page, "one-time password (nl)");
  await shot(page, "one-time-password-nl");
  // In every language (the switch works here too; the account takes the choice once it may).
  for (const lang of ["en", "ar", "ti"] as const) {
    await page.getByRole("combobox").selectOption(lang);
    await page.locator(`html[lang="${lang}"]`).waitFor();
    await checkA11y(page, `one-time password (${lang})`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), lang);
  }
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).direction), "ltr");
  await page.getByRole("combobox").selectOption("ar");
  await page.locator('html[dir="rtl"]').waitFor();
  await page.getByRole("heading", { level: 1, name: "اختر كلمة مرور خاصة بك" }).waitFor();
  await shot(page, "one-time-password-ar");
  await page.getByRole("combobox").selectOption("nl");
  await page.locator('html[lang="nl"]').waitFor();

  // The cookie resumes the session after a reload: still only this screen.
  await page.reload();
  await heading.waitFor();

  // kringd refuses a wrong current password; the app says so and points at the field.
  const alert = page.getByRole("alert");
  await fillPasswords(page, "niet-het-goede-wachtwoord", NEW_PASSWORD);
  await alert.filter({ hasText: "Je huidige wachtwoord klopt niet. Probeer het opnieuw." }).waitFor();
  assert.equal(await page.getByLabel("Huidig wachtwoord").getAttribute("aria-invalid"), "true");
  await checkA11y(page, "one-time password, refused (nl)");

  // Too short, and two different new ones.
  await fillPasswords(page, oneTime, "kort");
  await alert.filter({ hasText: "Je nieuwe wachtwoord is te kort. Gebruik minstens 12 tekens." }).waitFor();
  assert.equal(await page.getByLabel("Nieuw wachtwoord", { exact: true }).getAttribute("aria-invalid"), "true");
  await fillPasswords(page, oneTime, NEW_PASSWORD, NEW_PASSWORD + "!");
  await alert.filter({ hasText: "De twee nieuwe wachtwoorden zijn niet hetzelfde." }).waitFor();
  // Still nothing else open to this session.
  await heading.waitFor();

  // The change: the same page goes on into the app, its networks.
  await fillPasswords(page, oneTime, NEW_PASSWORD);
  await page.getByRole("heading", { level: 1, name: "Netwerken" }).waitFor();
  await page.getByText("Je bent nog in geen enkel netwerk.").waitFor();
  await page.getByRole("link", { name: "Wachtwoord wijzigen" }).waitFor();
  // The session carries on after a reload: kringd ended only the account's other sessions.
  await page.reload();
  await page.getByRole("heading", { level: 1, name: "Netwerken" }).waitFor();

  // The one-time password no longer works; the new one does, straight into the app.
  const other = await (await phoneContext(browser)).newPage();
  await logInWith(other, kringd.origin, "beheer", oneTime);
  await other.getByRole("alert").filter({ hasText: "Gebruikersnaam of wachtwoord klopt niet." }).waitFor();
  await logInWith(other, kringd.origin, "beheer", NEW_PASSWORD);
  await other.getByRole("heading", { level: 1, name: "Netwerken" }).waitFor();
  // And the account is of full use now (the CLI asks for the account list, an admin's request).
  const cli = new CliUser(kringd, "beheer");
  await cli.run(["login", "beheer", "--password-stdin"], NEW_PASSWORD + "\n");
  assert.match(await cli.run(["user", "list"]), /beheer/);
});

test("changing the password from the menu", async () => {
  const { kringd, browser } = world;
  const page = await (await phoneContext(browser)).newPage();
  await logInWith(page, kringd.origin, "beheer", NEW_PASSWORD);
  await page.getByRole("link", { name: "Wachtwoord wijzigen" }).click();
  await page.getByRole("heading", { level: 1, name: "Wachtwoord wijzigen" }).waitFor();
  await fillPasswords(page, NEW_PASSWORD, NEW_PASSWORD);
  await page.getByRole("alert").filter({ hasText: "Je nieuwe wachtwoord moet anders zijn dan je huidige wachtwoord." }).waitFor();
  await fillPasswords(page, NEW_PASSWORD, NEWER_PASSWORD);
  await page.getByText("Je wachtwoord is gewijzigd.", { exact: true }).first().waitFor();
  assert.equal(await page.getByLabel("Huidig wachtwoord").inputValue(), "");
  await checkA11y(page, "change password (nl)");

  const other = await (await phoneContext(browser)).newPage();
  await logInWith(other, kringd.origin, "beheer", NEW_PASSWORD);
  await other.getByRole("alert").filter({ hasText: "Gebruikersnaam of wachtwoord klopt niet." }).waitFor();
  await logInWith(other, kringd.origin, "beheer", NEWER_PASSWORD);
  await other.getByRole("heading", { level: 1, name: "Netwerken" }).waitFor();
});
