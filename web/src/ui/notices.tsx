// Notices to read once, on top of every screen: an appointment of a representative asked for,
// confirmed, refused or ended (RepresentationChanged). Said in the current language when shown.
import { account, dismissNotice, notices, tr } from "./store";
import { representationNotice } from "../state/representation";

export function Notices() {
  const t = tr.value;
  const me = account.value?.id ?? 0n;
  const shown = notices.value
    .map((n) => ({ id: n.id, text: representationNotice(t, n.event, me) }))
    .filter((n): n is { id: number; text: string } => n.text !== undefined);
  // The live region is always there, so that a notice added later is read out.
  return (
    <div class="notices" role="status" aria-live="polite">
      {shown.map((n) => (
        <p class="notice card" key={n.id} data-testid="notice">
          <span>{n.text}</span>{" "}
          <button type="button" class="link-button" onClick={() => dismissNotice(n.id)}>
            {t.t("notice.dismiss")}
          </button>
        </p>
      ))}
    </div>
  );
}
