// What a consent allows, in one sentence in the reader's language: for the member ("Selam allows
// you to read and write in Werk, with earlier messages, until 31 Dec.") and for the client about
// a member ("Ruud may read in Werk, without earlier messages."). Pure: no DOM, no protocol.
import { ConsentAction, ConsentStatus, type Consent, type ConsentProvision } from "../proto";
import { isolate, type Translator } from "../i18n/i18n";

export interface Scope {
  post: boolean;
  allThreads: boolean;
  threadIds: bigint[];
  historyVisible: boolean;
  endMs: number;  // 0: until withdrawn
}

// The scope a consent gives right now, or undefined when it gives nothing (none, withdrawn,
// not yet started, or past its end).
export function activeScope(consent: Consent | undefined, nowMs: number): Scope | undefined {
  const p = consent?.provision;
  if (!consent || !p || consent.status !== ConsentStatus.ACTIVE) return undefined;
  const start = Number(p.startMs);
  const end = Number(p.endMs);
  if (start > nowMs || (end !== 0 && end <= nowMs)) return undefined;
  return scopeOf(p);
}

export function scopeOf(p: Pick<ConsentProvision, "allThreads" | "threadIds" | "actions" | "historyVisible" | "endMs">): Scope {
  return {
    post: p.actions.includes(ConsentAction.POST),
    allThreads: p.allThreads,
    threadIds: [...p.threadIds],
    historyVisible: p.historyVisible,
    endMs: Number(p.endMs),
  };
}

// "all threads", or the thread titles (isolated) as a list; an unknown title is "a thread".
// With both ("all threads, and Gezondheid"): every thread that is not sensitive, and the
// sensitive ones named (docs/consent.md, "Sensitive threads").
export function scopeText(tr: Translator, scope: Scope, titles: ReadonlyMap<bigint, string>): string {
  const names = scope.threadIds.map((id) => {
    const title = titles.get(id);
    return title === undefined ? tr.t("log.aThread") : isolate(title);
  });
  if (scope.allThreads) {
    return names.length ? tr.t("consent.allThreadsAnd", { threads: tr.list(names) }) : tr.t("consent.allThreads");
  }
  return tr.list(names);
}

function values(tr: Translator, scope: Scope, titles: ReadonlyMap<bigint, string>, nowMs: number) {
  return {
    post: scope.post ? "yes" : "no",
    scope: scopeText(tr, scope, titles),
    history: scope.historyVisible ? "yes" : "no",
    hasEnd: scope.endMs ? "yes" : "no",
    // end_ms is exclusive: access until midnight of 1 Jan reads "until 31 Dec".
    end: scope.endMs ? tr.shortDate(scope.endMs - 1, nowMs) : "",
  };
}

// For the member: what the client allows them here.
export function sentenceForMember(
  tr: Translator,
  clientName: string,
  scope: Scope | undefined,
  titles: ReadonlyMap<bigint, string>,
  nowMs: number,
): string {
  if (!scope) return tr.t("access.none");
  return tr.t("consent.you", { client: isolate(clientName), ...values(tr, scope, titles, nowMs) });
}

// For the client (or their representative): what this person may see.
export function sentenceForClient(
  tr: Translator,
  name: string,
  scope: Scope | undefined,
  titles: ReadonlyMap<bigint, string>,
  nowMs: number,
): string {
  if (!scope) return tr.t("consent.theyNothing", { name: isolate(name) });
  return tr.t("consent.they", { name: isolate(name), ...values(tr, scope, titles, nowMs) });
}

// The one sentence shown before confirming a change of someone's consent.
export function changeSentence(
  tr: Translator,
  name: string,
  next: Scope | undefined,
  titles: ReadonlyMap<bigint, string>,
  nowMs: number,
): string {
  if (!next) return tr.t("confirm.withdraw", { name: isolate(name) });
  return tr.t("confirm.change", { sentence: sentenceForClient(tr, name, next, titles, nowMs) });
}

// The safe choice, preselected when the client approves an invitation: the general thread
// only, read only, no earlier messages, for three months.
export function safeDefaultScope(generalThreadId: bigint, nowMs: number): Scope {
  return {
    post: false,
    allThreads: false,
    threadIds: [generalThreadId],
    historyVisible: false,
    endMs: endAfterMonths(nowMs, 3),
  };
}

// Midnight UTC after `months` months (the date shown is the day before, in any European zone).
export function endAfterMonths(nowMs: number, months: number): number {
  const d = new Date(nowMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate() + 1);
}

// The provision a request carries for a scope.
export function provisionOf(scope: Scope) {
  return {
    allThreads: scope.allThreads,
    // With all threads: the sensitive ones named besides.
    threadIds: scope.threadIds,
    actions: scope.post ? [ConsentAction.READ, ConsentAction.POST] : [ConsentAction.READ],
    historyVisible: scope.historyVisible,
    startMs: 0n,
    endMs: BigInt(scope.endMs),
  };
}
