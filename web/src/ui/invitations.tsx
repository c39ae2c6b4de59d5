// Invitations: received (a member), waiting for the client's approval (the client), and the
// approval itself, with the safe choice preselected and the outcome in one sentence.
import { useState } from "preact/hooks";
import { ErrorLine, Heading, Link, errorText } from "./common";
import { account, client, invitations, networks, refreshAll, tr } from "./store";
import { navigate } from "./router";
import { InvitationState, MemberRole, type Invitation } from "../proto";
import { isolate } from "../i18n/i18n";
import { provisionOf, sentenceForClient } from "../state/consent";
import { ScopeForm, scopeOfChoice, type ScopeChoice } from "./scope_form";
import { titlesOf } from "./networks";

export function isForMe(inv: Invitation): boolean {
  return inv.inviteeId === account.value?.id;
}
export function awaitsMyApproval(inv: Invitation): boolean {
  const info = networks.value.find((n) => n.network.id === inv.networkId);
  const role = info?.network.myRole;
  return role === MemberRole.CLIENT || role === MemberRole.REPRESENTATIVE;
}

export function InvitationItem(props: { inv: Invitation }) {
  const t = tr.value;
  const { inv } = props;
  const [error, setError] = useState<string>();
  async function decline() {
    try {
      await client.call("declineInvitation", { invitationId: inv.id });
      await refreshAll();
    } catch (e) {
      setError(errorText(e));
    }
  }
  let text: string;
  if (isForMe(inv)) {
    text = t.t("invitations.toYou", {
      inviter: isolate(inv.invitedByHandle),
      role: isolate(inv.roleLabel || t.t("role.member")),
      client: isolate(inv.clientHandle),
    });
  } else if (awaitsMyApproval(inv) && inv.teamId !== 0n) {
    text = t.t("invitations.forClientTeam", {
      inviter: isolate(inv.invitedByHandle),
      team: isolate(inv.inviteeHandle),
      role: isolate(inv.roleLabel || t.t("team.label")),
    });
  } else if (awaitsMyApproval(inv)) {
    text = t.t("invitations.forClient", {
      inviter: isolate(inv.invitedByHandle),
      invitee: isolate(inv.inviteeHandle),
      role: isolate(inv.roleLabel || t.t("role.member")),
    });
  } else {
    text = t.t("invitations.waiting", { client: isolate(inv.clientHandle) });
  }
  return (
    <li class="card" data-invitation={String(inv.id)}>
      <p>{text}</p>
      {inv.expiresAtMs > 0n && <p class="row-sub">{t.t("invitations.expires", { date: t.shortDate(Number(inv.expiresAtMs)) })}</p>}
      <div class="actions">
        {awaitsMyApproval(inv) && (
          <Link href={`/invitations/${inv.id}`} class="button primary">
            {t.t("invitations.review")}
          </Link>
        )}
        {(isForMe(inv) || awaitsMyApproval(inv)) && (
          <button type="button" onClick={() => void decline()}>
            {t.t("invitations.decline")}
          </button>
        )}
      </div>
      <ErrorLine error={error} />
    </li>
  );
}

export function pendingInvitations(): Invitation[] {
  return invitations.value.filter((i) => i.state === InvitationState.PENDING);
}

export function InvitationsScreen() {
  const t = tr.value;
  const list = pendingInvitations();
  return (
    <section>
      <Heading>{t.t("invitations.title")}</Heading>
      {list.length === 0 && <p>{t.t("invitations.empty")}</p>}
      <ul class="list">
        {list.map((inv) => (
          <InvitationItem inv={inv} key={String(inv.id)} />
        ))}
      </ul>
    </section>
  );
}

export function ApproveScreen(props: { invitationId: bigint }) {
  const t = tr.value;
  const inv = invitations.value.find((i) => i.id === props.invitationId);
  const info = inv && networks.value.find((n) => n.network.id === inv.networkId);
  const [choice, setChoice] = useState<ScopeChoice | undefined>(undefined);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  if (!inv || !info) {
    return (
      <section>
        <Heading>{t.t("invitations.title")}</Heading>
        <p>{t.t("invitations.empty")}</p>
      </section>
    );
  }
  // The safe choice: the general thread only, read only, no earlier messages, three months.
  const c: ScopeChoice = choice ?? {
    allThreads: false,
    threadIds: [info.network.generalThreadId],
    history: false,
    post: false,
    until: "quarter",
  };
  const now = Date.now();
  const scope = scopeOfChoice(c, now);
  const name = inv.inviteeHandle;
  const valid = c.allThreads || c.threadIds.length > 0;

  async function approve(e: Event) {
    e.preventDefault();
    if (!valid) return;
    setBusy(true);
    try {
      await client.call("approveInvitation", { invitationId: inv!.id, provision: provisionOf(scope) });
      await refreshAll();
      navigate("/");
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <section>
      <Heading>{t.t("approve.title", { name: isolate(name) })}</Heading>
      <form onSubmit={approve} class="card">
        {inv.teamId !== 0n && <p class="notice">{t.t("approve.team", { team: isolate(name) })}</p>}
        <ScopeForm name={name} threads={info.threads} choice={c} onChange={setChoice} />
        <p class="summary" aria-live="polite">
          {t.t("approve.summary", { sentence: sentenceForClient(t, name, scope, titlesOf(info), now) })}
        </p>
        <ErrorLine error={error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || !valid}>
            {t.t("approve.confirm")}
          </button>
          <Link href="/invitations" class="button">
            {t.t("approve.cancel")}
          </Link>
        </div>
      </form>
    </section>
  );
}
