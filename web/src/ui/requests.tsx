// Networks a member opened for the client, waiting for the client's answer (docs/consent.md,
// "Networks opened for a client"): shown on top of "my circle" with who opened it, and answered
// here: accepted with the access the client chooses for the opener (the safe choice
// preselected, as for an invitation), or declined after one confirmation. An accepted network
// is in use at once: the app loads it before going back to the circle.
import { useState } from "preact/hooks";
import { create } from "@bufbuild/protobuf";
import { Confirm, ErrorLine, Heading, Link, errorText } from "./common";
import { client, pendingNetworks, refreshAll, tr } from "./store";
import { navigate } from "./router";
import { ThreadSchema, type Network } from "../proto";
import { isolate } from "../i18n/i18n";
import { provisionOf, sentenceForClient } from "../state/consent";
import { awaitsMyAnswer, openerOf, waitsForClient } from "../state/network_request";
import { ScopeForm, scopeOfChoice, type ScopeChoice } from "./scope_form";
import { MemberRole } from "../proto";

// "Noor (casemanager)", isolated, as kringd names the opener on the network.
function openerText(network: Network): { name: string; text: string } {
  const t = tr.value;
  const o = openerOf(network);
  const text = o.profession
    ? t.t("log.actorWithRole", { name: isolate(o.name), role: isolate(o.profession) })
    : isolate(o.name);
  return { name: o.name, text };
}

export function requestsToAnswer(): Network[] {
  return pendingNetworks.value.filter(awaitsMyAnswer);
}

function RequestItem(props: { network: Network }) {
  const t = tr.value;
  const { network } = props;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const opener = openerText(network);
  const rep = network.myRole === MemberRole.REPRESENTATIVE;

  async function decline() {
    setBusy(true);
    setError(undefined);
    try {
      await client.call("declineNetwork", { networkId: network.id });
      await refreshAll();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  }

  return (
    <li class="card request" data-network={String(network.id)}>
      <p class="request-title">
        {rep
          ? t.t("requests.openedFor", { opener: opener.text, client: isolate(network.clientHandle) })
          : t.t("requests.opened", { opener: opener.text })}
      </p>
      <p class="row-sub">{t.t("requests.explain", { name: isolate(opener.name) })}</p>
      {!confirming && (
        <div class="actions">
          <Link href={`/requests/${network.id}`} class="button primary">
            {t.t("requests.review")}
          </Link>
          <button type="button" onClick={() => setConfirming(true)}>
            {t.t("requests.decline")}
          </button>
        </div>
      )}
      {confirming && (
        <Confirm
          label={t.t("requests.decline")}
          summary={t.t("requests.confirmDecline", { name: isolate(opener.name) })}
          yes={t.t("requests.declineYes")}
          tone="danger"
          busy={busy}
          onYes={() => void decline()}
          onNo={() => setConfirming(false)}
        />
      )}
      <ErrorLine error={error} />
    </li>
  );
}

// On top of the client's circle (and a representative's networks): what waits for an answer.
export function NetworkRequests() {
  const t = tr.value;
  const list = requestsToAnswer();
  if (list.length === 0) return null;
  return (
    <section class="requests" aria-labelledby="requests-title">
      <h2 id="requests-title">{t.t("requests.title")}</h2>
      <ul class="list">
        {list.map((n) => (
          <RequestItem network={n} key={String(n.id)} />
        ))}
      </ul>
    </section>
  );
}

// For the opener: the networks that wait for their client.
export function WaitingForClient() {
  const t = tr.value;
  const list = pendingNetworks.value.filter(waitsForClient);
  if (list.length === 0) return null;
  return (
    <ul class="list">
      {list.map((n) => (
        <li class="card" key={String(n.id)} data-waiting={String(n.id)}>
          {t.t("requests.waiting", { client: isolate(n.clientHandle) })}
        </li>
      ))}
    </ul>
  );
}

export function AcceptScreen(props: { networkId: bigint }) {
  const t = tr.value;
  const network = requestsToAnswer().find((n) => n.id === props.networkId);
  const [choice, setChoice] = useState<ScopeChoice | undefined>(undefined);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  if (!network) {
    return (
      <section>
        <Heading>{t.t("requests.titleNone")}</Heading>
        <p>{t.t("requests.none")}</p>
        <p>
          <Link href="/">{t.t("nav.back")}</Link>
        </p>
      </section>
    );
  }
  const opener = openerText(network);
  // A new network holds one thread and no messages yet.
  const general = create(ThreadSchema, { id: network.generalThreadId, networkId: network.id, title: "General" });
  const titles = new Map([[general.id, general.title]]);
  // The safe choice, as for an invitation: the general thread only, read only, three months.
  const c: ScopeChoice = choice ?? { allThreads: false, threadIds: [general.id], history: false, post: false, until: "quarter" };
  const now = Date.now();
  const scope = scopeOfChoice(c, now);
  const valid = c.allThreads || c.threadIds.length > 0;

  async function accept(e: Event) {
    e.preventDefault();
    if (!valid) return;
    setBusy(true);
    setError(undefined);
    try {
      await client.call("acceptNetwork", { networkId: network!.id, provision: provisionOf(scope) });
      // In use at once: loaded before the circle shows it.
      await refreshAll();
      navigate("/");
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <section>
      <Heading>{t.t("accept.title", { name: isolate(opener.name) })}</Heading>
      <form onSubmit={accept} class="card">
        <p>
          {network.myRole === MemberRole.REPRESENTATIVE
            ? t.t("requests.openedFor", { opener: opener.text, client: isolate(network.clientHandle) })
            : t.t("requests.opened", { opener: opener.text })}
        </p>
        <ScopeForm name={opener.name} threads={[general]} choice={c} onChange={setChoice} noHistory={true} />
        <p class="summary" aria-live="polite">
          {t.t("accept.summary", { sentence: sentenceForClient(t, opener.name, scope, titles, now) })}
        </p>
        <ErrorLine error={error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || !valid}>
            {t.t("accept.confirm")}
          </button>
          <Link href="/" class="button">
            {t.t("approve.cancel")}
          </Link>
        </div>
      </form>
    </section>
  );
}
