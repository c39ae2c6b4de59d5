/// <reference types="node" />
// The catalogs: complete, same placeholders, right plural forms; dates in the person's zone.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CATALOGS,
  LANGUAGES,
  TIGRINYA_PLURALS,
  Translator,
  isolate,
  negotiateLanguage,
  pluralRules,
  stripIsolates,
  type Catalog,
} from "../src/i18n/i18n";
import { checkCatalog, placeholders } from "../src/i18n/catalog_check";
import { Error_Code } from "../src/proto";

test("every catalog has every key of nl, with the same placeholders and its plural forms", () => {
  for (const lang of LANGUAGES) {
    assert.deepEqual(checkCatalog(CATALOGS[lang], CATALOGS.nl), [], `catalog ${lang}`);
  }
});

test("the check fails on a missing key, a differing placeholder and a missing plural form", () => {
  const broken: Catalog = structuredClone(CATALOGS.ar);
  delete broken.messages["nav.back"];
  broken.messages["networks.of"] = "شبكة {klient}";
  broken.messages["unread.count"] = "{count, plural, one {# x} other {# y}}";
  const problems = checkCatalog(broken, CATALOGS.nl);
  assert.ok(problems.some((p) => p.includes("missing key nav.back")), problems.join("\n"));
  assert.ok(problems.some((p) => p.includes("networks.of placeholders differ")), problems.join("\n"));
  assert.ok(problems.some((p) => p.includes("unread.count plural {count}")), problems.join("\n"));
});

test("placeholders are found inside plurals and selects", () => {
  assert.deepEqual(
    [...placeholders("{a} {n, plural, one {# {b}} other {{c}}} {s, select, yes {{d}} other {}}")].sort(),
    ["a", "b", "c", "d", "n", "s"],
  );
});

test("Arabic and Tigrinya are marked as drafts for review; Arabic is right to left", () => {
  assert.equal(CATALOGS.ar.meta.draft, true);
  assert.equal(CATALOGS.ti.meta.draft, true);
  assert.equal(CATALOGS.nl.meta.draft, false);
  assert.equal(CATALOGS.en.meta.draft, false);
  assert.equal(new Translator("ar").dir, "rtl");
  assert.equal(new Translator("ti").dir, "ltr");
});

test("Tigrinya counts 0 as 'one'", () => {
  assert.equal(pluralRules("ti").select(0), "one");
  assert.equal(TIGRINYA_PLURALS.select(0), "one");
  assert.equal(TIGRINYA_PLURALS.select(1), "one");
  assert.equal(TIGRINYA_PLURALS.select(2), "other");
  const ti = new Translator("ti");
  assert.equal(ti.t("unread.count", { count: 0 }), "0 ዘይተነበበ");
  assert.equal(ti.t("unread.count", { count: 1 }), "1 ዘይተነበበ");
  assert.equal(ti.t("unread.count", { count: 2 }), "2 ዘይተነበቡ");
  const nl = new Translator("nl");
  assert.equal(nl.t("log.messages", { count: 0 }), "0 berichten");
});

test("Arabic uses its six plural forms", () => {
  const ar = new Translator("ar");
  const forms = [0, 1, 2, 3, 11, 100].map((n) => ar.t("log.messages", { count: n }));
  assert.equal(new Set(forms.map((f) => f.replace(/[0-9٠-٩]+/g, "#"))).size, 5, forms.join(" | "));
  assert.equal(forms[0], "لا رسائل");
  assert.equal(forms[1], "رسالة واحدة");
  assert.equal(forms[2], "رسالتين");
  assert.match(forms[3]!, /رسائل$/);
  assert.match(forms[4]!, /رسالة$/);
});

test("dates are in the person's time zone, Europe/Amsterdam by default", () => {
  // 2026-12-31 23:30 UTC is already 1 January in Amsterdam, still 31 December in London.
  const ms = Date.UTC(2026, 11, 31, 23, 30);
  const now = Date.UTC(2026, 11, 1);
  assert.equal(new Translator("en").dayKey(ms), "2027-01-01");
  assert.equal(new Translator("en", "Europe/London").dayKey(ms), "2026-12-31");
  assert.equal(new Translator("en", "Europe/London").shortDate(ms, now), "31 Dec");
  assert.equal(new Translator("en").shortDate(ms, now), "1 Jan 2027");
  assert.match(new Translator("nl", "Europe/London").shortDate(ms, now), /^31 dec\.?$/);
  assert.equal(new Translator("en").time(ms), "00:30");
});

test("the browser's languages choose the catalog; nl otherwise", () => {
  assert.equal(negotiateLanguage(["ar-SY", "en"]), "ar");
  assert.equal(negotiateLanguage(["de-DE", "en-US"]), "en");
  assert.equal(negotiateLanguage(["ti-ER"]), "ti");
  assert.equal(negotiateLanguage(["fr"]), "nl");
  assert.equal(negotiateLanguage([]), "nl");
});

test("user text is isolated for bidi and messages never interpret tags", () => {
  const name = "\u202Eevil";
  const s = new Translator("nl").t("networks.of", { client: isolate(name) });
  assert.equal(s, "Netwerk van \u2068\u202Eevil\u2069");
  assert.equal(stripIsolates(s), "Netwerk van \u202Eevil");
  assert.equal(new Translator("nl").t("networks.of", { client: "<b>x</b>" }), "Netwerk van <b>x</b>");
});

test("every error code has its own sentence in every language", () => {
  const codes = Object.values(Error_Code).filter(
    (c): c is Error_Code => typeof c === "number" && c !== Error_Code.CODE_UNSPECIFIED,
  );
  for (const lang of LANGUAGES) {
    const tr = new Translator(lang);
    const texts = new Set([...codes, "offline" as const].map((c) => tr.errorText(c)));
    assert.equal(texts.size, codes.length + 1, lang);
    assert.ok(!texts.has(tr.t("error.unknown")), lang);
  }
});
