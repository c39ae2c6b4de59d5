/// <reference types="node" />
// What ended on the page, and when a list may bring it back (src/state/ended.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { EndedAccess } from "../src/state/ended";

test("a thread listed again after it ended is readable again (unmarked, a new consent)", () => {
  const ended = new EndedAccess();
  ended.endThreads([12n]);
  assert.deepEqual([...ended.threadIds()], [12n]);
  const askedAt = ended.now;  // a list asked after the AccessEnded arrived
  assert.equal(ended.listed(1n, [11n, 12n], askedAt), true);
  assert.deepEqual([...ended.threadIds()], []);
});

test("a list asked before the AccessEnded arrived brings nothing back", () => {
  const ended = new EndedAccess();
  const askedAt = ended.now;  // asked, and then the thread is marked sensitive
  ended.endThreads([12n]);
  assert.equal(ended.listed(1n, [11n, 12n], askedAt), false);
  assert.deepEqual([...ended.threadIds()], [12n]);
  // The next list (asked after) does.
  assert.equal(ended.listed(1n, [12n], ended.now), true);
});

test("a thread not listed stays ended; other threads' ends are kept apart", () => {
  const ended = new EndedAccess();
  ended.endThreads([12n, 13n]);
  assert.equal(ended.listed(1n, [11n, 13n], ended.now), true);
  assert.deepEqual([...ended.threadIds()], [12n]);
  assert.equal(ended.listed(1n, [11n], ended.now), false);
});

test("a network whose access ended is back once listed after a new consent", () => {
  const ended = new EndedAccess();
  const before = ended.now;
  ended.endNetwork(5n);
  assert.equal(ended.listed(5n, [], before), false);
  assert.deepEqual([...ended.networkIds()], [5n]);
  assert.equal(ended.listed(6n, [], ended.now), false);  // another network
  assert.equal(ended.listed(5n, [], ended.now), true);
  assert.deepEqual([...ended.networkIds()], []);
});

test("ended again after coming back: only a later list brings it back again", () => {
  const ended = new EndedAccess();
  ended.endThreads([12n]);
  const first = ended.now;
  ended.listed(1n, [12n], first);
  ended.endThreads([12n]);
  assert.equal(ended.listed(1n, [12n], first), false);
  assert.deepEqual([...ended.threadIds()], [12n]);
});
