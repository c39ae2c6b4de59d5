// A team admitted to a network as one member (docs/consent.md, "Teams"): who of its people the
// client excluded from the network. kringd marks them in the member list it gives the client
// and representatives (TeamPerson.excluded); anyone else is not shown them at all. Pure.
import type { Member } from "../proto";

// The people of the network's teams marked excluded in `members` (a ListMembers answer).
export function exclusionsFromMembers(members: readonly Member[]): Set<bigint> {
  const out = new Set<bigint>();
  for (const m of members) {
    if (!m.team) continue;
    for (const p of m.teamPeople) if (p.excluded) out.add(p.accountId);
  }
  return out;
}
