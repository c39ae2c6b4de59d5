// Marking a thread sensitive, for the client (or a representative): only the people they name
// read it then (docs/consent.md, "Sensitive threads"). One sentence says what it is now, one
// confirmation says what will change.
import { useState } from "preact/hooks";
import { Confirm, ErrorLine, errorText } from "./common";
import { client, refreshNetwork, tr } from "./store";
import type { Thread } from "../proto";

export function SensitiveControl(props: { networkId: bigint; thread: Thread }) {
  const t = tr.value;
  const { networkId, thread } = props;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      await client.call("setThreadSensitive", { networkId, threadId: thread.id, sensitive: !thread.sensitive });
      setConfirming(false);
      await refreshNetwork(networkId);
    } catch (e) {
      setError(errorText(e));
    }
    setBusy(false);
  }

  return (
    <section class={thread.sensitive ? "card sensitive-control on" : "card sensitive-control"} data-sensitive={String(thread.sensitive)}>
      <p>{thread.sensitive ? t.t("sensitive.isOn") : t.t("sensitive.isOff")}</p>
      {!confirming && (
        <div class="actions">
          <button type="button" onClick={() => setConfirming(true)}>
            {thread.sensitive ? t.t("sensitive.unmark") : t.t("sensitive.mark")}
          </button>
        </div>
      )}
      {confirming && (
        <Confirm
          label={thread.sensitive ? t.t("sensitive.unmark") : t.t("sensitive.mark")}
          summary={thread.sensitive ? t.t("sensitive.confirmUnmark") : t.t("sensitive.confirmMark")}
          tone="primary"
          busy={busy}
          onYes={() => void confirm()}
          onNo={() => setConfirming(false)}
        />
      )}
      <ErrorLine error={error} />
    </section>
  );
}
