/// <reference types="node" />
import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ConsentAction, ConsentSchema, ConsentStatus } from "../src/proto";
import { Translator, stripIsolates } from "../src/i18n/i18n";
import {
  activeScope,
  changeSentence,
  endAfterMonths,
  provisionOf,
  safeDefaultScope,
  sentenceForClient,
  sentenceForMember,
  type Scope,
} from "../src/state/consent";

const NOW = Date.UTC(2026, 11, 7, 12);
// Access until the end of 31 December in Amsterdam: end_ms (exclusive) is 1 Jan 00:00 CET.
const END = Date.UTC(2026, 11, 31, 23);
const titles = new Map([[11n, "Werk"], [12n, "Wonen"]]);

function consent(actions: ConsentAction[], opts: { history?: boolean; end?: number; status?: ConsentStatus; all?: boolean } = {}) {
  return create(ConsentSchema, {
    status: opts.status ?? ConsentStatus.ACTIVE,
    provision: {
      allThreads: opts.all ?? false,
      threadIds: opts.all ? [] : [11n],
      actions,
      historyVisible: opts.history ?? false,
      startMs: BigInt(NOW - 1000),
      endMs: BigInt(opts.end ?? 0),
    },
  });
}

test("the member reads what the client allows, in one sentence", () => {
  const scope = activeScope(consent([ConsentAction.READ, ConsentAction.POST], { history: true, end: END }), NOW);
  const en = sentenceForMember(new Translator("en"), "Selam", scope, titles, NOW);
  assert.equal(stripIsolates(en), "Selam allows you to read and write in Werk, with earlier messages, until 31 Dec.");
  const nl = sentenceForMember(new Translator("nl"), "Selam", scope, titles, NOW);
  // Dutch month abbreviations differ between ICU versions ("dec" / "dec."): ask Intl.
  const dec31 = new Intl.DateTimeFormat("nl-NL", { day: "numeric", month: "short", timeZone: "Europe/Amsterdam" }).format(END - 1);
  assert.equal(stripIsolates(nl), `Selam laat je lezen en schrijven in Werk, met eerdere berichten, tot ${dec31}.`);
  // Names and titles are isolated for bidi.
  assert.ok(en.includes("\u2068Selam\u2069") && en.includes("\u2068Werk\u2069"));
});

test("read only, all threads, no end, no earlier messages", () => {
  const scope = activeScope(consent([ConsentAction.READ], { all: true }), NOW);
  assert.equal(
    stripIsolates(sentenceForMember(new Translator("en"), "Selam", scope, titles, NOW)),
    "Selam allows you to read in all threads, without earlier messages.",
  );
});

test("several threads are listed in the reader's language", () => {
  const scope: Scope = { post: false, allThreads: false, threadIds: [11n, 12n, 99n], historyVisible: false, endMs: 0 };
  assert.equal(
    stripIsolates(sentenceForClient(new Translator("nl"), "Ruud", scope, titles, NOW)),
    "Ruud mag lezen in Werk, Wonen en een gesprek, zonder eerdere berichten.",
  );
});

test("withdrawn, expired or not yet started consent gives nothing", () => {
  assert.equal(activeScope(consent([ConsentAction.READ], { status: ConsentStatus.WITHDRAWN }), NOW), undefined);
  assert.equal(activeScope(consent([ConsentAction.READ], { end: NOW }), NOW), undefined);
  assert.equal(activeScope(undefined, NOW), undefined);
  assert.equal(sentenceForMember(new Translator("en"), "Selam", undefined, titles, NOW), "You have no access here now.");
  assert.equal(
    stripIsolates(sentenceForClient(new Translator("en"), "Ruud", undefined, titles, NOW)),
    "Ruud sees nothing any more.",
  );
});

test("the confirmation says in one sentence what will change", () => {
  const tr = new Translator("en");
  assert.equal(
    stripIsolates(changeSentence(tr, "Ruud", undefined, titles, NOW)),
    "Ruud will then not be able to read or write anything in your network.",
  );
  const next: Scope = { post: true, allThreads: false, threadIds: [11n], historyVisible: false, endMs: END };
  assert.equal(
    stripIsolates(changeSentence(tr, "Ruud", next, titles, NOW)),
    "After this: Ruud may read and write in Werk, without earlier messages, until 31 Dec.",
  );
});

test("the safe choice: general thread only, read only, no history, three months", () => {
  const scope = safeDefaultScope(11n, NOW);
  assert.deepEqual({ ...scope, endMs: 0 }, { post: false, allThreads: false, threadIds: [11n], historyVisible: false, endMs: 0 });
  assert.equal(scope.endMs, endAfterMonths(NOW, 3));
  assert.equal(new Translator("en").shortDate(scope.endMs - 1, NOW), "8 Mar 2027");
  const p = provisionOf(scope);
  assert.deepEqual(p.actions, [ConsentAction.READ]);
  assert.equal(p.endMs, BigInt(scope.endMs));
});

test("Arabic and Tigrinya sentences carry the isolated names", () => {
  const scope = activeScope(consent([ConsentAction.READ, ConsentAction.POST], { history: true, end: END }), NOW);
  for (const lang of ["ar", "ti"] as const) {
    const s = sentenceForMember(new Translator(lang), "Selam", scope, titles, NOW);
    assert.ok(s.includes("\u2068Selam\u2069") && s.includes("\u2068Werk\u2069"), s);
  }
});

test("all threads and the sensitive threads named: both are said, and both are sent", () => {
  const titlesWithHealth = new Map([...titles, [13n, "Gezondheid"]]);
  const scope: Scope = { post: true, allThreads: true, threadIds: [13n], historyVisible: false, endMs: 0 };
  assert.equal(
    stripIsolates(sentenceForClient(new Translator("en"), "Noor", scope, titlesWithHealth, NOW)),
    "Noor may read and write in all threads and Gezondheid, without earlier messages.",
  );
  const p = provisionOf(scope);
  assert.equal(p.allThreads, true);
  assert.deepEqual(p.threadIds, [13n]);
});
