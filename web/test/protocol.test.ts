/// <reference types="node" />
// The protocol client against a fake kringd: request matching, batches, events, reconnect with
// backoff, resubscribing from the last seq, and the outbox (exactly once, in order).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ProtocolClient, RequestError, type ConnectionState } from "../src/client/protocol";
import { MemoryOutboxStore, type OutboxEntry } from "../src/client/outbox";
import { Error_Code, type Event } from "../src/proto";
import { FakeKringd, FakeTimers, settle, until } from "./support/fake_kringd";

function makeClient(server = new FakeKringd(), store = new MemoryOutboxStore()) {
  const timers = new FakeTimers();
  const client = new ProtocolClient({
    url: "wss://test/v1/ws",
    socketFactory: server.factory,
    outboxStore: store,
    timers,
    random: () => 0.5,
    now: () => 1_700_000_000_000 + timers.now,
  });
  const events: Event[] = [];
  const states: ConnectionState[] = [];
  let outbox: readonly OutboxEntry[] = [];
  client.listen({
    event: (e) => events.push(e),
    state: (s) => states.push(s),
    outbox: (o) => (outbox = o),
  });
  return { client, server, store, timers, events, states, outbox: () => outbox };
}

async function online(t: ReturnType<typeof makeClient>) {
  t.client.start();
  await until(() => t.client.state === "online", "online");
}

test("sends WhoAmI first and goes online with the account", async () => {
  const t = makeClient();
  await online(t);
  assert.equal(t.server.received[0]?.request.case, "whoAmI");
  assert.equal(t.client.account?.id, 7n);
  assert.deepEqual(t.states, ["connecting", "online"]);
});

test("UNAUTHENTICATED on WhoAmI means signed out, without retrying", async () => {
  const t = makeClient();
  t.server.authenticated = false;
  t.client.start();
  await until(() => t.client.state === "signed-out", "signed-out");
  assert.equal(t.timers.pending, 0);
  assert.equal(t.server.connects, 1);
});

test("matches responses by request_id when they overtake each other", async () => {
  const t = makeClient();
  await online(t);
  t.server.handlers.listNetworks = () => "hold";
  const first = t.client.call("listNetworks", {});
  const second = t.client.call("listNetworks", {});
  await until(() => t.server.held.length === 2, "two held requests");
  const [a, b] = t.server.held;
  const answer = (requestId: bigint, clientId: bigint) => ({
    frame: {
      case: "response" as const,
      value: {
        requestId,
        result: { case: "listNetworks" as const, value: { networks: [{ id: clientId }] } },
      },
    },
  });
  b!.socket.push(answer(b!.frame.requestId, 2n));
  a!.socket.push(answer(a!.frame.requestId, 1n));
  assert.equal((await first).networks[0]?.id, 1n);
  assert.equal((await second).networks[0]?.id, 2n);
});

test("a typed error rejects with its code and detail", async () => {
  const t = makeClient();
  await online(t);
  await assert.rejects(t.client.call("listNetworks", {}), (e: unknown) => {
    assert.ok(e instanceof RequestError);
    assert.equal(e.code, Error_Code.UNIMPLEMENTED);
    return true;
  });
});

test("handles the frames of a batch in order, as if each came alone", async () => {
  const t = makeClient();
  await online(t);
  await t.client.subscribe(1n, [{ threadId: 5n, afterSeq: 0n }]);
  t.server.socket!.push({
    frame: {
      case: "batch",
      value: {
        frames: [1n, 2n, 3n].map((s) => t.server.messagePosted(1n, 5n, s)),
      },
    },
  });
  const seqs = t.events.map((e) => e.event.case === "messagePosted" && e.event.value.message?.seq);
  assert.deepEqual(seqs, [1n, 2n, 3n]);
});

test("reconnects with growing backoff and resubscribes after the last seq processed", async () => {
  const t = makeClient();
  await online(t);
  await t.client.subscribe(1n, [{ threadId: 5n, afterSeq: 0n }]);
  for (const s of [1n, 2n]) t.server.socket!.push(t.server.messagePosted(1n, 5n, s));
  assert.equal(t.client.cursor(1n, 5n), 2n);

  t.server.refuseConnections = true;
  t.server.socket!.drop();
  await until(() => t.client.state === "offline", "offline");
  for (let i = 0; i < 3; i++) {
    assert.ok(t.timers.runNext());
    await until(() => t.client.state === "offline" && t.timers.pending === 1, "next retry");
  }
  // Jitter is random() in [0,1) -> factor 0.5..1; with 0.5 it is 0.75 of 500, 1000, 2000, 4000.
  assert.deepEqual(t.timers.delays, [375, 750, 1500, 3000]);

  t.server.refuseConnections = false;
  const before = t.server.requests("subscribe").length;
  assert.ok(t.timers.runNext());
  await until(() => t.server.requests("subscribe").length === before + 1, "resubscribe");
  const again = t.server.requests("subscribe").at(-1)!;
  assert.equal(again.request.case, "subscribe");
  if (again.request.case === "subscribe") {
    assert.deepEqual(
      again.request.value.threads.map((c) => [c.threadId, c.afterSeq]),
      [[5n, 2n]],
    );
  }
  // A message the server sends again (2) is not passed on twice; 3 is.
  t.server.socket!.push(t.server.messagePosted(1n, 5n, 2n));
  t.server.socket!.push(t.server.messagePosted(1n, 5n, 3n));
  const seqs = t.events.map((e) => e.event.case === "messagePosted" && e.event.value.message?.seq);
  assert.deepEqual(seqs, [1n, 2n, 3n]);
});

test("the backoff is capped and resets after a good connection", async () => {
  const server = new FakeKringd();
  const timers = new FakeTimers();
  const client = new ProtocolClient({
    url: "x",
    socketFactory: server.factory,
    outboxStore: new MemoryOutboxStore(),
    timers,
    random: () => 0.999999,
    initialBackoffMs: 1000,
    maxBackoffMs: 4000,
  });
  server.refuseConnections = true;
  client.start();
  await until(() => timers.pending === 1, "first retry");
  for (let i = 0; i < 4; i++) {
    timers.runNext();
    await until(() => timers.pending === 1, "retry");
  }
  assert.deepEqual(timers.delays.map((d) => Math.round(d / 1000)), [1, 2, 4, 4, 4]);
  server.refuseConnections = false;
  timers.runNext();
  await until(() => client.state === "online", "online");
  server.socket!.drop();
  await until(() => timers.pending === 1, "retry after drop");
  assert.equal(Math.round(timers.delays.at(-1)! / 1000), 1);
});

test("AccessEnded drops the subscription, so a reconnect does not ask for it again", async () => {
  const t = makeClient();
  await online(t);
  await t.client.subscribe(1n, [{ threadId: 5n, afterSeq: 0n }, { threadId: 6n, afterSeq: 0n }]);
  t.server.socket!.push({
    frame: {
      case: "event",
      value: { event: { case: "accessEnded", value: { networkId: 1n, threadIds: [5n] } } },
    },
  });
  assert.equal(t.client.cursor(1n, 5n), undefined);
  assert.equal(t.client.cursor(1n, 6n), 0n);
  assert.equal(t.events.at(-1)?.event.case, "accessEnded");
});

test("SessionEnded signs out and stops reconnecting", async () => {
  const t = makeClient();
  await online(t);
  t.server.socket!.push({
    frame: { case: "event", value: { event: { case: "sessionEnded", value: { reason: "logout" } } } },
  });
  assert.equal(t.client.state, "signed-out");
  await settle();
  assert.equal(t.timers.pending, 0);
});

test("the outbox sends messages written offline once online, each once and in order", async () => {
  const t = makeClient();
  await online(t);
  t.server.refuseConnections = true;
  t.server.socket!.drop();
  await until(() => t.client.state === "offline", "offline");
  for (const text of ["een", "twee", "drie"]) await t.client.post(1n, 5n, text);
  assert.deepEqual(t.outbox().map((e) => e.state), ["sending", "sending", "sending"]);
  assert.equal((await t.store.load("7")).length, 3, "kept in the store while unsent");

  t.server.refuseConnections = false;
  t.timers.runNext();
  await until(() => t.outbox().every((e) => e.state === "sent"), "all sent");
  assert.deepEqual(t.server.threads.get(5n)!.map((m) => m.text), ["een", "twee", "drie"]);
  assert.deepEqual(t.outbox().map((e) => e.seq), ["1", "2", "3"]);
  assert.equal((await t.store.load("7")).length, 0, "sent entries leave the store");
});

test("client_msg_ids differ where Web Crypto is missing (Node 18), also with a fixed random", async () => {
  const saved = Object.getOwnPropertyDescriptor(globalThis, "crypto");
  Object.defineProperty(globalThis, "crypto", { value: undefined, configurable: true, writable: true });
  try {
    const t = makeClient();  // random: () => 0.5
    await online(t);
    const ids = new Set<string>();
    for (const text of ["een", "twee", "drie"]) ids.add((await t.client.post(1n, 5n, text)).clientMsgId);
    assert.equal(ids.size, 3);
    await until(() => t.outbox().every((e) => e.state === "sent"), "all sent");
    assert.deepEqual(t.server.threads.get(5n)!.map((m) => m.text), ["een", "twee", "drie"]);
  } finally {
    if (saved) Object.defineProperty(globalThis, "crypto", saved);
    else delete (globalThis as { crypto?: unknown }).crypto;
  }
});

test("a post lost with its connection is resent with the same client_msg_id and stored once", async () => {
  const t = makeClient();
  await online(t);
  // The server stores the post but the connection dies before the answer reaches the app.
  let dropped = false;
  t.server.handlers.postMessage = (frame, socket) => {
    if (dropped) return undefined;
    dropped = true;
    t.server.defaultAnswer(frame);  // stored
    socket.drop();
    return "hold";
  };
  const entry = await t.client.post(1n, 5n, "hallo");
  await until(() => t.client.state === "offline", "offline");
  t.timers.runNext();
  await until(() => t.outbox()[0]?.state === "sent", "sent");
  const posts = t.server.requests("postMessage");
  assert.equal(posts.length, 2);
  for (const p of posts) {
    assert.equal(p.request.case === "postMessage" && p.request.value.clientMsgId, entry.clientMsgId);
  }
  assert.equal(t.server.threads.get(5n)!.length, 1);
  assert.equal(t.outbox()[0]?.seq, "1");
});

test("a refusal is final and shown with its reason; the queue goes on", async () => {
  const t = makeClient();
  await online(t);
  let first = true;
  t.server.handlers.postMessage = (frame) => {
    if (!first) return undefined;
    first = false;
    return {
      frame: {
        case: "response",
        value: {
          requestId: frame.requestId,
          error: { code: Error_Code.PERMISSION_DENIED, detail: "no consent" },
        },
      },
    };
  };
  await t.client.post(1n, 5n, "niet");
  await t.client.post(1n, 5n, "wel");
  await until(() => t.outbox()[1]?.state === "sent", "second sent");
  assert.equal(t.outbox()[0]?.state, "refused");
  assert.equal(t.outbox()[0]?.errorCode, Error_Code.PERMISSION_DENIED);
  const stored = await t.store.load("7");
  assert.equal(stored.length, 1, "a refused message stays until dismissed");
  await t.client.dismiss(stored[0]!.clientMsgId);
  assert.equal((await t.store.load("7")).length, 0);
});

test("a transient error (INTERNAL) is retried with the same client_msg_id, holding the order", async () => {
  const t = makeClient();
  await online(t);
  let failures = 1;
  t.server.handlers.postMessage = (frame) => {
    if (failures-- <= 0) return undefined;
    return {
      frame: {
        case: "response",
        value: { requestId: frame.requestId, error: { code: Error_Code.INTERNAL } },
      },
    };
  };
  await t.client.post(1n, 5n, "a");
  await t.client.post(1n, 5n, "b");
  await until(() => t.timers.pending === 1, "retry timer");
  assert.equal(t.server.requests("postMessage").length, 1, "b waits behind a");
  t.timers.runNext();
  await until(() => t.outbox().every((e) => e.state === "sent"), "both sent");
  assert.deepEqual(t.server.threads.get(5n)!.map((m) => m.text), ["a", "b"]);
});

test("the outbox survives a reload: a new client sends what the old one could not", async () => {
  const store = new MemoryOutboxStore();
  const server = new FakeKringd();
  const a = makeClient(server, store);
  await online(a);
  server.refuseConnections = true;
  server.socket!.drop();
  await until(() => a.client.state === "offline", "offline");
  await a.client.post(1n, 5n, "bewaard");
  a.client.stop();

  server.refuseConnections = false;
  const b = makeClient(server, store);
  await online(b);
  await until(() => b.outbox()[0]?.state === "sent", "sent after reload");
  assert.deepEqual(server.threads.get(5n)!.map((m) => m.text), ["bewaard"]);
});

test("calls while offline fail at once with 'offline'", async () => {
  const t = makeClient();
  await assert.rejects(t.client.call("listNetworks", {}), (e: unknown) => {
    return e instanceof RequestError && e.code === "offline";
  });
});

test("a one-time password: the outbox waits until refreshAccount() sees it changed", async () => {
  const t = makeClient();
  t.server.mustChangePassword = true;
  await online(t);
  assert.equal(t.client.account?.mustChangePassword, true);
  await t.client.post(1n, 5n, "later");
  await settle();
  assert.equal(t.server.requests("postMessage").length, 0);  // kringd would refuse it for good

  t.server.mustChangePassword = false;  // ChangePassword went through
  const account = await t.client.refreshAccount();
  assert.equal(account?.mustChangePassword, false);
  assert.equal(t.client.account?.mustChangePassword, false);
  await until(() => t.outbox()[0]?.state === "sent", "sent once the password changed");
  assert.deepEqual(t.server.threads.get(5n)!.map((m) => m.text), ["later"]);
});

test("a reconnect takes the account as WhoAmI says it now, also for the same person", async () => {
  const t = makeClient();
  t.server.mustChangePassword = true;
  await online(t);
  const states: [ConnectionState, boolean | undefined][] = [];
  t.client.listen({ state: (s, a) => states.push([s, a?.mustChangePassword]) });
  t.server.mustChangePassword = false;
  t.server.socket!.drop();
  await until(() => t.client.state === "offline", "offline");
  assert.ok(t.timers.runNext());
  await until(() => t.client.state === "online", "online again");
  assert.equal(t.client.account?.mustChangePassword, false);
  assert.deepEqual(states.at(-1), ["online", false]);
});
