/// <reference types="node" />
// The whole story in the browser against a real kringd: the client approves a job coach for one
// thread with history; the job coach reads it and posts; the client reads; the client withdraws;
// the job coach's open page shows access ended at once and receives nothing after.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CliUser, createAccount, kringdAndBrowser, logIn, phoneContext } from "./harness";
import { checkA11y } from "./axe";

const world = kringdAndBrowser();

test("client approves a job coach for one thread with history; withdrawal ends the coach's page at once", async () => {
  const { kringd, browser } = world;
  const admin = new CliUser(kringd, "admin");
  await admin.login();
  const selam = await createAccount(admin, "selam", "client", "Selam");
  await createAccount(admin, "ruud", "member", "Ruud", "jobcoach");
  const net = (await selam.run(["network", "open", "--client", "selam"])).trim();
  const werk = (await selam.run(["thread", "create", net, "Werk"])).trim();
  await selam.run(["thread", "create", net, "Wonen"]);
  await selam.run(["send", net, werk, "Eerder bericht over werk"]);
  await selam.run(["invite", net, "ruud", "--role", "jobcoach"]);

  // Selam approves Ruud in the browser: only "Werk", with earlier messages, read and write.
  const selamPage = await (await phoneContext(browser)).newPage();
  await logIn(selamPage, kringd, "selam");
  await selamPage.getByRole("link", { name: "Bekijken" }).click();
  await selamPage.getByRole("heading", { level: 1 }).waitFor();
  await checkA11y(selamPage, "approve (nl)");
  const generalBox = selamPage.getByRole("checkbox", { checked: true });
  await generalBox.uncheck();
  await selamPage.getByRole("checkbox", { name: "Werk" }).check();
  await selamPage.getByRole("radio", { name: "Ja, ook eerdere berichten" }).check();
  await selamPage.getByRole("radio", { name: "Ja, lezen en schrijven" }).check();
  await selamPage.getByRole("radio", { name: "Tot ik het stop" }).check();
  const summary = await selamPage.locator(".summary").textContent();
  assert.equal(
    summary?.replace(/[\u2068\u2069]/g, ""),
    "Als je goedkeurt: ruud mag lezen en schrijven in Werk, met eerdere berichten.",
  );
  await selamPage.getByRole("button", { name: "Goedkeuren" }).click();
  await selamPage.locator(`li.person[data-handle="ruud"]`).waitFor();
  await checkA11y(selamPage, "my circle (nl)");

  // Ruud: his network, what he may see, the thread with its earlier message; he posts.
  const ruudPage = await (await phoneContext(browser)).newPage();
  await logIn(ruudPage, kringd, "ruud");
  await ruudPage.getByRole("link", { name: /Selam/ }).click();
  const access = ruudPage.locator("section.card", { has: ruudPage.getByRole("heading", { name: "Mijn toegang hier" }) });
  await access.waitFor();
  assert.equal(
    (await access.locator("p").textContent())?.replace(/[\u2068\u2069]/g, ""),
    "Selam laat je lezen en schrijven in Werk, met eerdere berichten.",
  );
  await checkA11y(ruudPage, "network (nl)");
  await ruudPage.getByRole("link", { name: /^Werk\b/ }).click();
  await ruudPage.getByText("Eerder bericht over werk").waitFor();
  await ruudPage.getByLabel("Schrijf een bericht").fill("Hallo Selam, morgen om 10 uur?");
  await ruudPage.getByRole("button", { name: "Versturen" }).click();
  await ruudPage.locator('.message[data-seq="2"]').getByText("Hallo Selam, morgen om 10 uur?").waitFor();
  await checkA11y(ruudPage, "thread (nl)");

  // Selam reads it.
  await selamPage.goto(`${kringd.origin}/n/${net}/t/${werk}`);
  await selamPage.getByText("Hallo Selam, morgen om 10 uur?").waitFor();

  // Selam withdraws Ruud's access; the confirmation says what will change in one sentence.
  await selamPage.goto(`${kringd.origin}/`);
  const person = selamPage.locator(`li.person[data-handle="ruud"]`);
  await person.getByRole("button", { name: "Toegang stoppen" }).click();
  assert.equal(
    (await person.locator(".summary").textContent())?.replace(/[\u2068\u2069]/g, ""),
    "Ruud kan daarna niets meer lezen of schrijven in je netwerk.",
  );
  await person.getByRole("button", { name: "Ja, doe dit" }).click();
  // Names inside sentences are wrapped in U+2068/U+2069 (bidi isolation).
  await person.getByText(/^\u2068Ruud\u2069 ziet niets meer\.$/).waitFor();

  // Ruud's open page says so at once and shows nothing more.
  await ruudPage.getByTestId("access-ended").waitFor();
  assert.equal(await ruudPage.locator(".message").count(), 0);

  // A message after the withdrawal reaches Selam's page but never Ruud's.
  await selam.run(["send", net, werk, "Na de intrekking"]);
  await selamPage.goto(`${kringd.origin}/n/${net}/t/${werk}`);
  await selamPage.getByText("Na de intrekking").waitFor();
  assert.equal(await ruudPage.getByText("Na de intrekking").count(), 0);
  assert.equal(await ruudPage.locator(".message").count(), 0);
});
