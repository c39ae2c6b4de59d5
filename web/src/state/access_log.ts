// "Who looked at my data": the client's access log in plain words in their own language, from
// the structured entries kringd returns (never its English summary). Newest first, grouped by
// day (in the reader's time zone) and by person; the client's own actions are folded away
// unless asked for, and are never shown as refused (a subscription the client's own app opened
// and the server turned down is not someone else's refused access). Pure: no DOM.
import { AuditOutcome, MemberRole, type AccessLogEntry } from "../proto";
import { isolate, type MessageKey, type Translator } from "../i18n/i18n";

export type Outcome = "allowed" | "denied" | "failed";

export interface LogLine {
  seq: bigint;
  timeMs: number;
  actorId: bigint;
  actor: string;      // "Ruud (job coach)", isolated name
  own: boolean;       // the client's (or the reading representative's) own action
  outcome: Outcome;
  text: string;       // the sentence
}

export interface PersonGroup {
  actorId: bigint;
  actor: string;
  lines: LogLine[];   // newest first
}
export interface DayGroup {
  day: string;        // "2026-12-07" in the reader's zone
  label: string;      // "maandag 7 december 2026"
  people: PersonGroup[];
}
export interface LogView {
  days: DayGroup[];
  ownHidden: number;  // own lines folded away
}

const EVENT_KEYS: Record<string, MessageKey> = {
  "history.read": "log.event.history.read",
  "live.started": "log.event.live.started",
  "live.ended": "log.event.live.ended",
  "message.posted": "log.event.message.posted",
  "thread.created": "log.event.thread.created",
  "threads.listed": "log.event.threads.listed",
  "members.listed": "log.event.members.listed",
  "invitation.created": "log.event.invitation.created",
  "invitation.approved": "log.event.invitation.approved",
  "invitation.declined": "log.event.invitation.declined",
  "consent.granted": "log.event.consent.granted",
  "consent.withdrawn": "log.event.consent.withdrawn",
  "consent.expired": "log.event.consent.expired",
  "consents.listed": "log.event.consents.listed",
  "member.removed": "log.event.member.removed",
  "member.left": "log.event.member.left",
  "network.opened": "log.event.network.opened",
  "read_marker.updated": "log.event.read_marker.updated",
  "read_markers.listed": "log.event.read_markers.listed",
  "networks.listed": "log.event.networks.listed",
  "invitations.listed": "log.event.invitations.listed",
  "access_log.read": "log.event.access_log.read",
};

function roleName(tr: Translator, role: MemberRole): string | undefined {
  switch (role) {
    case MemberRole.CLIENT:
      return tr.t("role.client");
    case MemberRole.COORDINATOR:
      return tr.t("role.coordinator");
    case MemberRole.MEMBER:
      return tr.t("role.member");
    case MemberRole.REPRESENTATIVE:
      return tr.t("role.representative");
    default:
      return undefined;
  }
}

// `selfIds`: the client's id and the reader's id (a representative reads for the client).
export function lineOf(tr: Translator, entry: AccessLogEntry, selfIds: readonly bigint[]): LogLine {
  const e = entry.event!;
  const own = selfIds.includes(e.actorId);
  // kringd's display name already ends in " (profession)"; the catalog adds it in the reader's
  // own punctuation and order, so take it off.
  let name = entry.actorDisplayName || e.actorHandle;
  const suffix = ` (${e.actorProfession})`;
  if (e.actorProfession && name.endsWith(suffix)) name = name.slice(0, -suffix.length);
  let actor: string;
  if (own) actor = tr.t("log.you");
  else if (!name) actor = tr.t("log.someone");
  else {
    // The profession is the person's own words (user text); the role comes from the catalog.
    const role = e.actorProfession ? isolate(e.actorProfession) : roleName(tr, e.actorRole);
    actor = role ? tr.t("log.actorWithRole", { name: isolate(name), role }) : isolate(name);
  }
  const thread = entry.threadTitle ? isolate(entry.threadTitle) : tr.t("log.aThread");
  const object = e.objectHandle ? isolate(e.objectHandle) : tr.t("log.someone");
  const key = EVENT_KEYS[e.eventType];
  const values = {
    actor,
    thread,
    object,
    messages: tr.t("log.messages", { count: Number(e.count) }),
    type: e.eventType,
  };
  const text = key ? tr.t(key, values) : tr.t("log.event.other", values);
  let outcome: Outcome = "allowed";
  if (!own && e.outcome === AuditOutcome.DENIED) outcome = "denied";
  else if (!own && e.outcome === AuditOutcome.ERROR) outcome = "failed";
  return { seq: e.seq, timeMs: Number(e.timeMs), actorId: e.actorId, actor, own, outcome, text };
}

// Groups lines (any order, duplicates by seq dropped) newest first by day and person.
export function groupLog(tr: Translator, lines: readonly LogLine[], showOwn: boolean): LogView {
  const unique = new Map<bigint, LogLine>();
  for (const l of lines) unique.set(l.seq, l);
  const sorted = [...unique.values()].sort((a, b) => (a.seq < b.seq ? 1 : a.seq > b.seq ? -1 : 0));
  const days: DayGroup[] = [];
  let ownHidden = 0;
  for (const line of sorted) {
    if (line.own && !showOwn) {
      ownHidden++;
      continue;
    }
    const dayKey = tr.dayKey(line.timeMs);
    let day = days[days.length - 1];
    if (!day || day.day !== dayKey) {
      day = { day: dayKey, label: tr.longDay(line.timeMs), people: [] };
      days.push(day);
    }
    let person = day.people.find((p) => p.actorId === line.actorId);
    if (!person) {
      person = { actorId: line.actorId, actor: line.actor, lines: [] };
      day.people.push(person);
    }
    person.lines.push(line);
  }
  return { days, ownHidden };
}
