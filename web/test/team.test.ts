/// <reference types="node" />
// Who of a team the client excluded, from the member list kringd gives her (src/state/team.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { MemberSchema } from "../src/proto";
import { exclusionsFromMembers } from "../src/state/team";

const DAAN = 8n;
const MILA = 9n;

test("the people marked excluded in the network's teams, and no one else", () => {
  const team = create(MemberSchema, {
    team: { id: 20n, name: "Wijkteam Noord" },
    teamPeople: [
      { teamId: 20n, accountId: DAAN, handle: "daan", excluded: false },
      { teamId: 20n, accountId: MILA, handle: "mila", excluded: true },
    ],
  });
  const person = create(MemberSchema, { accountId: 5n, handle: "jo" });
  assert.deepEqual([...exclusionsFromMembers([person, team])], [MILA]);
  assert.deepEqual([...exclusionsFromMembers([person])], []);
});
