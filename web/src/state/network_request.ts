// Networks a member opened for a client: pending until the client (or a representative)
// accepts or declines (docs/consent.md, "Networks opened for a client"). Which listed networks
// wait for this person's answer, which wait for someone else's, and who opened one. Pure.
import { MemberRole, NetworkState, type Network } from "../proto";

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

// Who opened a pending network: kringd names the opener on the network, with their name and
// profession for those who may see them (the client and representatives always), so nothing in
// the network need be listed (nothing can be, before the client answers).
export function openerOf(network: Network): Opener {
  const handle = network.openedByHandle;
  return {
    handle,
    name: network.openedByDisplayName || handle,
    profession: network.openedByProfession,
  };
}
