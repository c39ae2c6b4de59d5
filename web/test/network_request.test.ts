/// <reference types="node" />
// Networks opened for a client, pending until answered (src/state/network_request.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { AccessLogEntrySchema, AuditOutcome, MemberRole, NetworkSchema, NetworkState } from "../src/proto";
import { awaitsMyAnswer, openerOf, waitsForClient } from "../src/state/network_request";

const NOOR = 7n;

function network(myRole: MemberRole, state: NetworkState) {
  return create(NetworkSchema, { id: 31n, clientHandle: "selam", openedBy: NOOR, openedByHandle: "noor", myRole, state });
}

function opened(opts: { networkId?: bigint; actorId?: bigint; outcome?: AuditOutcome } = {}) {
  return create(AccessLogEntrySchema, {
    event: {
      seq: 4n,
      eventType: "network.opened",
      outcome: opts.outcome ?? AuditOutcome.SUCCESS,
      networkId: opts.networkId ?? 31n,
      actorId: opts.actorId ?? NOOR,
      actorHandle: "noor",
      actorProfession: "casemanager",
    },
    actorDisplayName: "Noor Haddad (casemanager)",
  });
}

test("a pending network waits for the client's or a representative's answer, and the opener waits", () => {
  assert.equal(awaitsMyAnswer(network(MemberRole.CLIENT, NetworkState.PENDING)), true);
  assert.equal(awaitsMyAnswer(network(MemberRole.REPRESENTATIVE, NetworkState.PENDING)), true);
  assert.equal(awaitsMyAnswer(network(MemberRole.COORDINATOR, NetworkState.PENDING)), false);
  assert.equal(waitsForClient(network(MemberRole.COORDINATOR, NetworkState.PENDING)), true);
  assert.equal(waitsForClient(network(MemberRole.CLIENT, NetworkState.PENDING)), false);
  for (const state of [NetworkState.UNSPECIFIED, NetworkState.ACCEPTED, NetworkState.DECLINED]) {
    assert.equal(awaitsMyAnswer(network(MemberRole.CLIENT, state)), false);
    assert.equal(waitsForClient(network(MemberRole.COORDINATOR, state)), false);
  }
});

test("the opener's name and profession come from the opening in the client's log", () => {
  const n = network(MemberRole.CLIENT, NetworkState.PENDING);
  assert.deepEqual(openerOf(n, [opened()]), { handle: "noor", name: "Noor Haddad", profession: "casemanager" });
});

test("without the opening (another network, someone else, refused): the handle alone", () => {
  const n = network(MemberRole.CLIENT, NetworkState.PENDING);
  const alone = { handle: "noor", name: "noor", profession: "" };
  assert.deepEqual(openerOf(n, []), alone);
  assert.deepEqual(openerOf(n, [opened({ networkId: 32n })]), alone);
  assert.deepEqual(openerOf(n, [opened({ actorId: 8n })]), alone);
  assert.deepEqual(openerOf(n, [opened({ outcome: AuditOutcome.DENIED })]), alone);
});
