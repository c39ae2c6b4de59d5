/// <reference types="node" />
import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { AccessLogEntrySchema, AuditAction, AuditOutcome, MemberRole } from "../src/proto";
import { Translator, stripIsolates } from "../src/i18n/i18n";
import { groupLog, lineOf, type LogLine } from "../src/state/access_log";

const SELAM = 2n;
const RUUD = 3n;
const VRIES = 4n;  // a client with a representative
const HENK = 5n;   // her mentor, her representative
const DAY1 = Date.UTC(2026, 11, 6, 10);
const DAY2 = Date.UTC(2026, 11, 7, 9);
const WERK = 10n;
const WONEN = 11n;
// Selam reads her own log.
const SELF = { viewerId: SELAM, clientId: SELAM };

const PEOPLE = new Map([
  [SELAM, { handle: "selam", name: "Selam", role: MemberRole.CLIENT, profession: "" }],
  [RUUD, { handle: "ruud", name: "Ruud", role: MemberRole.MEMBER, profession: "jobcoach" }],
  [VRIES, { handle: "vries", name: "Mevrouw de Vries", role: MemberRole.CLIENT, profession: "" }],
  [HENK, { handle: "henk", name: "Henk", role: MemberRole.REPRESENTATIVE, profession: "" }],
]);
// The action kringd records for each event type used here (docs/audit.md).
const ACTIONS: Record<string, AuditAction> = {
  "history.read": AuditAction.READ,
  "live.started": AuditAction.READ,
  "read_markers.listed": AuditAction.READ,
  "threads.listed": AuditAction.READ,
  "members.listed": AuditAction.READ,
  "read_marker.updated": AuditAction.UPDATE,
  "message.posted": AuditAction.CREATE,
  "consent.granted": AuditAction.CREATE,
};

let seq = 0n;
function entry(
  actorId: bigint,
  eventType: string,
  timeMs: number,
  opts: { count?: number; outcome?: AuditOutcome; thread?: string; threadId?: bigint; networkId?: bigint; object?: string } = {},
) {
  seq++;
  const who = PEOPLE.get(actorId)!;
  return create(AccessLogEntrySchema, {
    event: {
      seq,
      timeMs: BigInt(timeMs),
      action: ACTIONS[eventType] ?? AuditAction.READ,
      eventType,
      outcome: opts.outcome ?? AuditOutcome.SUCCESS,
      actorId,
      actorHandle: who.handle,
      actorRole: who.role,
      actorProfession: who.profession,
      networkId: opts.networkId ?? 1n,
      threadId: opts.threadId ?? (opts.thread === "Wonen" ? WONEN : opts.thread ? WERK : 0n),
      count: BigInt(opts.count ?? 0),
      objectHandle: opts.object ?? "",
    },
    actorDisplayName: who.name,
    threadTitle: opts.thread ?? "",
  });
}

function texts(lines: readonly LogLine[]): string[] {
  return lines.map((l) => stripIsolates(l.text));
}

test("entries become sentences in the reader's language", () => {
  const e = entry(RUUD, "history.read", DAY1, { count: 12, thread: "Werk" });
  assert.equal(stripIsolates(lineOf(new Translator("en"), e, SELF).text), "Ruud (jobcoach) read 12 messages in Werk.");
  assert.equal(stripIsolates(lineOf(new Translator("nl"), e, SELF).text), "Ruud (jobcoach) las 12 berichten in Werk.");
  const one = entry(RUUD, "history.read", DAY1, { count: 1, thread: "Werk" });
  assert.equal(stripIsolates(lineOf(new Translator("nl"), one, SELF).text), "Ruud (jobcoach) las 1 bericht in Werk.");
  const ti = stripIsolates(lineOf(new Translator("ti"), one, SELF).text);
  assert.ok(ti.includes("1 መልእኽቲ"), ti);
  const unknown = entry(RUUD, "something.new", DAY1);
  assert.equal(stripIsolates(lineOf(new Translator("en"), unknown, SELF).text), "Ruud (jobcoach) did something with your data (something.new).");
});

test("the profession kringd appends to the display name is not repeated", () => {
  const e = entry(RUUD, "read_markers.listed", DAY1, { thread: "Werk" });
  e.actorDisplayName = "Ruud (jobcoach)";
  assert.equal(stripIsolates(lineOf(new Translator("en"), e, SELF).text), "Ruud (jobcoach) looked at who has read what in Werk.");
});

test("refusals of others are marked; the client's own refusals are not", () => {
  const tr = new Translator("en");
  const theirs = lineOf(tr, entry(RUUD, "live.started", DAY1, { outcome: AuditOutcome.DENIED }), SELF);
  assert.equal(theirs.outcome, "denied");
  const mine = lineOf(tr, entry(SELAM, "live.started", DAY1, { outcome: AuditOutcome.DENIED }), SELF);
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
  const lines = entries.map((e) => lineOf(tr, e, SELF));
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

test("repeated reads of a day become one line with a count; writes and other days do not", () => {
  const tr = new Translator("en");
  const at = (minutes: number, day = DAY2) => day + minutes * 60_000;
  const entries = [
    entry(RUUD, "read_markers.listed", at(0, DAY1), { thread: "Werk" }),  // another day
    entry(RUUD, "read_markers.listed", at(1), { thread: "Werk" }),
    entry(RUUD, "read_markers.listed", at(2), { thread: "Wonen" }),  // another thread
    entry(RUUD, "message.posted", at(3), { thread: "Werk" }),
    entry(RUUD, "read_markers.listed", at(4), { thread: "Werk" }),
    entry(RUUD, "read_markers.listed", at(5), { thread: "Werk", outcome: AuditOutcome.DENIED }),
    entry(RUUD, "message.posted", at(6), { thread: "Werk" }),  // a write: never collapsed
    entry(RUUD, "read_markers.listed", at(7), { thread: "Werk", networkId: 2n }),  // another network
    entry(RUUD, "read_markers.listed", at(8), { thread: "Werk" }),
    entry(RUUD, "threads.listed", at(9)),
    entry(RUUD, "threads.listed", at(10)),
  ];
  const view = groupLog(tr, entries.map((e) => lineOf(tr, e, SELF)), false);
  assert.deepEqual(view.days.map((d) => d.day), ["2026-12-07", "2026-12-06"]);
  const today = view.days[0]!.people[0]!.lines;
  assert.deepEqual(texts(today), [
    "Ruud (jobcoach) looked at the list of threads 2 times.",
    "Ruud (jobcoach) looked at who has read what in Werk 3 times.",
    "Ruud (jobcoach) looked at who has read what in Werk.",
    "Ruud (jobcoach) wrote a message in Werk.",
    "Ruud (jobcoach) looked at who has read what in Werk.",
    "Ruud (jobcoach) wrote a message in Werk.",
    "Ruud (jobcoach) looked at who has read what in Wonen.",
  ]);
  // The collapsed line sits where its newest entry is and spans to its oldest.
  const werk = today[1]!;
  assert.equal(werk.times, 3);
  assert.equal(werk.seq, entries[8]!.event!.seq);
  assert.equal(werk.timeMs, at(8));
  assert.equal(werk.firstTimeMs, at(1));
  assert.equal(today[2]!.outcome, "allowed");  // the other network's
  assert.equal(today[4]!.outcome, "denied");   // a refusal is not folded into the allowed reads
  assert.equal(texts(view.days[1]!.people[0]!.lines).length, 1);
});

test("repeated history reads add up their messages", () => {
  const entries = [
    entry(RUUD, "history.read", DAY2, { count: 50, thread: "Werk" }),
    entry(RUUD, "history.read", DAY2 + 1000, { count: 50, thread: "Werk" }),
    entry(RUUD, "history.read", DAY2 + 2000, { count: 1, thread: "Werk" }),
  ];
  const said = (lang: "nl" | "en" | "ar" | "ti", n = entries.length) => {
    const tr = new Translator(lang);
    const view = groupLog(tr, entries.slice(0, n).map((e) => lineOf(tr, e, SELF)), false);
    return texts(view.days[0]!.people[0]!.lines);
  };
  assert.deepEqual(said("en"), ["Ruud (jobcoach) read messages in Werk 3 times, 101 messages in all."]);
  assert.deepEqual(said("nl"), ["Ruud (jobcoach) las 3 keer berichten in Werk, samen 101 berichten."]);
  // Arabic's plural forms: two is its own word, 3..10 "few". Its digits are the ICU data's
  // choice (Arabic-Indic with Debian 12's ICU 72 under Node 18, Latin with Node 20's).
  const ar = (n: number) => new Intl.NumberFormat("ar").format(n);
  assert.deepEqual(said("ar", 2), [`Ruud (jobcoach) قرأ رسائل في Werk مرتين، ${ar(100)} رسالة في المجموع.`]);
  assert.ok(said("ar")[0]!.includes(`${ar(3)} مرات`), said("ar")[0]);
  assert.ok(said("ti")[0]!.includes("3 ግዜ"), said("ti")[0]);
});

test("collapsing cuts nothing: every entry of every page is counted in a line or as folded", () => {
  const tr = new Translator("en");
  const entries = [];
  for (let i = 0; i < 120; i++) {
    const actor = [RUUD, SELAM, RUUD][i % 3]!;
    const kind = ["history.read", "members.listed", "message.posted", "read_marker.updated"][i % 4]!;
    entries.push(entry(actor, kind, DAY1 + i * 20 * 60_000, { count: i % 7, thread: i % 5 ? "Werk" : "Wonen" }));
  }
  const lines = entries.map((e) => lineOf(tr, e, SELF));
  // Pages as the screen loads them (oldest first), one of them loaded twice.
  const pages = [...lines.slice(0, 50), ...lines.slice(40, 100), ...lines.slice(100)];
  for (const showOwn of [false, true]) {
    const view = groupLog(tr, pages, showOwn);
    let shown = 0;
    for (const d of view.days) for (const p of d.people) for (const l of p.lines) shown += l.times;
    assert.equal(shown + view.ownHidden, entries.length);
    assert.ok(view.days.length >= 2);
  }
  // The caller's lines are left as they were.
  assert.ok(lines.every((l) => l.times === 1));
});

test("'You' is the reader: a representative sees the client's actions by her name", () => {
  const tr = new Translator("en");
  const henkReads = { viewerId: HENK, clientId: VRIES, clientName: "Mevrouw de Vries" };
  const hers = lineOf(tr, entry(VRIES, "consent.granted", DAY1, { object: "ruud" }), henkReads);
  assert.equal(stripIsolates(hers.text), "Mevrouw de Vries (Client) gave ruud consent.");
  assert.equal(hers.own, true);  // the client's own: folded away like the representative's
  const his = lineOf(tr, entry(HENK, "members.listed", DAY1), henkReads);
  // Her circle, not his: he reads it for her.
  assert.equal(stripIsolates(his.text), "You looked at who is in Mevrouw de Vries’s circle.");
  assert.equal(his.own, true);
  const refusedHers = lineOf(tr, entry(VRIES, "live.started", DAY1, { outcome: AuditOutcome.DENIED }), henkReads);
  assert.equal(refusedHers.outcome, "allowed");  // her own app's refusal is not someone else's
  const ruud = lineOf(tr, entry(RUUD, "history.read", DAY1, { count: 2, thread: "Werk" }), henkReads);
  assert.equal(stripIsolates(ruud.text), "Ruud (jobcoach) read 2 messages in Werk.");
  assert.equal(ruud.own, false);

  // The client reading her own log: she is "You", and what her representative did is his.
  const herself = { viewerId: VRIES, clientId: VRIES };
  assert.equal(stripIsolates(lineOf(tr, entry(VRIES, "members.listed", DAY1), herself).text), "You looked at who is in your circle.");
  const byHenk = lineOf(tr, entry(HENK, "members.listed", DAY1), herself);
  assert.equal(stripIsolates(byHenk.text), "Henk (Representative) looked at who is in your circle.");
  assert.equal(byHenk.own, false);
});

test("a representative reads of the client's circle, network and data by her name", () => {
  const henkReads = { viewerId: HENK, clientId: VRIES, clientName: "Mevrouw de Vries" };
  const herself = { viewerId: VRIES, clientId: VRIES };
  const nl = new Translator("nl");
  const said = (e: ReturnType<typeof entry>, reader: typeof herself) => stripIsolates(lineOf(nl, e, reader).text);
  assert.equal(said(entry(RUUD, "members.listed", DAY1), henkReads), "Ruud (jobcoach) bekeek wie er in de kring van Mevrouw de Vries zit.");
  assert.equal(said(entry(RUUD, "members.listed", DAY1), herself), "Ruud (jobcoach) bekeek wie er in je kring zit.");
  assert.equal(said(entry(RUUD, "network.opened", DAY1), henkReads), "Ruud (jobcoach) opende het netwerk van Mevrouw de Vries.");
  assert.equal(said(entry(RUUD, "member.left", DAY1), henkReads), "Ruud (jobcoach) ging uit de kring van Mevrouw de Vries.");
  assert.equal(said(entry(RUUD, "something.new", DAY1), henkReads), "Ruud (jobcoach) deed iets met de gegevens van Mevrouw de Vries (something.new).");
  // Repeated reads say it too.
  const lines = [1, 2, 3].map((i) => lineOf(nl, entry(RUUD, "members.listed", DAY1 + i * 60_000), henkReads));
  const view = groupLog(nl, lines, false);
  assert.deepEqual(texts(view.days[0]!.people[0]!.lines), ["Ruud (jobcoach) bekeek 3 keer wie er in de kring van Mevrouw de Vries zit."]);
  // Every language names her, isolated for bidi, and no language says "your" for her.
  for (const lang of ["en", "ar", "ti"] as const) {
    const t = new Translator(lang);
    const hers = lineOf(t, entry(RUUD, "members.listed", DAY1), henkReads).text;
    const own = lineOf(t, entry(RUUD, "members.listed", DAY1), herself).text;
    assert.ok(hers.includes("\u2068Mevrouw de Vries\u2069"), `${lang}: ${hers}`);
    assert.notEqual(stripIsolates(hers).replace("Mevrouw de Vries", ""), stripIsolates(own), lang);
  }
});

test("issue 14's records: networks answered, sensitive threads, teams, representatives", () => {
  const en = new Translator("en");
  const say = (e: ReturnType<typeof entry>, reader: Parameters<typeof lineOf>[2] = SELF) =>
    stripIsolates(lineOf(en, e, reader).text);
  assert.equal(say(entry(SELAM, "network.accepted", DAY1, { object: "noor" })), "You accepted the network noor opened.");
  assert.equal(say(entry(SELAM, "thread.marked_sensitive", DAY1, { thread: "Werk" })), "You made Werk sensitive.");
  const excluded = entry(SELAM, "team.exclusion_set", DAY1, { object: "daan" });
  excluded.event!.action = AuditAction.DELETE;
  assert.equal(say(excluded), "You excluded daan of the team from your network.");
  const included = entry(SELAM, "team.exclusion_set", DAY1, { object: "daan" });
  included.event!.action = AuditAction.CREATE;
  assert.equal(say(included), "You let daan of the team back into your network.");
  const requested = entry(HENK, "representative.requested", DAY1, { object: "henk" });
  assert.equal(
    say(requested, { viewerId: VRIES, clientId: VRIES }),
    "Henk (Representative) asked to make henk your representative. This only counts once a second administrator confirms it.",
  );
  assert.equal(
    say(entry(RUUD, "representative.confirmed", DAY1, { object: "henk" }), { viewerId: HENK, clientId: VRIES, clientName: "Mevrouw de Vries" }),
    "Ruud (jobcoach) confirmed henk as the representative of Mevrouw de Vries. It counts now.",
  );
});

test("access through a team says for which team", () => {
  const e = entry(RUUD, "history.read", DAY1, { count: 3, thread: "Werk" });
  e.event!.forTeamId = 20n;
  e.event!.forTeamName = "Wijkteam Noord";
  assert.equal(stripIsolates(lineOf(new Translator("en"), e, SELF).text), "Ruud (jobcoach) for team Wijkteam Noord read 3 messages in Werk.");
});
