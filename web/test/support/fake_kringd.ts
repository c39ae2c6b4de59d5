/// <reference types="node" />
// A fake kringd for the protocol client's unit tests: sockets that connect in-process to a
// server decoding ClientFrames with the generated code and answering through handlers. Posts are
// stored idempotently by client_msg_id, as kringd does. Nothing here sleeps: tests advance
// FakeTimers and drain the event loop with settle().
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import {
  ClientFrameSchema,
  ServerFrameSchema,
  type ClientFrame,
  type Message,
} from "../../src/proto";
import type { SocketLike, Timers } from "../../src/client/socket";

export type ServerFrameInit = MessageInitShape<typeof ServerFrameSchema>;

export class FakeTimers implements Timers {
  private queue: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now = 0;
  readonly delays: number[] = [];

  setTimeout(fn: () => void, ms: number) {
    const id = this.nextId++;
    this.delays.push(ms);
    this.queue.push({ at: this.now + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown) {
    this.queue = this.queue.filter((t) => t.id !== handle);
  }
  get pending() {
    return this.queue.length;
  }
  // Runs the earliest timer, moving the clock to it.
  runNext(): boolean {
    this.queue.sort((a, b) => a.at - b.at);
    const t = this.queue.shift();
    if (!t) return false;
    this.now = Math.max(this.now, t.at);
    t.fn();
    return true;
  }
}

// Lets promises and queued callbacks run; no wall-clock time involved.
export async function settle(rounds = 20) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

// Drains the event loop until `cond` holds, or fails after `rounds` turns.
export async function until(cond: () => boolean, what: string, rounds = 500) {
  for (let i = 0; i < rounds; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export class FakeSocket implements SocketLike {
  binaryType = "blob";
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closed = false;

  constructor(readonly server: FakeKringd) {}

  send(data: Uint8Array) {
    if (this.closed) throw new Error("closed");
    const frame = fromBinary(ClientFrameSchema, data);
    this.server.received.push(frame);
    setImmediate(() => this.server.handle(this, frame));
  }
  close() {
    this.drop(1000);
  }
  // The server side: a frame to the app.
  push(init: ServerFrameInit) {
    if (this.closed) return;
    const bytes = toBinary(ServerFrameSchema, create(ServerFrameSchema, init));
    // As the browser gives it: an ArrayBuffer.
    const copy = bytes.slice().buffer;
    this.onmessage?.({ data: copy });
  }
  drop(code = 1006) {
    if (this.closed) return;
    this.closed = true;
    this.server.sockets = this.server.sockets.filter((s) => s !== this);
    setImmediate(() => this.onclose?.({ code, reason: "" }));
  }
}

type Handler = (frame: ClientFrame, socket: FakeSocket) => ServerFrameInit | undefined | "hold";

export class FakeKringd {
  sockets: FakeSocket[] = [];
  received: ClientFrame[] = [];
  connects = 0;
  refuseConnections = false;
  authenticated = true;
  accountId = 7n;
  mustChangePassword = false;  // what WhoAmI says
  // Stored messages per thread, and the client_msg_ids seen (idempotent posts).
  readonly threads = new Map<bigint, Message[]>();
  private readonly byClientMsgId = new Map<string, bigint>();
  handlers: Partial<Record<string, Handler>> = {};
  held: { frame: ClientFrame; socket: FakeSocket }[] = [];

  factory = (_url: string): SocketLike => {
    const socket = new FakeSocket(this);
    this.connects++;
    if (this.refuseConnections) {
      socket.drop(1006);
      return socket;
    }
    this.sockets.push(socket);
    setImmediate(() => socket.onopen?.({}));
    return socket;
  };

  get socket(): FakeSocket | undefined {
    return this.sockets[this.sockets.length - 1];
  }

  requests(kind: string): ClientFrame[] {
    return this.received.filter((f) => f.request.case === kind);
  }

  handle(socket: FakeSocket, frame: ClientFrame) {
    if (socket.closed) return;
    const kind = frame.request.case ?? "";
    const custom = this.handlers[kind];
    if (custom) {
      const answer = custom(frame, socket);
      if (answer === "hold") {
        this.held.push({ frame, socket });
        return;
      }
      if (answer) {
        socket.push(answer);
        return;
      }
    }
    socket.push(this.defaultAnswer(frame));
  }

  respond(frame: ClientFrame) {
    return (result: NonNullable<ServerFrameInit["frame"]>) => result;
  }

  defaultAnswer(frame: ClientFrame): ServerFrameInit {
    const requestId = frame.requestId;
    const r = frame.request;
    if (!this.authenticated) {
      return { frame: { case: "response", value: { requestId, error: { code: 1, detail: "log in" } } } };
    }
    switch (r.case) {
      case "whoAmI":
        return {
          frame: {
            case: "response",
            value: {
              requestId,
              result: {
                case: "whoAmI",
                value: {
                  account: { id: this.accountId, handle: "ruud", mustChangePassword: this.mustChangePassword },
                },
              },
            },
          },
        };
      case "postMessage": {
        const v = r.value;
        const known = this.byClientMsgId.get(v.clientMsgId);
        if (known !== undefined) {
          return this.postResult(requestId, known, true);
        }
        const list = this.threads.get(v.threadId) ?? [];
        const seq = BigInt(list.length + 1);
        list.push({
          networkId: v.networkId,
          threadId: v.threadId,
          seq,
          text: v.text,
          clientMsgId: v.clientMsgId,
        } as Message);
        this.threads.set(v.threadId, list);
        this.byClientMsgId.set(v.clientMsgId, seq);
        return this.postResult(requestId, seq, false);
      }
      case "subscribe":
        return {
          frame: {
            case: "response",
            value: {
              requestId,
              result: {
                case: "subscribe",
                value: { threads: r.value.threads.map((t) => ({ threadId: t.threadId })) },
              },
            },
          },
        };
      default:
        return { frame: { case: "response", value: { requestId, error: { code: 9 } } } };
    }
  }

  private postResult(requestId: bigint, seq: bigint, duplicate: boolean): ServerFrameInit {
    return {
      frame: {
        case: "response",
        value: { requestId, result: { case: "postMessage", value: { seq, duplicate } } },
      },
    };
  }

  messagePosted(networkId: bigint, threadId: bigint, seq: bigint, text = `m${seq}`): ServerFrameInit {
    return {
      frame: {
        case: "event",
        value: {
          event: {
            case: "messagePosted",
            value: { message: { networkId, threadId, seq, text, senderId: 1n } },
          },
        },
      },
    };
  }
}
