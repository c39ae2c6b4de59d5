/// <reference types="node" />
// Issue 14 on the client's screens, against a real kringd: a network a case manager opened for
// the client waits for her (live), she accepts it with her choice and it is in use at once, or
// declines it; a team in her circle with the people in it now, one excluded and let back in;
// a thread marked sensitive and unmarked, the member's open page following both ways; the
// appointment of a representative told as it happens and in her access log. Every new screen
// in every language under axe at 360 px; with KRING_WEB_SCREENSHOTS=DIR the Dutch and Arabic
// ones are saved for docs/web.md.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { CliUser, createAccount, kringdAndBrowser, logIn, phoneContext } from "./harness";
import { checkA11y } from "./axe";

let admin: CliUser;
let admin2: CliUser;
let selam: CliUser;
let noor: CliUser;
let daan: CliUser;
let team = "";

const world = kringdAndBrowser({
  async setUp({ kringd }) {
    admin = new CliUser(kringd, "admin");
    await admin.login();
    admin2 = await createAccount(admin, "beheer2", "admin", "Beheer Twee");
    selam = await createAccount(admin, "selam", "client", "Selam");
    noor = await createAccount(admin, "noor", "member", "Noor", "casemanager");
    daan = await createAccount(admin, "daan", "member", "Daan", "casemanager");
    await createAccount(admin, "henk", "member", "Henk", "mentor");
    await createAccount(admin, "mila", "member", "Mila", "mentor");
    team = (await admin.run(["team", "create", "Statushouders Noord", "--organisation", "Gemeente"])).trim();
    await admin.run(["team", "coordinator", team, "noor"]);
    await noor.run(["team", "add", team, "daan"]);
  },
});

const plain = (s: string | null) => (s ?? "").replace(/[\u2068\u2069]/g, "");

async function openFor(client: string): Promise<{ id: string; general: string }> {
  const [n] = await noor.json(["network", "open", "--client", client]);
  return { id: String(n!.id), general: String(n!.general_thread_id) };
}

async function refused(user: CliUser, args: string[]): Promise<boolean> {
  try {
    await user.run(args);
    return false;
  } catch {
    return true;
  }
}

let netA = { id: "", general: "" };
let health = "";

test("a network opened for the client waits for her answer; she accepts with her choice and it is in use at once", async () => {
  const { kringd, browser } = world;
  const page = await (await phoneContext(browser)).newPage();
  await logIn(page, kringd, "selam");
  await page.getByRole("heading", { level: 1, name: "Mijn kring" }).waitFor();

  // Opened while her page is open: it appears at once (NetworkRequested), with the opener's name
  // and profession.
  netA = await openFor("selam");
  assert.ok(await refused(noor, ["send", netA.id, netA.general, "Stuur me je BSN"]));
  const request = page.locator(`li.request[data-network="${netA.id}"]`);
  await request.getByText(/Noor.*\(.*casemanager.*\) heeft een netwerk voor je geopend\./).waitFor();
  await checkA11y(page, "circle with a network request (nl)");

  await request.getByRole("link", { name: "Bekijken en antwoorden" }).click();
  await page.getByRole("heading", { level: 1 }).waitFor();
  assert.equal(plain(await page.locator("main h1").textContent()), "Wat mag Noor in je netwerk?");
  // The safe choice is preselected: the general thread only, read only.
  assert.equal(await page.getByRole("radio", { name: "Nee, alleen lezen" }).isChecked(), true);
  await page.getByRole("checkbox", { name: "Alle gesprekken, ook nieuwe" }).check();
  await page.getByRole("radio", { name: "Ja, lezen en schrijven" }).check();
  await page.getByRole("radio", { name: "Tot ik het stop" }).check();
  assert.equal(
    plain(await page.locator(".summary").textContent()),
    "Als je het aanneemt: Noor mag lezen en schrijven in alle gesprekken, zonder eerdere berichten.",
  );
  await checkA11y(page, "accept a network (nl)");
  await page.getByRole("button", { name: "Netwerk aannemen" }).click();

  // In use at once: Noor is in her circle with what she chose, and Noor may post.
  const person = page.locator(`li.person[data-handle="noor"]`);
  await person.getByText(/mag lezen en schrijven in alle gesprekken/).waitFor();
  assert.equal(await page.locator("li.request").count(), 0);
  await noor.run(["send", netA.id, netA.general, "Hallo Selam, ik ben Noor."]);
  await page.goto(`${kringd.origin}/n/${netA.id}/t/${netA.general}`);
  await page.getByText("Hallo Selam, ik ben Noor.").waitFor();
  await page.context().close();
});

test("declining drops the network: nobody lists it", async () => {
  const { kringd, browser } = world;
  const page = await (await phoneContext(browser)).newPage();
  await logIn(page, kringd, "selam");
  const netB = await openFor("selam");
  const request = page.locator(`li.request[data-network="${netB.id}"]`);
  await request.getByRole("button", { name: "Weigeren" }).click();
  assert.equal(plain(await request.locator(".summary").textContent()), "Het netwerk wordt dan weggegooid. Noor krijgt geen toegang.");
  await request.getByRole("button", { name: "Ja, weigeren" }).click();
  await request.waitFor({ state: "detached" });
  const listed = await noor.json(["network", "list"]);
  assert.ok(!listed.some((n) => String(n.id) === netB.id), JSON.stringify(listed));
  await page.context().close();
});

test("a team in her circle: the people in it now; one excluded and let back in", async () => {
  const { kringd, browser } = world;
  await selam.run(["invite", netA.id, "--team", team, "--role", "casemanagers"]);
  const page = await (await phoneContext(browser)).newPage();
  await logIn(page, kringd, "selam");
  const invitation = page.locator("li[data-invitation]");
  await invitation.getByText(/wil het team .?Statushouders Noord.? \(.?casemanagers.?\) toevoegen aan je kring\./).waitFor();
  await invitation.getByRole("link", { name: "Bekijken" }).click();
  await page.getByText(/Iedereen die nu of later in .*Statushouders Noord.* zit, krijgt deze toegang\./).waitFor();
  await checkA11y(page, "approve a team (nl)");
  await page.getByRole("checkbox", { name: "Alle gesprekken, ook nieuwe" }).check();
  await page.getByRole("radio", { name: "Ja, lezen en schrijven" }).check();
  await page.getByRole("button", { name: "Goedkeuren" }).click();

  const card = page.locator(`li.person.team[data-team="${team}"]`);
  await card.getByText(/Statushouders Noord.* mag lezen en schrijven in alle gesprekken/).waitFor();
  assert.equal(plain(await card.locator(".row-sub").first().textContent()), "Team van Gemeente");
  const people = card.locator("li.team-person");
  await people.first().waitFor();
  assert.deepEqual((await people.evaluateAll((els) => els.map((e) => e.getAttribute("data-handle")))).sort(), ["daan", "noor"]);
  await daan.run(["history", netA.id, netA.general]);

  // Excluded: one confirmation that says what changes; Daan reads nothing more.
  const daanItem = card.locator(`li.team-person[data-handle="daan"]`);
  await daanItem.getByRole("button", { name: "Uitsluiten" }).click();
  assert.equal(
    plain(await daanItem.locator(".summary").textContent()),
    "Daan kan daarna via Statushouders Noord niets meer lezen of schrijven in je netwerk. De anderen in het team wel.",
  );
  await daanItem.getByRole("button", { name: "Ja, doe dit" }).click();
  await daanItem.getByText("Uitgesloten: ziet niets in je netwerk").waitFor();
  assert.ok(await refused(daan, ["history", netA.id, netA.general]));
  await checkA11y(page, "circle with a team (nl)");

  // Still so after a reload (kringd does not list it: the app reads it from her access log).
  await page.reload();
  await card.locator(`li.team-person[data-handle="daan"]`).getByText("Uitgesloten: ziet niets in je netwerk").waitFor();
  await card.locator(`li.team-person[data-handle="daan"]`).getByRole("button", { name: "Weer toelaten" }).click();
  await card.locator(`li.team-person[data-handle="daan"]`).getByRole("button", { name: "Ja, doe dit" }).click();
  await card.locator(`li.team-person[data-handle="daan"]`).getByRole("button", { name: "Uitsluiten" }).waitFor();
  await daan.run(["history", netA.id, netA.general]);
  await page.context().close();
});

test("a thread marked sensitive leaves the member's open page, and comes back on it when unmarked", async () => {
  const { kringd, browser } = world;
  health = (await selam.run(["thread", "create", netA.id, "Gezondheid"])).trim();
  await selam.run(["send", netA.id, health, "Afspraak bij de huisarts"]);

  // Noor (in person, all threads) has the thread open. (Not Daan, who is in through the team:
  // kringd does not cut a team's people when a thread is marked sensitive, see the report.)
  const memberPage = await (await phoneContext(browser)).newPage();
  await logIn(memberPage, kringd, "noor");
  await memberPage.goto(`${kringd.origin}/n/${netA.id}/t/${health}`);
  await memberPage.getByText("Afspraak bij de huisarts").waitFor();

  const page = await (await phoneContext(browser)).newPage();
  await logIn(page, kringd, "selam");
  await page.goto(`${kringd.origin}/n/${netA.id}/t/${health}`);
  const control = page.locator(".sensitive-control");
  await control.getByText("Iedereen die alle gesprekken mag lezen, kan dit gesprek lezen.").waitFor();
  await control.getByRole("button", { name: "Gevoelig maken" }).click();
  await control.getByText(/Daarna kunnen alleen mensen die jij noemt dit gesprek lezen\./).waitFor();
  await control.getByRole("button", { name: "Ja, doe dit" }).click();
  await control.getByText("Dit gesprek is gevoelig: alleen mensen die jij noemt, kunnen het lezen.").waitFor();
  await checkA11y(page, "thread marked sensitive (nl)");

  // Noor's open page: access ended at once, nothing of it shown.
  await memberPage.getByTestId("access-ended").waitFor();
  assert.equal(await memberPage.locator(".message").count(), 0);

  // Her thread list says which are sensitive.
  await page.goto(`${kringd.origin}/n/${netA.id}`);
  const row = page.locator(`a[href="/n/${netA.id}/t/${health}"]`);
  await row.locator(".sensitive").waitFor();
  assert.equal(await page.locator(`a[href="/n/${netA.id}/t/${netA.general}"] .sensitive`).count(), 0);

  // Unmarked: Noor's open page shows the thread again (the ended thread is cleared), with what
  // was written while it was sensitive hidden (no earlier messages), and new messages live.
  await page.goto(`${kringd.origin}/n/${netA.id}/t/${health}`);
  await control.getByRole("button", { name: "Niet meer gevoelig" }).click();
  await control.getByRole("button", { name: "Ja, doe dit" }).click();
  await control.getByRole("button", { name: "Gevoelig maken" }).waitFor();
  await memberPage.getByTestId("access-ended").waitFor({ state: "detached" });
  await selam.run(["send", netA.id, health, "Weer voor iedereen"]);
  await memberPage.getByText("Weer voor iedereen").waitFor();
  await page.context().close();
  await memberPage.context().close();
});

test("the appointment of a representative is told as it happens, and in her access log", async () => {
  const { kringd, browser } = world;
  const page = await (await phoneContext(browser)).newPage();
  await logIn(page, kringd, "selam");
  await page.getByRole("heading", { level: 1, name: "Mijn kring" }).waitFor();
  await admin.run(["representative", "appoint", "selam", "henk", "--basis", "mentorschap 2026/12"]);
  await page
    .getByTestId("notice")
    .getByText(/^Een beheerder vroeg om .?henk.? je vertegenwoordiger te maken\. Dat geldt pas als een tweede beheerder het bevestigt\.$/)
    .waitFor();
  await admin2.run(["representative", "confirm", "selam", "henk"]);
  await page.getByTestId("notice").getByText(/henk.* is nu je vertegenwoordiger/).waitFor();
  // In her circle, no consent to change: he acts for her.
  await page.locator(`li.person[data-handle="henk"]`).getByText(/Henk.* is je vertegenwoordiger en kan alles in Kring voor je doen/).waitFor();
  await checkA11y(page, "notices (nl)");
  await page.getByTestId("notice").first().getByRole("button", { name: "Sluiten" }).click();
  assert.equal(await page.getByTestId("notice").count(), 1);

  await page.goto(`${kringd.origin}/log`);
  const lines = page.locator("main .log-person li");
  await lines.first().waitFor();
  const texts = (await lines.allTextContents()).map(plain);
  assert.ok(texts.some((s) => s.includes("vroeg om henk je vertegenwoordiger te maken")), texts.join("\n"));
  assert.ok(texts.some((s) => s.includes("bevestigde henk als je vertegenwoordiger. Dat geldt nu.")), texts.join("\n"));

  // Henk, now her representative, sees what waits for her answer on his own home.
  const pending = await openFor("selam");
  const henk = await (await phoneContext(browser)).newPage();
  await logIn(henk, kringd, "henk");
  await henk.locator(`li.request[data-network="${pending.id}"]`).getByText(/heeft een netwerk geopend voor .*selam/).waitFor();
  await page.context().close();
  await henk.context().close();
});

const LOCALES = { nl: "nl-NL", en: "en-GB", ar: "ar-SY", ti: "ti-ER" } as const;
type Lang = keyof typeof LOCALES;

async function shot(page: Page, name: string, lang: Lang) {
  const dir = process.env.KRING_WEB_SCREENSHOTS;
  if (!dir || (lang !== "nl" && lang !== "ar")) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}-${lang}.png`), fullPage: true });
}

async function screen(page: Page, name: string, lang: Lang) {
  await page.locator("main h1").waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
  // Nothing sticks out sideways at 360 px.
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), `${name} (${lang}) is wider than 360 px`);
  await checkA11y(page, `${name} (${lang})`);
  await shot(page, name, lang);
}

for (const lang of Object.keys(LOCALES) as Lang[]) {
  test(`the new screens in ${lang} pass axe at 360 px`, async () => {
    const { kringd, browser } = world;
    const pending = await openFor("selam");
    const page = await (await phoneContext(browser, { locale: LOCALES[lang] })).newPage();
    await page.goto(kringd.origin + "/");
    await page.locator(`html[lang="${lang}"]`).waitFor();
    await page.getByRole("combobox").selectOption(lang);
    await logIn(page, kringd, "selam");
    await page.locator(`li.request[data-network="${pending.id}"] .request-title`).waitFor();
    await page.locator(`li.person.team[data-team="${team}"] li.team-person`).first().waitFor();
    // A notice, said in this language.
    await admin.run(["representative", "appoint", "selam", "mila", "--basis", "mentorschap 2026/13"]);
    await page.getByTestId("notice").waitFor();
    if (lang === "ar") assert.equal(await page.evaluate(() => getComputedStyle(document.body).direction), "rtl");
    await screen(page, "circle-requests", lang);
    await admin.run(["representative", "refuse", "selam", "mila"]);

    await page.locator(`li.request[data-network="${pending.id}"] a`).click();
    await screen(page, "accept-network", lang);
    await page.goto(`${kringd.origin}/n/${netA.id}`);
    await page.locator(".sensitive, .row").first().waitFor();
    await screen(page, "threads-sensitive", lang);
    await page.goto(`${kringd.origin}/n/${netA.id}/t/${health}`);
    await page.locator(".sensitive-control").waitFor();
    await page.locator(".sensitive-control button").first().click();
    await page.locator(".sensitive-control .summary").waitFor();
    await screen(page, "thread-sensitive", lang);
    await page.goto(`${kringd.origin}/log`);
    await page.locator("main .log-day").first().waitFor();
    await screen(page, "access-log-appointments", lang);
    await page.context().close();
  });
}
