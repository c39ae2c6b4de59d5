// Networks a member opened for a client: pending until the client (or a representative)
// accepts or declines (docs/consent.md, "Networks opened for a client"). Which listed networks
// wait for this person's answer, which wait for someone else's, and who opened one. Pure.
import { AuditOutcome, MemberRole, NetworkState, type AccessLogEntry, type Network } from "../proto";
import { nameWithoutProfession } from "./access_log";

function isPrincipal(n: Network): boolean {
  return n.myRole === MemberRole.CLIENT || n.myRole === MemberRole.REPRESENTATIVE;
}

// Waits for this person to accept or decline it: the client, or a representative.
export function awaitsMyAnswer(n: Network): boolean {
  return n.state === NetworkState.PENDING && isPrincipal(n);
}

// The opener's: waits for the client.
export function waitsForClient(n: Network): boolean {
  return n.state === NetworkState.PENDING && !isPrincipal(n);
}

export interface Opener {
  handle: string;
  name: string;        // the display name, else the handle
  profession: string;  // empty when not known
}

// Who opened a pending network. The network names only the opener's handle, and nothing in it
// can be listed before the client answers (not even its members), but the client's access log
// holds the opening, with the opener's name and profession: `entries` is that log (of this
// network, any order).
export function openerOf(network: Network, entries: readonly AccessLogEntry[]): Opener {
  const opening = entries.find(
    (x) =>
      x.event?.eventType === "network.opened" &&
      x.event.networkId === network.id &&
      x.event.actorId === network.openedBy &&
      x.event.outcome === AuditOutcome.SUCCESS,
  );
  const handle = network.openedByHandle || opening?.event?.actorHandle || "";
  if (!opening?.event) return { handle, name: handle, profession: "" };
  const profession = opening.event.actorProfession;
  const name = nameWithoutProfession(opening.actorDisplayName || handle, profession) || handle;
  return { handle, name, profession };
}
