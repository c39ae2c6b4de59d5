// What the client (and the representative) are told when an appointment of a representative
// is asked for, confirmed, refused or ended (RepresentationChanged). Pure.
import { RepresentationChange, type RepresentationChanged } from "../proto";
import { isolate, type Translator } from "../i18n/i18n";

function changeName(c: RepresentationChange): string {
  switch (c) {
    case RepresentationChange.REQUESTED:
      return "requested";
    case RepresentationChange.CONFIRMED:
      return "confirmed";
    case RepresentationChange.REFUSED:
      return "refused";
    default:
      return "ended";
  }
}

// One sentence for the account `me`: the representative reads about themself, the client
// about the representative. Undefined for a change that says nothing (unknown).
export function representationNotice(
  tr: Translator,
  event: RepresentationChanged,
  me: bigint,
): string | undefined {
  const r = event.representation;
  if (!r || event.change === RepresentationChange.UNSPECIFIED) return undefined;
  const change = changeName(event.change);
  if (r.representativeId === me) {
    return tr.t("notice.representationYou", { change, client: isolate(r.clientHandle) });
  }
  return tr.t("notice.representation", { change, rep: isolate(r.representativeHandle) });
}
