// The protocol client: one WebSocket to kringd carrying binary protobuf frames (ClientFrame out,
// ServerFrame in, ServerFrameBatch unpacked in order), requests matched by request_id, events
// passed on, reconnect with backoff, live subscriptions resumed from the last seq processed, and
// the outbox resent with the same client_msg_id until acknowledged or refused. No DOM: the
// browser hands it a WebSocket factory and an IndexedDB outbox, tests fakes of both.
//
// Authentication is the session cookie on the upgrade (docs/web.md): the first request on every
// connection is WhoAmI; UNAUTHENTICATED means the person must log in again.
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import {
  ClientFrameSchema,
  CloseCode,
  Error_Code,
  ServerFrameSchema,
  type Account,
  type ClientFrame,
  type Event,
  type Message,
  type Response,
  type ServerFrame,
} from "../proto";
import { newClientMsgId, type OutboxEntry, type OutboxStore } from "./outbox";
import { realTimers, type SocketFactory, type SocketLike, type Timers } from "./socket";

type RequestUnion = NonNullable<MessageInitShape<typeof ClientFrameSchema>["request"]>;
export type RequestCase = NonNullable<RequestUnion["case"]>;
export type RequestValue<C extends RequestCase> = Extract<RequestUnion, { case: C }>["value"];
type ResultUnion = Response["result"];
export type ResultOf<C extends RequestCase> = C extends ResultUnion["case"]
  ? Extract<ResultUnion, { case: C }>["value"]
  : never;

// "offline": the request could not be sent, or the connection went before its answer.
export type ErrorCode = Error_Code | "offline";

export class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly retryAfterMs = 0,
  ) {
    super(detail || String(code));
  }
}

// Whether a refusal of a PostMessage is final. Anything else (INTERNAL, a throttle, a lost
// session, a code this app does not know) is retried with the same client_msg_id.
export function isFinalRefusal(code: ErrorCode): boolean {
  switch (code) {
    case Error_Code.PERMISSION_DENIED:
    case Error_Code.NOT_FOUND:
    case Error_Code.INVALID_ARGUMENT:
    case Error_Code.ALREADY_EXISTS:
    case Error_Code.FAILED_PRECONDITION:
    case Error_Code.UNIMPLEMENTED:
      return true;
    default:
      return false;
  }
}

export type ConnectionState =
  | "connecting"   // a socket is opening, or WhoAmI is on its way
  | "online"       // authenticated; requests and live delivery work
  | "offline"      // lost; retrying after a backoff
  | "signed-out";  // no valid session: log in (the client does not retry by itself)

export interface ProtocolClientOptions {
  url: string;
  socketFactory: SocketFactory;
  outboxStore: OutboxStore;
  timers?: Timers;
  random?: () => number;    // for the backoff's jitter
  now?: () => number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface ClientListener {
  state?(state: ConnectionState, account: Account | undefined): void;
  // Every event, after the client updated its own bookkeeping. MessagePosted is passed on once
  // per seq per thread, in order, also across reconnects.
  event?(event: Event): void;
  outbox?(entries: readonly OutboxEntry[]): void;
}

interface Pending {
  resolve(r: Response): void;
  reject(e: RequestError): void;
}

export class ProtocolClient {
  private readonly opts: Required<ProtocolClientOptions>;
  private socket: SocketLike | undefined;
  private socketOpen = false;
  private nextRequestId = 1n;
  private readonly pending = new Map<bigint, Pending>();
  private listeners = new Set<ClientListener>();
  private stateValue: ConnectionState = "signed-out";
  private accountValue: Account | undefined;
  private backoffMs: number;
  private retryTimer: unknown;
  private stopped = true;
  // network id -> thread id -> last seq processed (the cursor to resume from).
  private readonly subscriptions = new Map<bigint, Map<bigint, bigint>>();
  private outboxEntries: OutboxEntry[] = [];
  private outboxInFlight: string | undefined;
  private outboxTimer: unknown;
  private orderCounter = 0;
  private generation = 0;  // bumped per socket, so stale callbacks are ignored

  constructor(options: ProtocolClientOptions) {
    this.opts = {
      timers: realTimers,
      random: Math.random,
      now: Date.now,
      initialBackoffMs: 500,
      maxBackoffMs: 30_000,
      ...options,
    };
    this.backoffMs = this.opts.initialBackoffMs;
  }

  get state(): ConnectionState {
    return this.stateValue;
  }
  get account(): Account | undefined {
    return this.accountValue;
  }
  get outbox(): readonly OutboxEntry[] {
    return this.outboxEntries;
  }

  listen(listener: ClientListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // Opens the connection (after a login set the cookie, or at page load to find out whether
  // the cookie is still good) and keeps it open until stop().
  start(): void {
    this.stopped = false;
    this.opts.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.backoffMs = this.opts.initialBackoffMs;
    if (!this.socket) this.openSocket();
  }

  // Closes the connection and forgets the session's state (after logout).
  stop(): void {
    this.stopped = true;
    this.opts.timers.clearTimeout(this.retryTimer);
    this.opts.timers.clearTimeout(this.outboxTimer);
    this.retryTimer = undefined;
    this.closeSocket();
    this.subscriptions.clear();
    this.outboxEntries = [];
    this.outboxInFlight = undefined;
    this.accountValue = undefined;
    this.setState("signed-out");
    this.emitOutbox();
  }

  // Asks WhoAmI again and keeps the answer: after the account changed on this connection (a
  // one-time password replaced, so its sessions may do everything now).
  async refreshAccount(): Promise<Account | undefined> {
    const result = await this.call("whoAmI", {});
    const account = result.account;
    if (account && this.accountValue && account.id === this.accountValue.id) {
      this.accountValue = account;
      this.pumpOutbox();
    }
    return account;
  }

  // Sends one request and resolves with its result, or rejects with a RequestError.
  async call<C extends RequestCase>(kind: C, value: RequestValue<C>): Promise<ResultOf<C>> {
    if (this.stateValue !== "online") {
      throw new RequestError("offline", "not connected");
    }
    const response = await this.send({ case: kind, value } as RequestUnion);
    return this.resultOf(kind, response);
  }

  // Live delivery of the given threads, resuming after the cursor the client already has for a
  // thread when it is further than afterSeq. Kept across reconnects until unsubscribe or
  // AccessEnded.
  async subscribe(networkId: bigint, cursors: { threadId: bigint; afterSeq: bigint }[]) {
    let threads = this.subscriptions.get(networkId);
    if (!threads) this.subscriptions.set(networkId, (threads = new Map()));
    const sent: { threadId: bigint; afterSeq: bigint }[] = [];
    for (const c of cursors) {
      const known = threads.get(c.threadId);
      const after = known !== undefined && known > c.afterSeq ? known : c.afterSeq;
      threads.set(c.threadId, after);
      sent.push({ threadId: c.threadId, afterSeq: after });
    }
    if (this.stateValue !== "online") return undefined;  // sent on (re)connect
    const result = await this.call("subscribe", { networkId, threads: sent });
    for (const t of result.threads) {
      if (t.error) threads.delete(t.threadId);
    }
    return result;
  }

  async unsubscribe(networkId: bigint, threadIds: bigint[] = []) {
    const threads = this.subscriptions.get(networkId);
    if (threads) {
      if (threadIds.length === 0) this.subscriptions.delete(networkId);
      else for (const id of threadIds) threads.delete(id);
    }
    if (this.stateValue === "online") await this.call("unsubscribe", { networkId, threadIds });
  }

  // The last seq processed per subscribed thread (for tests and the read markers).
  cursor(networkId: bigint, threadId: bigint): bigint | undefined {
    return this.subscriptions.get(networkId)?.get(threadId);
  }

  // Queues a message: stored in the outbox first, then sent (now, or after a reconnect).
  async post(networkId: bigint, threadId: bigint, text: string, replyToSeq = 0n) {
    const account = this.accountValue;
    if (!account) throw new RequestError(Error_Code.UNAUTHENTICATED, "not logged in");
    const entry: OutboxEntry = {
      accountId: account.id.toString(),
      clientMsgId: newClientMsgId(),
      networkId: networkId.toString(),
      threadId: threadId.toString(),
      text,
      replyToSeq: replyToSeq.toString(),
      order: this.opts.now() * 1000 + (this.orderCounter++ % 1000),
      createdAtMs: this.opts.now(),
      state: "sending",
    };
    await this.opts.outboxStore.put(entry);
    this.outboxEntries = [...this.outboxEntries, entry];
    this.emitOutbox();
    this.pumpOutbox();
    return entry;
  }

  // Forgets a sent or refused entry once the page no longer needs to show it.
  async dismiss(clientMsgId: string) {
    const entry = this.outboxEntries.find((e) => e.clientMsgId === clientMsgId);
    if (!entry || entry.state === "sending") return;
    this.outboxEntries = this.outboxEntries.filter((e) => e !== entry);
    await this.opts.outboxStore.delete(entry.accountId, entry.clientMsgId);
    this.emitOutbox();
  }

  // ---- the socket ------------------------------------------------------------------------

  private openSocket() {
    const generation = ++this.generation;
    this.setState("connecting");
    let socket: SocketLike;
    try {
      socket = this.opts.socketFactory(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    socket.onopen = () => {
      if (generation !== this.generation) return;
      this.socketOpen = true;
      void this.handshake(generation);
    };
    socket.onmessage = (ev) => {
      if (generation !== this.generation) return;
      this.receive(ev.data);
    };
    socket.onerror = () => {};
    socket.onclose = (ev) => {
      if (generation !== this.generation) return;
      this.lost(ev.code);
    };
  }

  private closeSocket() {
    const socket = this.socket;
    this.generation++;
    this.socket = undefined;
    this.socketOpen = false;
    this.failPending();
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      try {
        socket.close(1000, "bye");
      } catch {
        // already closed
      }
    }
  }

  private failPending() {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(new RequestError("offline", "connection lost"));
  }

  private lost(code: number) {
    this.socket = undefined;
    this.socketOpen = false;
    this.generation++;
    this.failPending();
    this.outboxInFlight = undefined;
    if (code === CloseCode.SESSION_ENDED) {
      this.signedOut();
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect() {
    if (this.stopped) return;
    this.setState("offline");
    const jitter = 0.5 + this.opts.random() / 2;
    const delay = Math.round(this.backoffMs * jitter);
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.maxBackoffMs);
    this.retryTimer = this.opts.timers.setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped && !this.socket) this.openSocket();
    }, delay);
  }

  // Retries at once (e.g. when the browser says it is online again).
  reconnectNow() {
    if (this.stopped || this.socket) return;
    this.opts.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.openSocket();
  }

  private signedOut() {
    this.stopped = true;
    this.opts.timers.clearTimeout(this.retryTimer);
    this.closeSocket();
    this.setState("signed-out");
  }

  private async handshake(generation: number) {
    let response: Response;
    try {
      response = await this.send({ case: "whoAmI", value: {} });
    } catch {
      return;  // the socket went; lost() handles it
    }
    if (generation !== this.generation) return;
    if (response.error && response.error.code !== Error_Code.CODE_UNSPECIFIED) {
      if (response.error.code === Error_Code.UNAUTHENTICATED) this.signedOut();
      else this.socket?.close(1000, "handshake failed");
      return;
    }
    if (response.result.case !== "whoAmI") return;
    const account = response.result.value.account;
    const sameAccount = this.accountValue && account && this.accountValue.id === account.id;
    if (!sameAccount) {
      this.subscriptions.clear();
      this.accountValue = account;
      this.outboxEntries = account ? await this.opts.outboxStore.load(account.id.toString()) : [];
      if (generation !== this.generation) return;
      this.emitOutbox();
    } else {
      // The same person, but the account may have changed meanwhile (a new password, a language).
      this.accountValue = account;
    }
    this.backoffMs = this.opts.initialBackoffMs;
    this.setState("online");
    this.resubscribe();
    this.pumpOutbox();
  }

  private resubscribe() {
    for (const [networkId, threads] of this.subscriptions) {
      if (threads.size === 0) continue;
      const cursors = [...threads].map(([threadId, afterSeq]) => ({ threadId, afterSeq }));
      this.send({ case: "subscribe", value: { networkId, threads: cursors } })
        .then((r) => {
          if (r.result.case !== "subscribe") return;
          for (const t of r.result.value.threads) if (t.error) threads.delete(t.threadId);
        })
        .catch(() => {});
    }
  }

  private send(request: RequestUnion): Promise<Response> {
    const socket = this.socket;
    if (!socket || !this.socketOpen) {
      return Promise.reject(new RequestError("offline", "not connected"));
    }
    const requestId = this.nextRequestId++;
    const frame: ClientFrame = create(ClientFrameSchema, { requestId, request });
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
      try {
        socket.send(toBinary(ClientFrameSchema, frame));
      } catch {
        this.pending.delete(requestId);
        reject(new RequestError("offline", "send failed"));
      }
    });
  }

  private resultOf<C extends RequestCase>(kind: C, response: Response): ResultOf<C> {
    const err = response.error;
    if (err && err.code !== Error_Code.CODE_UNSPECIFIED) {
      throw new RequestError(err.code, err.detail, Number(err.retryAfterMs));
    }
    if (response.result.case !== kind) {
      throw new RequestError(Error_Code.INTERNAL, `unexpected answer to ${kind}`);
    }
    return response.result.value as ResultOf<C>;
  }

  private receive(data: unknown) {
    let bytes: Uint8Array;
    if (data instanceof Uint8Array) bytes = data;
    else if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
    else return;  // kringd sends binary frames only
    let frame: ServerFrame;
    try {
      frame = fromBinary(ServerFrameSchema, bytes);
    } catch {
      return;
    }
    this.handleFrame(frame);
  }

  private handleFrame(frame: ServerFrame) {
    switch (frame.frame.case) {
      case "batch":
        for (const inner of frame.frame.value.frames) this.handleFrame(inner);
        return;
      case "response": {
        const response = frame.frame.value;
        const pending = this.pending.get(response.requestId);
        if (!pending) return;
        this.pending.delete(response.requestId);
        pending.resolve(response);
        return;
      }
      case "event":
        this.handleEvent(frame.frame.value);
        return;
    }
  }

  private handleEvent(event: Event) {
    const e = event.event;
    switch (e.case) {
      case "messagePosted": {
        const m = e.value.message;
        if (!m || !this.advanceCursor(m)) return;
        break;
      }
      case "accessEnded": {
        const { networkId, threadIds } = e.value;
        if (threadIds.length === 0) this.subscriptions.delete(networkId);
        else for (const id of threadIds) this.subscriptions.get(networkId)?.delete(id);
        break;
      }
      case "sessionEnded":
        this.emitEvent(event);
        this.signedOut();
        return;
    }
    this.emitEvent(event);
  }

  // True when the message is new for this subscription (seq past the cursor); moves the cursor.
  private advanceCursor(m: Message): boolean {
    const threads = this.subscriptions.get(m.networkId);
    const last = threads?.get(m.threadId);
    if (threads === undefined || last === undefined) return true;  // not ours to dedupe
    if (m.seq <= last) return false;
    threads.set(m.threadId, m.seq);
    return true;
  }

  // ---- the outbox ------------------------------------------------------------------------

  // Sends the oldest unsent entry, one at a time: kringd handles a connection's requests
  // concurrently, so only one post in flight keeps the thread in the order written.
  private pumpOutbox() {
    if (this.stateValue !== "online" || this.outboxInFlight !== undefined) return;
    // kringd would refuse every post (FAILED_PRECONDITION, final) until the one-time password is
    // changed: the messages wait for refreshAccount() instead.
    if (this.accountValue?.mustChangePassword) return;
    const entry = this.outboxEntries.find((e) => e.state === "sending");
    if (!entry) return;
    this.outboxInFlight = entry.clientMsgId;
    const generation = this.generation;
    this.send({
      case: "postMessage",
      value: {
        networkId: BigInt(entry.networkId),
        threadId: BigInt(entry.threadId),
        clientMsgId: entry.clientMsgId,
        text: entry.text,
        replyToSeq: BigInt(entry.replyToSeq),
      },
    }).then(
      (response) => void this.posted(entry, response, generation),
      () => {
        // Lost before the answer: resent with the same client_msg_id after reconnecting.
        if (generation === this.generation) this.outboxInFlight = undefined;
      },
    );
  }

  private async posted(entry: OutboxEntry, response: Response, generation: number) {
    const err = response.error;
    let updated: OutboxEntry | undefined;
    let retryMs = 0;
    if (err && err.code !== Error_Code.CODE_UNSPECIFIED) {
      if (isFinalRefusal(err.code)) {
        updated = { ...entry, state: "refused", errorCode: err.code, errorDetail: err.detail };
      } else {
        retryMs = Math.max(Number(err.retryAfterMs), this.opts.initialBackoffMs);
      }
    } else if (response.result.case === "postMessage") {
      updated = { ...entry, state: "sent", seq: response.result.value.seq.toString() };
    }
    if (updated) {
      // Sent entries leave the store (kringd has them); refused ones stay until dismissed.
      if (updated.state === "sent") await this.opts.outboxStore.delete(entry.accountId, entry.clientMsgId);
      else await this.opts.outboxStore.put(updated);
      this.outboxEntries = this.outboxEntries.map((e) =>
        e.clientMsgId === entry.clientMsgId ? updated! : e,
      );
      this.emitOutbox();
    }
    if (this.outboxInFlight === entry.clientMsgId) this.outboxInFlight = undefined;
    if (generation !== this.generation) return;
    if (retryMs > 0) {
      this.outboxInFlight = entry.clientMsgId;  // hold the queue: order matters
      this.outboxTimer = this.opts.timers.setTimeout(() => {
        if (this.outboxInFlight === entry.clientMsgId) this.outboxInFlight = undefined;
        this.pumpOutbox();
      }, retryMs);
      return;
    }
    this.pumpOutbox();
  }

  // ---- listeners -------------------------------------------------------------------------

  private setState(state: ConnectionState) {
    if (this.stateValue === state) return;
    this.stateValue = state;
    for (const l of this.listeners) l.state?.(state, this.accountValue);
  }
  private emitEvent(event: Event) {
    for (const l of this.listeners) l.event?.(event);
  }
  private emitOutbox() {
    for (const l of this.listeners) l.outbox?.(this.outboxEntries);
  }
}
