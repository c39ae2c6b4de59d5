/// <reference types="node" />
// What the client and the representative are told of an appointment (src/state/representation.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { RepresentationChange, RepresentationChangedSchema } from "../src/proto";
import { Translator, stripIsolates, LANGUAGES } from "../src/i18n/i18n";
import { representationNotice } from "../src/state/representation";

const SELAM = 2n;
const HENK = 5n;

function changed(change: RepresentationChange) {
  return create(RepresentationChangedSchema, {
    change,
    representation: { clientId: SELAM, clientHandle: "selam", representativeId: HENK, representativeHandle: "henk", basis: "mentorschap 2026/12" },
  });
}

test("the client is told of each step, in plain words", () => {
  const en = new Translator("en");
  const say = (c: RepresentationChange) => stripIsolates(representationNotice(en, changed(c), SELAM) ?? "");
  assert.equal(
    say(RepresentationChange.REQUESTED),
    "An administrator asked to make henk your representative. This only counts once a second administrator confirms it.",
  );
  assert.equal(say(RepresentationChange.CONFIRMED), "henk is now your representative and can do everything in Kring for you, also read your messages.");
  assert.equal(say(RepresentationChange.REFUSED), "henk will not become your representative: the request was stopped.");
  assert.equal(say(RepresentationChange.ENDED), "henk is no longer your representative.");
  assert.equal(representationNotice(en, changed(RepresentationChange.UNSPECIFIED), SELAM), undefined);
});

test("the representative reads about themself", () => {
  const nl = new Translator("nl");
  assert.equal(stripIsolates(representationNotice(nl, changed(RepresentationChange.CONFIRMED), HENK)!), "Je bent nu de vertegenwoordiger van selam.");
  assert.equal(stripIsolates(representationNotice(nl, changed(RepresentationChange.ENDED), HENK)!), "Je bent niet meer de vertegenwoordiger van selam.");
});

test("every language says it, with the handle isolated for bidi", () => {
  for (const lang of LANGUAGES) {
    const text = representationNotice(new Translator(lang), changed(RepresentationChange.CONFIRMED), SELAM)!;
    assert.ok(text.includes("\u2068henk\u2069"), `${lang}: ${text}`);
  }
});
