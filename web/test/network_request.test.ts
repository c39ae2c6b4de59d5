/// <reference types="node" />
// Networks opened for a client, pending until answered (src/state/network_request.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { MemberRole, NetworkSchema, NetworkState } from "../src/proto";
import { awaitsMyAnswer, openerOf, waitsForClient } from "../src/state/network_request";

const NOOR = 7n;

function network(myRole: MemberRole, state: NetworkState) {
  return create(NetworkSchema, { id: 31n, clientHandle: "selam", openedBy: NOOR, openedByHandle: "noor", myRole, state });
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

test("the opener's name and profession come with the network, as kringd fills them", () => {
  const n = network(MemberRole.CLIENT, NetworkState.PENDING);
  n.openedByDisplayName = "Noor Haddad";
  n.openedByProfession = "casemanager";
  assert.deepEqual(openerOf(n), { handle: "noor", name: "Noor Haddad", profession: "casemanager" });
});

test("without them (not shown to this person, or no name): the handle alone", () => {
  const n = network(MemberRole.CLIENT, NetworkState.PENDING);
  assert.deepEqual(openerOf(n), { handle: "noor", name: "noor", profession: "" });
});
