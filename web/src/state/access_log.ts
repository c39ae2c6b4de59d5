// "Who looked at my data": the client's access log in plain words in their own language, from
// the structured entries kringd returns (never its English summary). Newest first, grouped by
// day (in the reader's time zone) and by person; the client's own actions are folded away
// unless asked for, and are never shown as refused (a subscription the client's own app opened
// and the server turned down is not someone else's refused access). Repeated reads (the same
// person, the same kind of read, the same network and thread, the same day, the same outcome)
// become one line with a count: opening the app lists threads, members and read markers, each a
// record, and a line per record would bury what matters. Nothing is cut: the line says how many.
// Pure: no DOM.
import { AuditAction, AuditOutcome, MemberRole, type AccessLogEntry } from "../proto";
import { isolate, type MessageKey, type Translator } from "../i18n/i18n";

export type Outcome = "allowed" | "denied" | "failed";

export interface LogLine {
  seq: bigint;        // the newest entry's (the line's key)
  timeMs: number;     // the newest entry's
  firstTimeMs: number;  // the oldest entry's: the same as timeMs unless times > 1
  times: number;      // how many entries the line stands for (repeated reads collapsed)
  actorId: bigint;
  actor: string;      // "Ruud (job coach)", isolated name; "You" for the reader
  own: boolean;       // the client's or the reader's own action
  outcome: Outcome;
  text: string;       // the sentence
  readonly parts: SentenceParts;
}

// Who reads the log: the account logged in, and the client whose log it is (the same account
// unless a representative reads it for the client).
export interface Reader {
  viewerId: bigint;
  clientId: bigint;
  // The client's name when a representative reads for the client: the sentences then say
  // "Mrs. de Vries's circle" where the client reading her own log reads "your circle".
  clientName?: string;
}

// What a line's sentence is made of, kept so that collapsed reads can be said again with their
// count.
export interface SentenceParts {
  eventType: string;
  action: AuditAction;
  networkId: bigint;
  threadId: bigint;
  objectId: bigint;
  collapsible: boolean;  // a read: repeats of it may be collapsed
  count: number;         // messages concerned (summed over collapsed entries)
  values: { actor: string; thread: string; object: string; type: string; whose: "client" | "own"; client: string };
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
  "network.accepted": "log.event.network.accepted",
  "network.declined": "log.event.network.declined",
  "thread.marked_sensitive": "log.event.thread.marked_sensitive",
  "thread.unmarked_sensitive": "log.event.thread.unmarked_sensitive",
  "team.person_set": "log.event.team.person_set",
  "team.person_removed": "log.event.team.person_removed",
  "representative.requested": "log.event.representative.requested",
  "representative.confirmed": "log.event.representative.confirmed",
  "representative.refused": "log.event.representative.refused",
  "representative.ended": "log.event.representative.ended",
  "representative.appointed": "log.event.representative.appointed",
};

// One event type, two sentences: the action says which way.
function eventKey(eventType: string, action: AuditAction): MessageKey | undefined {
  if (eventType === "team.exclusion_set") {
    return action === AuditAction.DELETE ? "log.event.team.excluded" : "log.event.team.included";
  }
  return EVENT_KEYS[eventType];
}

// Sentences for a read done `{times}` times ("5 times"). Other reads say the generic one.
const REPEATED_KEYS: Record<string, MessageKey> = {
  "history.read": "log.repeated.history.read",
  "live.started": "log.repeated.live.started",
  "live.ended": "log.repeated.live.ended",
  "threads.listed": "log.repeated.threads.listed",
  "members.listed": "log.repeated.members.listed",
  "consents.listed": "log.repeated.consents.listed",
  "read_marker.updated": "log.repeated.read_marker.updated",
  "read_markers.listed": "log.repeated.read_markers.listed",
  "networks.listed": "log.repeated.networks.listed",
  "invitations.listed": "log.repeated.invitations.listed",
  "access_log.read": "log.repeated.access_log.read",
};

// Reads, and the read marker moving as one reads: each is a record, and they come in bursts.
function isCollapsible(eventType: string, action: AuditAction): boolean {
  return action === AuditAction.READ || eventType === "read_marker.updated";
}

function sentence(tr: Translator, parts: SentenceParts, times: number): string {
  const values = { ...parts.values, messages: tr.t("log.messages", { count: parts.count }) };
  if (times > 1) {
    const key = REPEATED_KEYS[parts.eventType] ?? "log.repeated.other";
    return tr.t(key, { ...values, times: tr.t("log.times", { count: times }) });
  }
  const key = eventKey(parts.eventType, parts.action);
  return key ? tr.t(key, values) : tr.t("log.event.other", values);
}

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

// kringd's display name already ends in " (profession)"; the catalog adds it in the reader's
// own punctuation and order, so take it off.
export function nameWithoutProfession(displayName: string, profession: string): string {
  const suffix = ` (${profession})`;
  return profession && displayName.endsWith(suffix) ? displayName.slice(0, -suffix.length) : displayName;
}

// One entry as a line. "You" is the reader (the account logged in); a representative reading
// for the client sees the client's own actions under the client's name. Both the client's and
// the reader's actions count as own (folded away by default, never shown as refused).
export function lineOf(tr: Translator, entry: AccessLogEntry, reader: Reader): LogLine {
  const e = entry.event!;
  const own = e.actorId === reader.viewerId || e.actorId === reader.clientId;
  const name = nameWithoutProfession(entry.actorDisplayName || e.actorHandle, e.actorProfession);
  let actor: string;
  if (e.actorId === reader.viewerId) actor = tr.t("log.you");
  else if (!name) actor = tr.t("log.someone");
  else {
    // The profession is the person's own words (user text); the role comes from the catalog.
    const role = e.actorProfession ? isolate(e.actorProfession) : roleName(tr, e.actorRole);
    actor = role ? tr.t("log.actorWithRole", { name: isolate(name), role }) : isolate(name);
  }
  // Access through a team is recorded as the person, "for team X".
  if (e.forTeamId !== 0n) {
    actor = tr.t("log.actorForTeam", { actor, team: isolate(e.forTeamName || String(e.forTeamId)) });
  }
  const parts: SentenceParts = {
    eventType: e.eventType,
    action: e.action,
    networkId: e.networkId,
    threadId: e.threadId,
    objectId: e.objectId,
    collapsible: isCollapsible(e.eventType, e.action),
    count: Number(e.count),
    values: {
      actor,
      thread: entry.threadTitle ? isolate(entry.threadTitle) : tr.t("log.aThread"),
      object: e.objectHandle ? isolate(e.objectHandle) : tr.t("log.someone"),
      type: e.eventType,
      whose: reader.clientName ? "client" : "own",
      client: reader.clientName ? isolate(reader.clientName) : "",
    },
  };
  let outcome: Outcome = "allowed";
  if (!own && e.outcome === AuditOutcome.DENIED) outcome = "denied";
  else if (!own && e.outcome === AuditOutcome.ERROR) outcome = "failed";
  const timeMs = Number(e.timeMs);
  return {
    seq: e.seq,
    timeMs,
    firstTimeMs: timeMs,
    times: 1,
    actorId: e.actorId,
    actor,
    own,
    outcome,
    text: sentence(tr, parts, 1),
    parts,
  };
}

// The same read again: same kind, network, thread, object and outcome (the person and the day
// are the group's).
function repeatKey(line: LogLine): string | undefined {
  const p = line.parts;
  if (!p.collapsible) return undefined;
  return [p.eventType, p.networkId, p.threadId, p.objectId, line.outcome].join("/");
}

// Groups lines (any order, duplicates by seq dropped) newest first by day and person, and
// collapses each person's repeated reads of a day into the newest of them, with the count.
export function groupLog(tr: Translator, lines: readonly LogLine[], showOwn: boolean): LogView {
  const unique = new Map<bigint, LogLine>();
  for (const l of lines) unique.set(l.seq, l);
  const sorted = [...unique.values()].sort((a, b) => (a.seq < b.seq ? 1 : a.seq > b.seq ? -1 : 0));
  const days: DayGroup[] = [];
  let ownHidden = 0;
  // Per day: person and repeat key -> the line the repeats collapse into.
  let repeats = new Map<string, LogLine>();
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
      repeats = new Map();
    }
    let person = day.people.find((p) => p.actorId === line.actorId);
    if (!person) {
      person = { actorId: line.actorId, actor: line.actor, lines: [] };
      day.people.push(person);
    }
    const key = repeatKey(line);
    const into = key === undefined ? undefined : repeats.get(`${line.actorId}/${key}`);
    if (into) {
      // Older than `into` (newest first): it only moves the start and adds to the counts.
      into.times++;
      into.firstTimeMs = line.timeMs;
      into.parts.count += line.parts.count;
      into.text = sentence(tr, into.parts, into.times);
      continue;
    }
    // A copy: collapsing changes it, and the caller's lines stay as they were.
    const copy: LogLine = { ...line, parts: { ...line.parts } };
    if (key !== undefined) repeats.set(`${line.actorId}/${key}`, copy);
    person.lines.push(copy);
  }
  return { days, ownHidden };
}
