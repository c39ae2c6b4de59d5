// The thread view: history paged backwards, live messages, read markers written as one reads,
// the "messages 1–N are not visible to you" notice, and the composer with each message's state
// (sending / sent / refused with the reason), drafts kept per thread.
import { useEffect, useRef, useState } from "preact/hooks";
import { ErrorLine, Heading, Link, UserText, errorText } from "./common";
import { AccessEndedNotice } from "./networks";
import {
  account,
  client,
  connState,
  endedNetworks,
  endedThreads,
  markers,
  messagesOf,
  networks,
  openThread,
  outbox,
  setMarker,
  tr,
  unread,
  unreadVersion,
} from "./store";
import { MemberRole, type Message } from "../proto";
import { SensitiveControl } from "./sensitive";
import type { OutboxEntry } from "../client/outbox";

const PAGE = 50n;

function draftKey(threadId: bigint) {
  return `kring.draft.${account.value?.id ?? 0n}.${threadId}`;
}
function loadDraft(threadId: bigint): string {
  try {
    return localStorage.getItem(draftKey(threadId)) ?? "";
  } catch {
    return "";
  }
}
function saveDraft(threadId: bigint, text: string) {
  try {
    if (text) localStorage.setItem(draftKey(threadId), text);
    else localStorage.removeItem(draftKey(threadId));
  } catch {
    // storage disabled
  }
}

function merge(existing: Message[], more: Message[]): Message[] {
  const bySeq = new Map(existing.map((m) => [m.seq, m]));
  for (const m of more) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => (a.seq < b.seq ? -1 : 1));
}

export function ThreadScreen(props: { networkId: bigint; threadId: bigint }) {
  const { networkId, threadId } = props;
  const t = tr.value;
  void unreadVersion.value;
  const info = networks.value.find((n) => n.network.id === networkId);
  const thread = info?.threads.find((th) => th.id === threadId);
  const messages = messagesOf(threadId).value;
  const [hidden, setHidden] = useState(0n);
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(false);
  const ended = endedNetworks.value.has(networkId) || endedThreads.value.has(threadId);

  // Open: the latest page, live delivery after it, and the read markers.
  const online = connState.value === "online";
  useEffect(() => {
    openThread.value = { networkId, threadId };
    if (!online) return;  // (re)loaded once the connection is (back) up
    if (ended) return;  // loaded again once it is readable again (unmarked, a new consent)
    let cancelled = false;
    (async () => {
      try {
        const last = thread?.lastSeq ?? 0n;
        const after = last > PAGE ? last - PAGE : 0n;
        const page = await client.call("fetchHistory", { networkId, threadId, afterSeq: after, limit: Number(PAGE) });
        if (cancelled) return;
        setHidden(page.hiddenThroughSeq);
        const list = messagesOf(threadId);
        list.value = merge(list.value, page.messages);
        const latest = page.messages[page.messages.length - 1];
        if (latest) {
          unread.seen(threadId, Number(latest.postedAtMs));
          unreadVersion.value++;
        }
        const newest = list.value.length ? list.value[list.value.length - 1]!.seq : page.lastSeq;
        // Start at the newest message, as chats do; earlier ones load when scrolling up.
        requestAnimationFrame(() => document.querySelector(".messages > li:last-child")?.scrollIntoView({ block: "end" }));
        await client.subscribe(networkId, [{ threadId, afterSeq: newest }]);
        const r = await client.call("listReadMarkers", { networkId, threadId });
        for (const m of r.markers) setMarker(threadId, m.accountId, m.handle, m.seq);
      } catch (e) {
        if (!cancelled) setError(errorText(e));
      }
    })();
    return () => {
      cancelled = true;
      if (openThread.value?.threadId === threadId) openThread.value = undefined;
    };
  }, [networkId, threadId, thread !== undefined, online, ended]);

  // Read markers move as one reads: the newest message shown, while the page is visible.
  useEffect(() => {
    const newest = messages[messages.length - 1]?.seq;
    if (ended || newest === undefined || newest <= unread.readSeq(threadId)) return;
    if (typeof document !== "undefined" && document.visibilityState === "hidden") return;
    unread.markRead(threadId, newest);
    unreadVersion.value++;
    client.call("markRead", { networkId, threadId, seq: newest }).catch(() => {});
  }, [messages.length, ended]);

  async function loadEarlier() {
    const first = messages[0]?.seq;
    if (first === undefined) return;
    const floor = hidden;
    const after = first - 1n > PAGE + floor ? first - 1n - PAGE : floor;
    setLoading(true);
    try {
      const page = await client.call("fetchHistory", {
        networkId,
        threadId,
        afterSeq: after,
        limit: Number(first - 1n - after),
      });
      const list = messagesOf(threadId);
      list.value = merge(list.value, page.messages);
      setHidden(page.hiddenThroughSeq);
    } catch (e) {
      setError(errorText(e));
    }
    setLoading(false);
  }

  const title = thread?.title ?? "";
  const first = messages[0]?.seq;
  const moreEarlier = first !== undefined && first > hidden + 1n;

  // Scrolling up to the top loads the page before it (the button does the same by keyboard).
  const earlierRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const el = earlierRef.current;
    if (!el || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((seen) => {
      if (seen.some((e) => e.isIntersecting) && !loading) void loadEarlier();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [first, moreEarlier, loading]);
  const mine = account.value?.id;
  const shownSeqs = new Set(messages.map((m) => m.seq.toString()));
  const pending = outbox.value.filter(
    (e) => e.threadId === threadId.toString() && !(e.state === "sent" && e.seq && shownSeqs.has(e.seq)),
  );
  const readers = [...(markers.value.get(threadId) ?? new Map()).entries()]
    .filter(([id, m]) => id !== mine && messages.length > 0 && m.seq >= messages[messages.length - 1]!.seq)
    .map(([, m]) => m.handle);

  return (
    <section class="thread">
      <p>
        <Link href={`/n/${networkId}`} class="back">
          {t.t("nav.back")}
        </Link>
      </p>
      <Heading>
        <UserText text={title} />
      </Heading>
      {thread && info && (info.network.myRole === MemberRole.CLIENT || info.network.myRole === MemberRole.REPRESENTATIVE) && (
        <SensitiveControl networkId={networkId} thread={thread} />
      )}
      {!ended && thread?.sensitive && !(info?.network.myRole === MemberRole.CLIENT || info?.network.myRole === MemberRole.REPRESENTATIVE) && (
        <p class="row-sub sensitive">{t.t("sensitive.listed")}</p>
      )}
      {ended ? (
        <AccessEndedNotice thread={!endedNetworks.value.has(networkId)} />
      ) : (
        <>
          {moreEarlier && (
            <button type="button" ref={earlierRef} onClick={() => void loadEarlier()} disabled={loading}>
              {t.t("thread.loadEarlier")}
            </button>
          )}
          {!moreEarlier && hidden > 0n && (
            <p class="notice" data-testid="hidden-notice">
              {t.t("thread.hidden", { count: Number(hidden) })}
            </p>
          )}
          {messages.length === 0 && pending.length === 0 && <p>{t.t("thread.empty")}</p>}
          <ol class="messages" aria-label={title}>
            {messages.map((m) => (
              <li key={String(m.seq)} class={m.senderId === mine ? "message own" : "message"} data-seq={String(m.seq)}>
                <span class="meta">
                  <bdi class="sender">{m.senderHandle}</bdi>{" "}
                  <time dateTime={new Date(Number(m.postedAtMs)).toISOString()}>{t.time(Number(m.postedAtMs))}</time>
                </span>
                <p class="text" dir="auto">
                  {m.text}
                </p>
              </li>
            ))}
            {pending.map((e) => (
              <PendingMessage entry={e} key={e.clientMsgId} />
            ))}
          </ol>
          {readers.length > 0 && (
            <p class="read-by">{t.t("thread.readUpTo", { names: t.list(readers.map((h) => `\u2068${h}\u2069`)) })}</p>
          )}
          <ErrorLine error={error} />
          <Composer networkId={networkId} threadId={threadId} />
        </>
      )}
    </section>
  );
}

function PendingMessage(props: { entry: OutboxEntry }) {
  const t = tr.value;
  const e = props.entry;
  let state: string;
  if (e.state === "sending") state = t.t("msg.sending");
  else if (e.state === "sent") state = t.t("msg.sent");
  else state = t.t("msg.refused", { reason: t.errorText(e.errorCode ?? 0) });
  return (
    <li class={`message own pending ${e.state}`} data-state={e.state}>
      <p class="text" dir="auto">
        {e.text}
      </p>
      <span class="state">{state}</span>
      {e.state === "refused" && (
        <button type="button" onClick={() => void client.dismiss(e.clientMsgId)}>
          {t.t("msg.dismiss")}
        </button>
      )}
    </li>
  );
}

function Composer(props: { networkId: bigint; threadId: bigint }) {
  const t = tr.value;
  const [text, setText] = useState(() => loadDraft(props.threadId));
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => setText(loadDraft(props.threadId)), [props.threadId]);

  async function send(e: Event) {
    e.preventDefault();
    const body = text.trim();
    if (!body) return;
    setText("");
    saveDraft(props.threadId, "");
    await client.post(props.networkId, props.threadId, body);
    ref.current?.focus();
  }

  return (
    <form class="composer" onSubmit={send}>
      <label class="field">
        <span>{t.t("composer.label")}</span>
        <textarea
          ref={ref}
          name="message"
          dir="auto"
          rows={3}
          value={text}
          onInput={(e) => {
            const v = (e.target as HTMLTextAreaElement).value;
            setText(v);
            saveDraft(props.threadId, v);
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void send(e);
          }}
        />
      </label>
      <button type="submit" class="primary">
        {t.t("composer.send")}
      </button>
    </form>
  );
}
