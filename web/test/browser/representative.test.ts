/// <reference types="node" />
// A representative (mentor Henk for Mrs. de Vries) reads the client's access log for her: "Jij"
// (you) is Henk, the one logged in; what Mrs. de Vries did herself goes by her name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CliUser, createAccount, kringdAndBrowser, logIn, phoneContext } from "./harness";
import { checkA11y } from "./axe";

const world = kringdAndBrowser();

test("a representative sees the client's own actions by her name and his own as 'Jij'", async () => {
  const { kringd, browser } = world;
  const admin = new CliUser(kringd, "admin");
  await admin.login();
  const vries = await createAccount(admin, "vries", "client", "Mevrouw de Vries");
  await createAccount(admin, "henk", "member", "Henk", "mentor");
  await admin.run(["representative", "appoint", "vries", "henk", "--basis", "mentorschap 2026/12"]);
  // Four eyes: a second admin confirms the appointment.
  const admin2 = await createAccount(admin, "beheer2", "admin", "Beheer Twee");
  await admin2.run(["representative", "confirm", "vries", "henk"]);
  const net = (await vries.run(["network", "open", "--client", "vries"])).trim();
  await vries.run(["thread", "create", net, "Zorg"]);

  const page = await (await phoneContext(browser)).newPage();
  await logIn(page, kringd, "henk");
  // The client's name is isolated for bidi (U+2068 ... U+2069) inside the sentence.
  const title = /^Wie keek in de gegevens van \u2068Mevrouw de Vries\u2069$/;
  await page.getByRole("link", { name: title }).click();
  await page.getByRole("heading", { level: 1, name: title }).waitFor();
  // Both hers and his own are folded away at first.
  await page.getByRole("button", { name: "Mijn eigen acties tonen" }).click();
  const lines = page.locator("main .log-person li");
  await lines.filter({ hasText: "maakte het gesprek" }).waitFor();
  const texts = (await lines.allTextContents()).map((s) => s.replace(/[\u2068\u2069]/g, ""));
  assert.ok(
    texts.some((s) => s.endsWith("Mevrouw de Vries (Cliënt) maakte het gesprek Zorg.")),
    texts.join("\n"),
  );
  // Henk's app listed her network's threads and members when he logged in: those are his.
  assert.ok(texts.some((s) => /Jij bekeek .*de lijst met gesprekken\.$/.test(s)), texts.join("\n"));
  // Her circle, by her name: he reads it for her ("your circle" would be his).
  assert.ok(texts.some((s) => /Jij bekeek .*wie er in de kring van Mevrouw de Vries zit\.$/.test(s)), texts.join("\n"));
  assert.ok(!texts.some((s) => s.includes("je kring")), texts.join("\n"));
  assert.ok(!texts.some((s) => s.includes("Jij maakte het gesprek")), texts.join("\n"));
  const people = (await page.locator("main .log-person h3").allTextContents()).map((s) => s.replace(/[\u2068\u2069]/g, ""));
  assert.ok(people.includes("Jij") && people.includes("Mevrouw de Vries (Cliënt)"), people.join("\n"));
  await checkA11y(page, "access log for a client (nl)");
});
