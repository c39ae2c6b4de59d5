// The page's state, as signals the views read: the connection, the person, their language, the
// networks with threads and unread counts, live messages per thread, and what access ended.
// The protocol client does the talking; this module turns its answers and events into state.
import { batch, computed, signal, type Signal } from "@preact/signals";
import { ProtocolClient, RequestError, type ConnectionState, type ErrorCode } from "../client/protocol";
import { IdbOutboxStore, MemoryOutboxStore, type OutboxEntry, type OutboxStore } from "../client/outbox";
import { browserSocketFactory, socketUrlFor } from "../client/socket";
import * as session from "../client/session";
import {
  DEFAULT_TIME_ZONE,
  Translator,
  isLanguage,
  negotiateLanguage,
  type Language,
} from "../i18n/i18n";
import { UnreadTracker } from "../state/unread";
import { EndedAccess } from "../state/ended";
import { exclusionsFromMembers } from "../state/team";
import {
  AccountKind,
  MemberRole,
  NetworkState,
  RepresentationChange,
  type Account,
  type Event,
  type Invitation,
  type Member,
  type Message,
  type Network,
  type RepresentationChanged,
  type Thread,
} from "../proto";
import { navigate } from "./router";

const LANGUAGE_KEY = "kring.language";

function storedLanguage(): Language {
  try {
    const saved = localStorage.getItem(LANGUAGE_KEY);
    if (isLanguage(saved)) return saved;
  } catch {
    // storage disabled
  }
  return negotiateLanguage(navigator.languages ?? [navigator.language]);
}

export const language = signal<Language>(storedLanguage());
export const timeZone = signal<string>(DEFAULT_TIME_ZONE);
export const tr = computed(() => new Translator(language.value, timeZone.value));
export const connState = signal<ConnectionState>("connecting");
export const booting = signal(true);  // until the first WhoAmI answered (or failed)
export const account = signal<Account | undefined>(undefined);
export const outbox = signal<readonly OutboxEntry[]>([]);
// Read politely by screen readers, one per message. `n` changes every time, so that the same
// words twice ("New message from Ruud") are announced twice.
export const announcement = signal({ text: "", n: 0 });

export interface NetworkInfo {
  network: Network;
  clientName: string;
  threads: Thread[];
  members: Member[];
  me: Member | undefined;
}
export const networks = signal<NetworkInfo[]>([]);
export const networksLoaded = signal(false);
export const invitations = signal<Invitation[]>([]);
// Networks opened by a member for a client that wait for the client's answer: the client's and
// representatives' requests to answer, and the opener's own, waiting.
export const pendingNetworks = signal<Network[]>([]);
// Network id -> the people of a team the client excluded there (TeamPerson.excluded).
export const exclusions = signal<ReadonlyMap<bigint, ReadonlySet<bigint>>>(new Map());
// Notices to read once (an appointment of a representative asked for, confirmed, ended).
// Kept as events and said in words when shown, so they follow a change of language.
export const notices = signal<{ id: number; event: RepresentationChanged }[]>([]);
let noticeCounter = 0;
export function dismissNotice(id: number) {
  notices.value = notices.value.filter((n) => n.id !== id);
}
// What access ended, and what is readable again (state/ended.ts); the signals mirror it.
let ended = new EndedAccess();
export const endedNetworks = signal<ReadonlySet<bigint>>(new Set());
export const endedThreads = signal<ReadonlySet<bigint>>(new Set());
function syncEnded() {
  endedNetworks.value = ended.networkIds();
  endedThreads.value = ended.threadIds();
}
export const unreadVersion = signal(0);
export let unread = new UnreadTracker(0n);

const threadMessages = new Map<bigint, Signal<Message[]>>();
export function messagesOf(threadId: bigint): Signal<Message[]> {
  let s = threadMessages.get(threadId);
  if (!s) threadMessages.set(threadId, (s = signal<Message[]>([])));
  return s;
}
// Other people's read markers per thread (account id -> seq), for "read by".
export const markers = signal<ReadonlyMap<bigint, ReadonlyMap<bigint, { handle: string; seq: bigint }>>>(new Map());
export function setMarker(threadId: bigint, accountId: bigint, handle: string, seq: bigint) {
  const next = new Map(markers.value);
  const forThread = new Map(next.get(threadId) ?? []);
  const old = forThread.get(accountId);
  if (old && old.seq >= seq) return;
  forThread.set(accountId, { handle, seq });
  next.set(threadId, forThread);
  markers.value = next;
}

// The thread the person is looking at, so that its new messages are announced and marked read.
export const openThread = signal<{ networkId: bigint; threadId: bigint } | undefined>(undefined);

function makeStore(): OutboxStore {
  try {
    if (typeof indexedDB !== "undefined") return new IdbOutboxStore();
  } catch {
    // private mode without IndexedDB
  }
  return new MemoryOutboxStore();
}

export const client = new ProtocolClient({
  url: socketUrlFor(location),
  socketFactory: browserSocketFactory,
  outboxStore: makeStore(),
});

export const isClientSide = computed(() => account.value?.kind === AccountKind.CLIENT);
// The password is one-time (the bootstrap admin's): kringd refuses everything but WhoAmI,
// ChangePassword and Logout until it is changed, so the app shows only the change-password screen.
export const mustChangePassword = computed(() => account.value?.mustChangePassword === true);
// The clients this person represents (a mentor for Mrs. de Vries), by handle and name.
export const represented = computed(() =>
  networks.value
    .filter((n) => n.network.myRole === MemberRole.REPRESENTATIVE)
    .map((n) => ({ handle: n.network.clientHandle, name: n.clientName }))
    .filter((c, i, all) => all.findIndex((x) => x.handle === c.handle) === i),
);

client.listen({
  state(state, acc) {
    batch(() => {
      connState.value = state;
      if (state === "online") {
        if (account.value?.id !== acc?.id) resetPerAccount(acc);
        account.value = acc;
        adoptProfile(acc);
        booting.value = false;
        if (!acc?.mustChangePassword) void refreshAll();
      } else if (state === "signed-out") {
        booting.value = false;
        account.value = undefined;
      }
    });
  },
  event: (e) => onEvent(e),
  outbox(entries) {
    outbox.value = entries;
  },
});

function resetPerAccount(acc: Account | undefined) {
  unread = new UnreadTracker(acc?.id ?? 0n);
  threadMessages.clear();
  networks.value = [];
  networksLoaded.value = false;
  invitations.value = [];
  pendingNetworks.value = [];
  exclusions.value = new Map();
  notices.value = [];
  ended = new EndedAccess();
  syncEnded();
}

addEventListener("online", () => client.reconnectNow());

// The language is kept on the account, so it follows the person to another device. A choice
// made on this device (on the login screen, or while offline) is "pending" until the account has
// it; without one, the account's language wins at login (new accounts start in Dutch).
const PENDING_KEY = "kring.language.pending";

function storeLocally(key: string, value: string | undefined) {
  try {
    if (value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // storage disabled: the choice lasts for this page
  }
}
function pendingChoice(): boolean {
  try {
    return localStorage.getItem(PENDING_KEY) === "1";
  } catch {
    return false;
  }
}

export function setLanguage(lang: Language) {
  language.value = lang;
  storeLocally(LANGUAGE_KEY, lang);
  storeLocally(PENDING_KEY, "1");
  if (connState.value === "online") void pushLanguage(lang);
}

async function pushLanguage(lang: Language) {
  try {
    const r = await client.call("updateProfile", { language: lang, timeZone: "" });
    if (language.value === lang) storeLocally(PENDING_KEY, undefined);
    if (r.account) account.value = r.account;
  } catch {
    // offline, or an older server (UNIMPLEMENTED): stays pending, tried again at the next login
  }
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

// At login (and reconnect): the account's time zone, and its language unless this device has a
// choice the account does not have yet.
function adoptProfile(acc: Account | undefined) {
  if (!acc) return;
  timeZone.value = acc.timeZone && validTimeZone(acc.timeZone) ? acc.timeZone : DEFAULT_TIME_ZONE;
  if (pendingChoice()) {
    if (acc.language !== language.value) void pushLanguage(language.value);
    else storeLocally(PENDING_KEY, undefined);
  } else if (isLanguage(acc.language) && acc.language !== language.value) {
    language.value = acc.language;
    storeLocally(LANGUAGE_KEY, acc.language);
  }
}

export function applyDocumentLanguage(t: Translator) {
  document.documentElement.lang = t.language;
  document.documentElement.dir = t.dir;
}

export async function doLogin(handle: string, password: string) {
  const outcome = await session.login(handle, password);
  if (outcome.ok) client.start();
  return outcome;
}

export async function doLogout() {
  await session.logout();
  client.stop();
  resetPerAccount(undefined);
  navigate("/");
}

export type ChangeOutcome = { ok: true } | { ok: false; code: ErrorCode; retryAfterMs: number };

// Changes the password on this session. A one-time password's session carries on (kringd ends
// only the account's other sessions), now of full use: WhoAmI says so, and the app loads.
export async function doChangePassword(current: string, next: string): Promise<ChangeOutcome> {
  try {
    await client.call("changePassword", { oldPassword: current, newPassword: next });
  } catch (e) {
    if (e instanceof RequestError) return { ok: false, code: e.code, retryAfterMs: e.retryAfterMs };
    throw e;
  }
  const wasOneTime = mustChangePassword.value;
  try {
    const acc = await client.refreshAccount();
    if (acc) account.value = acc;
    adoptProfile(acc);  // a language chosen while kringd refused to keep it goes to the account now
  } catch {
    // Lost meanwhile: the reconnect's WhoAmI brings the account as it is now.
  }
  if (wasOneTime && !mustChangePassword.value) void refreshAll();
  return { ok: true };
}

export function start() {
  client.start();
}

// ---- loading ---------------------------------------------------------------------------------

export async function refreshAll() {
  await Promise.all([refreshNetworks(), refreshInvitations()]);
}

export async function refreshInvitations() {
  try {
    invitations.value = (await client.call("listInvitations", {})).invitations;
  } catch {
    // shown as offline by the banner
  }
}

async function loadNetwork(network: Network): Promise<NetworkInfo> {
  // Only a list asked after an AccessEnded may say that what ended is readable again.
  const askedAt = ended.now;
  const [threads, members] = await Promise.all([
    client.call("listThreads", { networkId: network.id }).then((r) => r.threads),
    client.call("listMembers", { networkId: network.id }).then((r) => r.members, () => [] as Member[]),
  ]);
  const me = members.find((m) => m.accountId === account.value?.id);
  const clientMember = members.find((m) => m.role === MemberRole.CLIENT);
  const clientName = clientMember?.displayName || network.clientHandle;
  for (const t of threads) unread.setThread(network.id, t.id, t.lastSeq, Number(t.lastPostedAtMs || t.createdAtMs));
  await Promise.all(
    threads.map(async (t) => {
      try {
        const r = await client.call("listReadMarkers", { networkId: network.id, threadId: t.id });
        const mine = r.markers.find((m) => m.accountId === account.value?.id);
        if (mine) unread.markRead(t.id, mine.seq);
      } catch {
        // unread falls back to everything
      }
    }),
  );
  const hidden = me?.consent?.hiddenThroughSeq ?? {};
  for (const [threadId, seq] of Object.entries(hidden)) unread.setHidden(BigInt(threadId), BigInt(seq));
  unreadVersion.value++;
  // Listed again after access ended (unmarked sensitive, a new consent): readable again.
  if (ended.listed(network.id, threads.map((t) => t.id), askedAt)) syncEnded();
  const principal = network.myRole === MemberRole.CLIENT || network.myRole === MemberRole.REPRESENTATIVE;
  // kringd marks whom she excluded in the list it gives the client and representatives.
  if (principal) setExclusions(network.id, exclusionsFromMembers(members));
  return { network, clientName, threads, members, me };
}

function setExclusions(networkId: bigint, excluded: Set<bigint>) {
  const next = new Map(exclusions.value);
  next.set(networkId, excluded);
  exclusions.value = next;
}

// After this page excluded or let back someone: at once, without reading the list again.
export function setExcludedHere(networkId: bigint, accountId: bigint, excluded: boolean) {
  const next = new Map(exclusions.value);
  const people = new Set(next.get(networkId) ?? []);
  if (excluded) people.add(accountId);
  else people.delete(accountId);
  next.set(networkId, people);
  exclusions.value = next;
}

export async function refreshNetworks() {
  try {
    const list = (await client.call("listNetworks", {})).networks;
    // Nothing can be listed in a pending network (not even by the client) before it is answered.
    const pending = list.filter((n) => n.state === NetworkState.PENDING);
    const inUse = list.filter((n) => n.state !== NetworkState.PENDING && n.state !== NetworkState.DECLINED);
    const infos = await Promise.all(inUse.map((n) => loadNetwork(n).catch(() => undefined)));
    batch(() => {
      pendingNetworks.value = pending;
      networks.value = infos.filter((i): i is NetworkInfo => i !== undefined);
      networksLoaded.value = true;
    });
  } catch (e) {
    if (!(e instanceof RequestError)) throw e;
  }
}

export async function refreshNetwork(networkId: bigint) {
  const current = networks.value.find((n) => n.network.id === networkId);
  if (!current) return refreshNetworks();
  try {
    const info = await loadNetwork(current.network);
    networks.value = networks.value.map((n) => (n.network.id === networkId ? info : n));
  } catch {
    // access may have ended: the AccessEnded event says so
  }
}

// ---- events ----------------------------------------------------------------------------------

function onEvent(event: Event) {
  const e = event.event;
  switch (e.case) {
    case "messagePosted": {
      const m = e.value.message;
      if (!m || endedThreads.value.has(m.threadId) || endedNetworks.value.has(m.networkId)) return;
      const list = messagesOf(m.threadId);
      if (!list.value.some((x) => x.seq === m.seq)) {
        list.value = [...list.value, m].sort((a, b) => (a.seq < b.seq ? -1 : 1));
      }
      unread.message(m.networkId, m.threadId, m.seq, m.senderId, Number(m.postedAtMs));
      const open = openThread.value;
      if (open && open.threadId === m.threadId && m.senderId !== account.value?.id) {
        announcement.value = {
          text: tr.value.t("thread.newMessage", { sender: `\u2068${m.senderHandle}\u2069` }),
          n: announcement.value.n + 1,
        };
      }
      unreadVersion.value++;
      return;
    }
    case "accessEnded": {
      const { networkId, threadIds } = e.value;
      batch(() => {
        if (threadIds.length === 0) {
          ended.endNetwork(networkId);
          for (const info of networks.value) {
            if (info.network.id === networkId) for (const t of info.threads) messagesOf(t.id).value = [];
          }
        } else {
          ended.endThreads(threadIds);
          for (const id of threadIds) messagesOf(id).value = [];
        }
        syncEnded();
        unread.forget(networkId, threadIds);
        unreadVersion.value++;
      });
      return;
    }
    case "readMarkerUpdated": {
      const marker = e.value.marker;
      if (marker) setMarker(marker.threadId, marker.accountId, marker.handle, marker.seq);
      if (marker && marker.accountId === account.value?.id) {
        unread.markRead(marker.threadId, marker.seq);
        unreadVersion.value++;
      }
      return;
    }
    case "threadCreated":
    case "threadChanged":
    case "membershipChanged":
    case "consentChanged": {
      const networkId =
        e.case === "threadCreated" || e.case === "threadChanged" ? e.value.thread?.networkId : e.case === "membershipChanged" ? e.value.networkId : e.value.consent?.networkId;
      if (networkId !== undefined) void refreshNetwork(networkId);
      if (e.case === "membershipChanged") void refreshInvitations();
      return;
    }
    case "invitationReceived":
      void refreshInvitations();
      return;
    // A network opened for the client, or answered (accepted: in use at once; declined: gone).
    case "networkRequested":
    case "networkAnswered":
      void refreshNetworks();
      return;
    case "teamChanged": {
      const { team } = e.value;
      for (const info of networks.value) {
        if (!team || !info.members.some((m) => m.team?.id === team.id)) continue;
        // Also when someone was excluded or let back in there (by another device, or a
        // representative): the member list says so.
        void refreshNetwork(info.network.id);
      }
      return;
    }
    case "representationChanged": {
      notices.value = [...notices.value, { id: ++noticeCounter, event: e.value }];
      // A representative in force acts in the client's networks; one who ended no longer does.
      if (e.value.change === RepresentationChange.CONFIRMED || e.value.change === RepresentationChange.ENDED) {
        void refreshNetworks();
      }
      return;
    }
  }
}
