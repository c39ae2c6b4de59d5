/// <reference types="node" />
// Every screen in every language: axe-core with zero violations; the client's consent screens in
// Arabic (right to left, layout checked) and Tigrinya (Ge'ez). With KRING_WEB_SCREENSHOTS=DIR
// the Dutch and Arabic screens are also saved as DIR/<screen>-<lang>.png (docs/web.md:
// `deploy/dev.sh screenshots`).
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import fs from "node:fs";
import type { Page } from "playwright-core";
import { CliUser, createAccount, kringdAndBrowser, logIn, phoneContext } from "./harness";
import { checkA11y } from "./axe";

let net = "";
let werk = "";

const LOCALES = { nl: "nl-NL", en: "en-GB", ar: "ar-SY", ti: "ti-ER" } as const;
type Lang = keyof typeof LOCALES;

const world = kringdAndBrowser({
  async setUp({ kringd }) {
    const admin = new CliUser(kringd, "admin");
    await admin.login();
    const selam = await createAccount(admin, "selam", "client", "Selam");
    const ruud = await createAccount(admin, "ruud", "member", "Ruud", "jobcoach");
    await createAccount(admin, "mira", "member", "Mira", "taalmaatje");
    net = (await selam.run(["network", "open", "--client", "selam"])).trim();
    werk = (await selam.run(["thread", "create", net, "Werk"])).trim();
    const invitation = (await selam.run(["invite", net, "ruud", "--role", "jobcoach"])).trim();
    await selam.run(["approve", invitation, "--threads", werk, "--post", "--history"]);
    await ruud.run(["send", net, werk, "Goedemorgen! Hoe gaat het?"]);
    await selam.run(["send", net, werk, "صباح الخير — ሰላም"]);
    await selam.run(["invite", net, "mira", "--role", "taalmaatje"]);
  },
});

// docs/web.md shows Dutch (the default) and Arabic (right to left).
async function shot(page: Page, name: string, lang: Lang) {
  const dir = process.env.KRING_WEB_SCREENSHOTS;
  if (!dir || (lang !== "nl" && lang !== "ar")) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

async function screen(page: Page, name: string, lang: Lang) {
  await page.locator("main h1").waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
  await checkA11y(page, `${name} (${lang})`);
  await shot(page, `${name}-${lang}`, lang);
}

for (const lang of Object.keys(LOCALES) as Lang[]) {
  test(`every screen in ${lang} passes axe`, async () => {
    const { kringd, browser } = world;
    const context = await phoneContext(browser, { locale: LOCALES[lang] });
    const page = await context.newPage();
    await page.goto(kringd.origin + "/");
    // The browser's language picks the login screen's; choosing it on the switch makes it the
    // account's (new accounts start in Dutch).
    await page.locator(`html[lang="${lang}"]`).waitFor();
    await page.getByRole("combobox").selectOption(lang);
    await screen(page, "login", lang);

    // The client's screens.
    await logIn(page, kringd, "selam");
    await screen(page, "circle", lang);
    await page.locator(`a[href^="/invitations/"]`).click();
    await screen(page, "approve", lang);
    await page.goto(`${kringd.origin}/invitations`);
    await screen(page, "invitations", lang);
    await page.goto(`${kringd.origin}/log`);
    await page.locator("main .log-day, main p").first().waitFor();
    await screen(page, "access-log", lang);
    await page.goto(`${kringd.origin}/n/${net}`);
    await screen(page, "threads", lang);
    await page.goto(`${kringd.origin}/n/${net}/t/${werk}`);
    await page.locator(".message").first().waitFor();
    await screen(page, "thread", lang);

    // The member's screens.
    const member = await (await phoneContext(browser, { locale: LOCALES[lang] })).newPage();
    await member.goto(kringd.origin + "/");
    await member.getByRole("combobox").selectOption(lang);
    await logIn(member, kringd, "ruud");
    await screen(member, "networks", lang);
    await member.goto(`${kringd.origin}/n/${net}`);
    await member.locator("section.card h2").waitFor();
    await screen(member, "network", lang);
    await member.goto(`${kringd.origin}/password`);
    await screen(member, "password", lang);
    await context.close();
    await member.context().close();
  });
}

test("Arabic: the consent screens run right to left", async () => {
  const { kringd, browser } = world;
  const page = await (await phoneContext(browser, { locale: "nl-NL" })).newPage();
  await page.goto(kringd.origin + "/");
  // Switched on the login screen itself.
  await page.getByRole("combobox").selectOption("ar");
  await page.locator('html[dir="rtl"][lang="ar"]').waitFor();
  await logIn(page, kringd, "selam");
  await page.locator(`a[href^="/invitations/"]`).click();
  await page.locator("main h1").waitFor();
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).direction), "rtl");

  // A checkbox sits to the right of its label; the brand to the right of the language switch.
  const choice = page.locator("label.choice").first();
  const box = (await choice.locator("input").boundingBox())!;
  const label = (await choice.locator("span").boundingBox())!;
  assert.ok(box.x > label.x, `checkbox at ${box.x}, label at ${label.x}`);
  const brand = (await page.locator(".brand").boundingBox())!;
  const sw = (await page.locator(".lang-switch").boundingBox())!;
  assert.ok(brand.x > sw.x, `brand at ${brand.x}, switch at ${sw.x}`);
  // Nothing sticks out sideways at 360 px.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360));

  // The Latin handle inside the Arabic sentence is isolated and keeps its own direction.
  const title = await page.locator("main h1").textContent();
  assert.equal(title, "ماذا يمكن أن يرى \u2068mira\u2069؟");
  await page.getByRole("radio", { name: "نعم، القراءة والكتابة" }).check();
  const summary = await page.locator(".summary").textContent();
  assert.ok(summary?.startsWith("إذا وافقت: يُسمح لـ\u2068mira\u2069 بـالقراءة والكتابة"), summary ?? "");
});

test("Tigrinya: the consent screens in Ge'ez", async () => {
  const { kringd, browser } = world;
  const page = await (await phoneContext(browser, { locale: "ti-ER" })).newPage();
  await page.goto(kringd.origin + "/");
  await page.getByRole("combobox").selectOption("ti");
  await logIn(page, kringd, "selam");
  assert.equal(await page.evaluate(() => document.documentElement.dir), "ltr");
  await page.locator(`a[href^="/invitations/"]`).click();
  assert.equal(await page.locator("main h1").textContent(), "\u2068mira\u2069 እንታይ ክርኢ ይኽእል?");
  await page.getByText("ኣይፋል፡ ምንባብ ጥራይ").waitFor();
  // Noto Sans Ethiopic is installed: the Ge'ez text renders with real glyphs (not tofu boxes),
  // which are wider than the fallback's.
  const width = await page.getByText("ኣይፋል፡ ምንባብ ጥራይ").evaluate((el) => el.getBoundingClientRect().width);
  assert.ok(width > 40, `width ${width}`);
});

test("the language follows the person to another device", async () => {
  const { kringd, browser } = world;
  const admin = new CliUser(kringd, "admin");
  await admin.login();
  await createAccount(admin, "dawit", "member", "Dawit", "taalmaatje");
  // Phone: Dutch until Dawit switches to Tigrinya on a screen after logging in.
  const phone = await (await phoneContext(browser, { locale: "nl-NL" })).newPage();
  await logIn(phone, kringd, "dawit");
  assert.equal(await phone.evaluate(() => document.documentElement.lang), "nl");
  await phone.getByRole("combobox").selectOption("ti");
  await phone.locator('html[lang="ti"]').waitFor();
  // Wait until the account has it (the CLI reads the account as the server keeps it).
  const dawit = new CliUser(kringd, "dawit");
  await dawit.login();
  for (let i = 0; ; i++) {
    const [me] = await dawit.json(["whoami"]);
    if (me?.language === "ti") break;
    assert.ok(i < 100, `language not saved: ${JSON.stringify(me)}`);
  }
  // Another device with a Dutch browser: Tigrinya after logging in.
  const laptop = await (await phoneContext(browser, { locale: "nl-NL" })).newPage();
  await logIn(laptop, kringd, "dawit");
  await laptop.locator('html[lang="ti"]').waitFor();
  assert.equal(await laptop.getByRole("combobox").inputValue(), "ti");
});
