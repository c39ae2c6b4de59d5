/// <reference types="node" />
// Who of a team the client excluded, from the client's access log (src/state/team.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { AccessLogEntrySchema, AuditAction, AuditOutcome } from "../src/proto";
import { exclusionsFromLog } from "../src/state/team";

const DAAN = 8n;
const MILA = 9n;

function set(seq: bigint, networkId: bigint, personId: bigint, excluded: boolean, outcome = AuditOutcome.SUCCESS) {
  return create(AccessLogEntrySchema, {
    event: {
      seq,
      eventType: "team.exclusion_set",
      action: excluded ? AuditAction.DELETE : AuditAction.CREATE,
      outcome,
      networkId,
      objectId: personId,
    },
  });
}

test("the newest exclusion or inclusion per network and person counts, in any order given", () => {
  const log = [set(5n, 31n, DAAN, false), set(3n, 31n, DAAN, true), set(4n, 31n, MILA, true), set(6n, 32n, DAAN, true)];
  const got = exclusionsFromLog(log);
  assert.deepEqual([...(got.get(31n) ?? [])], [MILA]);
  assert.deepEqual([...(got.get(32n) ?? [])], [DAAN]);
});

test("refused requests and other records change nothing", () => {
  const other = create(AccessLogEntrySchema, {
    event: { seq: 9n, eventType: "member.removed", action: AuditAction.DELETE, outcome: AuditOutcome.SUCCESS, networkId: 31n, objectId: DAAN },
  });
  const got = exclusionsFromLog([set(1n, 31n, DAAN, true, AuditOutcome.DENIED), other]);
  assert.equal(got.get(31n), undefined);
});
