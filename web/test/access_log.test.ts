/// <reference types="node" />
import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { AccessLogEntrySchema, AuditOutcome, MemberRole } from "../src/proto";
import { Translator, stripIsolates } from "../src/i18n/i18n";
import { groupLog, lineOf } from "../src/state/access_log";

const SELAM = 2n;
const RUUD = 3n;
const DAY1 = Date.UTC(2026, 11, 6, 10);
const DAY2 = Date.UTC(2026, 11, 7, 9);

let seq = 0n;
function entry(actorId: bigint, eventType: string, timeMs: number, opts: { count?: number; outcome?: AuditOutcome; thread?: string; object?: string } = {}) {
  seq++;
  return create(AccessLogEntrySchema, {
    event: {
      seq,
      timeMs: BigInt(timeMs),
      eventType,
      outcome: opts.outcome ?? AuditOutcome.SUCCESS,
      actorId,
      actorHandle: actorId === RUUD ? "ruud" : "selam",
      actorRole: actorId === RUUD ? MemberRole.MEMBER : MemberRole.CLIENT,
      actorProfession: actorId === RUUD ? "jobcoach" : "",
      count: BigInt(opts.count ?? 0),
      objectHandle: opts.object ?? "",
    },
    actorDisplayName: actorId === RUUD ? "Ruud" : "Selam",
    threadTitle: opts.thread ?? "",
  });
}

test("entries become sentences in the reader's language", () => {
  const e = entry(RUUD, "history.read", DAY1, { count: 12, thread: "Werk" });
  assert.equal(stripIsolates(lineOf(new Translator("en"), e, [SELAM]).text), "Ruud (jobcoach) read 12 messages in Werk.");
  assert.equal(stripIsolates(lineOf(new Translator("nl"), e, [SELAM]).text), "Ruud (jobcoach) las 12 berichten in Werk.");
  const one = entry(RUUD, "history.read", DAY1, { count: 1, thread: "Werk" });
  assert.equal(stripIsolates(lineOf(new Translator("nl"), one, [SELAM]).text), "Ruud (jobcoach) las 1 bericht in Werk.");
  const ti = stripIsolates(lineOf(new Translator("ti"), one, [SELAM]).text);
  assert.ok(ti.includes("1 መልእኽቲ"), ti);
  const unknown = entry(RUUD, "something.new", DAY1);
  assert.equal(stripIsolates(lineOf(new Translator("en"), unknown, [SELAM]).text), "Ruud (jobcoach) did something with your data (something.new).");
});

test("the profession kringd appends to the display name is not repeated", () => {
  const e = entry(RUUD, "read_markers.listed", DAY1, { thread: "Werk" });
  e.actorDisplayName = "Ruud (jobcoach)";
  assert.equal(stripIsolates(lineOf(new Translator("en"), e, [SELAM]).text), "Ruud (jobcoach) looked at who has read what in Werk.");
});

test("refusals of others are marked; the client's own refusals are not", () => {
  const tr = new Translator("en");
  const theirs = lineOf(tr, entry(RUUD, "live.started", DAY1, { outcome: AuditOutcome.DENIED }), [SELAM]);
  assert.equal(theirs.outcome, "denied");
  const mine = lineOf(tr, entry(SELAM, "live.started", DAY1, { outcome: AuditOutcome.DENIED }), [SELAM]);
  assert.equal(mine.outcome, "allowed");
  assert.equal(mine.own, true);
  assert.equal(stripIsolates(mine.text), "You opened a thread to read along.");
});

test("newest first, grouped by day in the reader's zone and by person, own actions folded", () => {
  const tr = new Translator("en");
  const entries = [
    entry(RUUD, "history.read", DAY1, { count: 3, thread: "Werk" }),
    entry(SELAM, "consent.granted", DAY1, { object: "ruud" }),
    entry(RUUD, "message.posted", DAY2, { thread: "Werk" }),
    entry(SELAM, "history.read", DAY2, { count: 1, thread: "Werk" }),
    entry(RUUD, "history.read", DAY2, { count: 2, thread: "Werk" }),
  ];
  const lines = entries.map((e) => lineOf(tr, e, [SELAM]));
  const folded = groupLog(tr, [...lines, lines[0]!], false);  // a duplicate page is dropped
  assert.equal(folded.ownHidden, 2);
  assert.deepEqual(folded.days.map((d) => d.day), ["2026-12-07", "2026-12-06"]);
  assert.deepEqual(folded.days[0]!.people.map((p) => p.lines.map((l) => l.seq)), [[entries[4]!.event!.seq, entries[2]!.event!.seq]]);
  // The exact punctuation of a long date varies with the ICU version (Node 18 vs 20).
  assert.match(folded.days[0]!.label, /^Monday,? 7 December 2026$/);

  const all = groupLog(tr, lines, true);
  assert.equal(all.ownHidden, 0);
  assert.equal(all.days[0]!.people.length, 2);
  assert.equal(all.days.reduce((n, d) => n + d.people.reduce((m, p) => m + p.lines.length, 0), 0), 5);
});
