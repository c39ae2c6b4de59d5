// Unread counts per thread and network, from the threads' last seq, the person's read markers,
// the messages hidden by their consent, and live messages. Pure bookkeeping; the views read it.

// Messages after the read marker that the person may see.
export function unreadCount(lastSeq: bigint, readSeq: bigint, hiddenThroughSeq = 0n): number {
  const from = readSeq > hiddenThroughSeq ? readSeq : hiddenThroughSeq;
  return lastSeq > from ? Number(lastSeq - from) : 0;
}

interface ThreadState {
  networkId: bigint;
  lastSeq: bigint;
  readSeq: bigint;
  hiddenThroughSeq: bigint;
  lastActivityMs: number;
}

export class UnreadTracker {
  private readonly threads = new Map<bigint, ThreadState>();
  version = 0;  // bumped on every change, for views that re-render on it

  constructor(readonly myAccountId: bigint) {}

  // From ListThreads (and the read markers when known).
  setThread(networkId: bigint, threadId: bigint, lastSeq: bigint, lastActivityMs = 0) {
    const t = this.threads.get(threadId);
    if (t) {
      if (lastSeq > t.lastSeq) t.lastSeq = lastSeq;
      t.lastActivityMs = Math.max(t.lastActivityMs, lastActivityMs);
    } else {
      this.threads.set(threadId, { networkId, lastSeq, readSeq: 0n, hiddenThroughSeq: 0n, lastActivityMs });
    }
    this.version++;
  }

  setHidden(threadId: bigint, hiddenThroughSeq: bigint) {
    const t = this.threads.get(threadId);
    if (t) {
      t.hiddenThroughSeq = hiddenThroughSeq;
      this.version++;
    }
  }

  // The person's own marker moved (MarkRead answered, or ReadMarkerUpdated for them). Markers
  // only move forward, as on the server.
  markRead(threadId: bigint, seq: bigint) {
    const t = this.threads.get(threadId);
    if (t && seq > t.readSeq) {
      t.readSeq = seq;
      this.version++;
    }
  }

  // A live message. One's own message counts as read when everything before it was.
  message(networkId: bigint, threadId: bigint, seq: bigint, senderId: bigint, postedAtMs: number) {
    let t = this.threads.get(threadId);
    if (!t) {
      t = { networkId, lastSeq: 0n, readSeq: 0n, hiddenThroughSeq: 0n, lastActivityMs: 0 };
      this.threads.set(threadId, t);
    }
    if (seq > t.lastSeq) t.lastSeq = seq;
    t.lastActivityMs = Math.max(t.lastActivityMs, postedAtMs);
    if (senderId === this.myAccountId && t.readSeq >= seq - 1n) t.readSeq = seq;
    this.version++;
  }

  // A message of the thread seen in a history page: its time is activity too (ListThreads gives
  // the newest seq but not its time).
  seen(threadId: bigint, postedAtMs: number) {
    const t = this.threads.get(threadId);
    if (t && postedAtMs > t.lastActivityMs) {
      t.lastActivityMs = postedAtMs;
      this.version++;
    }
  }

  // Access to the thread (or the whole network, with no thread ids) ended.
  forget(networkId: bigint, threadIds: readonly bigint[] = []) {
    for (const [id, t] of this.threads) {
      if (t.networkId === networkId && (threadIds.length === 0 || threadIds.includes(id))) {
        this.threads.delete(id);
      }
    }
    this.version++;
  }

  thread(threadId: bigint): number {
    const t = this.threads.get(threadId);
    return t ? unreadCount(t.lastSeq, t.readSeq, t.hiddenThroughSeq) : 0;
  }

  readSeq(threadId: bigint): bigint {
    return this.threads.get(threadId)?.readSeq ?? 0n;
  }

  network(networkId: bigint): number {
    let n = 0;
    for (const t of this.threads.values()) {
      if (t.networkId === networkId) n += unreadCount(t.lastSeq, t.readSeq, t.hiddenThroughSeq);
    }
    return n;
  }

  lastActivity(networkId: bigint): number {
    let ms = 0;
    for (const t of this.threads.values()) if (t.networkId === networkId) ms = Math.max(ms, t.lastActivityMs);
    return ms;
  }
}
