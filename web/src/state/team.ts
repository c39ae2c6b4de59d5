// A team admitted to a network as one member (docs/consent.md, "Teams"): who of its people the
// client excluded from the network. kringd lists the team's people now (Member.team_people) but
// not who is excluded; the client's access log has every exclusion and inclusion
// (`team.exclusion_set`: action DELETE excludes, CREATE lets back in; object_id is the person),
// so the newest of them per network and person says it. Pure.
import { AuditAction, AuditOutcome, type AccessLogEntry } from "../proto";

// Network id -> the people excluded there. `entries` in any order.
export function exclusionsFromLog(entries: readonly AccessLogEntry[]): Map<bigint, Set<bigint>> {
  const sets = entries
    .filter((x) => x.event?.eventType === "team.exclusion_set" && x.event.outcome === AuditOutcome.SUCCESS)
    .map((x) => x.event!)
    .sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
  const out = new Map<bigint, Set<bigint>>();
  for (const e of sets) {
    let excluded = out.get(e.networkId);
    if (!excluded) out.set(e.networkId, (excluded = new Set()));
    if (e.action === AuditAction.DELETE) excluded.add(e.objectId);
    else excluded.delete(e.objectId);
  }
  return out;
}
