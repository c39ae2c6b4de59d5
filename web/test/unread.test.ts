/// <reference types="node" />
import { test } from "node:test";
import assert from "node:assert/strict";
import { UnreadTracker, unreadCount } from "../src/state/unread";

test("unread is what lies after the read marker and after the hidden messages", () => {
  assert.equal(unreadCount(10n, 4n), 6);
  assert.equal(unreadCount(10n, 4n, 8n), 2);
  assert.equal(unreadCount(10n, 12n), 0);
  assert.equal(unreadCount(0n, 0n), 0);
});

test("threads add up per network; live messages count; one's own do not", () => {
  const u = new UnreadTracker(7n);
  u.setThread(1n, 11n, 5n);
  u.setThread(1n, 12n, 3n);
  u.setThread(2n, 21n, 9n);
  u.markRead(11n, 5n);
  assert.equal(u.network(1n), 3);
  u.message(1n, 11n, 6n, 8n, 1000);
  assert.equal(u.thread(11n), 1);
  u.markRead(11n, 6n);
  u.message(1n, 11n, 7n, 7n, 2000);  // my own, right after what I read
  assert.equal(u.thread(11n), 0);
  assert.equal(u.lastActivity(1n), 2000);
  assert.equal(u.network(2n), 9);
});

test("markers only move forward; hidden messages never count", () => {
  const u = new UnreadTracker(7n);
  u.setThread(1n, 11n, 10n);
  u.setHidden(11n, 6n);
  assert.equal(u.thread(11n), 4);
  u.markRead(11n, 8n);
  u.markRead(11n, 3n);
  assert.equal(u.readSeq(11n), 8n);
  assert.equal(u.thread(11n), 2);
});

test("access ended forgets the threads", () => {
  const u = new UnreadTracker(7n);
  u.setThread(1n, 11n, 10n);
  u.setThread(1n, 12n, 10n);
  u.forget(1n, [11n]);
  assert.equal(u.network(1n), 10);
  u.forget(1n);
  assert.equal(u.network(1n), 0);
});

test("last activity: the thread's start, then the newest message seen in history or live", () => {
  const u = new UnreadTracker(7n);
  u.setThread(1n, 11n, 4n, 1000);  // ListThreads: created at 1000, 4 messages of unknown time
  u.setThread(1n, 12n, 0n, 1500);
  assert.equal(u.lastActivity(1n), 1500);
  u.seen(11n, 3000);  // the thread view's history page
  assert.equal(u.lastActivity(1n), 3000);
  u.seen(11n, 2000);  // an earlier page does not move it back
  assert.equal(u.lastActivity(1n), 3000);
  u.message(1n, 12n, 1n, 8n, 4000);
  assert.equal(u.lastActivity(1n), 4000);
  u.seen(99n, 9000);  // a thread not (or no longer) listed
  assert.equal(u.lastActivity(1n), 4000);
});
