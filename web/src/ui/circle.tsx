// The client's home: "my circle" — the people around them, each with an initials avatar, role
// and what they may see in one sentence; change or stop anyone's access with one confirmation
// that says what will change. A representative sees the same, "for" the client.
import { useState } from "preact/hooks";
import { Avatar, Confirm, ErrorLine, Heading, Link, UserText, errorText } from "./common";
import { client, networks, refreshNetwork, tr, type NetworkInfo } from "./store";
import { MemberRole, type Member } from "../proto";
import { NetworkRequests, requestsToAnswer } from "./requests";
import { TeamPeople } from "./team";
import { isolate } from "../i18n/i18n";
import { activeScope, changeSentence, provisionOf, sentenceForClient } from "../state/consent";
import { ScopeForm, scopeOfChoice, type ScopeChoice, type Until } from "./scope_form";
import { titlesOf } from "./networks";
import { InvitationItem, awaitsMyApproval, pendingInvitations } from "./invitations";

function roleText(m: Member): string {
  const t = tr.value;
  if (m.team) {
    return m.team.organisation ? t.t("team.of", { organisation: isolate(m.team.organisation) }) : t.t("team.label");
  }
  if (m.roleLabel) return isolate(m.roleLabel);
  if (m.profession) return isolate(m.profession);
  switch (m.role) {
    case MemberRole.COORDINATOR:
      return t.t("role.coordinator");
    case MemberRole.REPRESENTATIVE:
      return t.t("role.representative");
    default:
      return t.t("role.member");
  }
}

function choiceFromMember(m: Member, nowMs: number): ScopeChoice {
  const s = activeScope(m.consent, nowMs);
  let until: Until = "withdrawn";
  if (s?.endMs) {
    const months = (s.endMs - nowMs) / (30 * 86_400_000);
    until = months <= 1.5 ? "month" : months <= 4 ? "quarter" : "year";
  }
  return {
    allThreads: s?.allThreads ?? false,
    threadIds: s?.threadIds ?? [],
    history: s?.historyVisible ?? false,
    post: s?.post ?? false,
    until,
  };
}

function Person(props: { info: NetworkInfo; member: Member }) {
  const t = tr.value;
  const { info, member } = props;
  const name = member.team?.name || member.displayName || member.handle;
  // A team's consent is named by the team's id, a person's by the handle.
  // A representative holds no consent: they act for the client, appointed by admins.
  const representative = member.role === MemberRole.REPRESENTATIVE;
  const grantee = member.team ? { granteeHandle: "", teamId: member.team.id } : { granteeHandle: member.handle };
  const now = Date.now();
  const scope = activeScope(member.consent, now);
  const [mode, setMode] = useState<"view" | "change" | "withdraw">("view");
  const [choice, setChoice] = useState<ScopeChoice>(() => choiceFromMember(member, now));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const next = mode === "withdraw" ? undefined : scopeOfChoice(choice, now);

  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      if (mode === "withdraw") {
        await client.call("withdrawConsent", { networkId: info.network.id, ...grantee });
      } else {
        await client.call("grantConsent", { networkId: info.network.id, ...grantee, provision: provisionOf(next!) });
      }
      setMode("view");
      await refreshNetwork(info.network.id);
    } catch (e) {
      setError(errorText(e));
    }
    setBusy(false);
  }

  return (
    <li class={member.team ? "card person team" : "card person"} data-handle={member.handle || undefined} data-team={member.team ? String(member.team.id) : undefined}>
      <div class="person-head">
        <Avatar name={name} />
        <span class="row-main">
          <span class="row-title">
            <UserText text={name} />
          </span>
          <span class="row-sub">{roleText(member)}</span>
        </span>
      </div>
      <p class="consent">
        {representative
          ? t.t("circle.representative", {
              name: isolate(name),
              whose: info.network.myRole === MemberRole.REPRESENTATIVE ? "client" : "own",
              client: isolate(info.clientName),
            })
          : sentenceForClient(t, name, scope, titlesOf(info), now)}
      </p>
      {member.team && <TeamPeople info={info} team={member.team} people={member.teamPeople} />}
      {mode === "view" && !representative && (
        <div class="actions">
          <button type="button" onClick={() => setMode("change")}>
            {t.t("circle.change")}
          </button>
          {scope && (
            <button type="button" class="danger" onClick={() => setMode("withdraw")}>
              {t.t("circle.withdraw")}
            </button>
          )}
        </div>
      )}
      {mode === "change" && (
        <ScopeForm name={name} threads={info.threads} choice={choice} onChange={setChoice} />
      )}
      {mode !== "view" && (
        <Confirm
          label={t.t("confirm.yes")}
          summary={changeSentence(t, name, next, titlesOf(info), now)}
          tone={mode === "withdraw" ? "danger" : "primary"}
          busy={busy}
          live={true}
          onYes={() => void confirm()}
          onNo={() => setMode("view")}
        />
      )}
      <ErrorLine error={error} />
    </li>
  );
}

function NetworkCircle(props: { info: NetworkInfo }) {
  const t = tr.value;
  const { info } = props;
  const rep = info.network.myRole === MemberRole.REPRESENTATIVE;
  const people = info.members.filter((m) => m.role !== MemberRole.CLIENT && m.accountId !== info.me?.accountId);
  return (
    <section class="network-circle">
      {rep && <p class="notice">{t.t("circle.forClient", { client: isolate(info.clientName) })}</p>}
      {people.length === 0 && <p>{t.t("circle.empty")}</p>}
      <ul class="list">
        {people.map((m) => (
          <Person info={info} member={m} key={m.team ? `team-${m.team.id}` : String(m.accountId)} />
        ))}
      </ul>
      <p>
        <Link href={`/n/${info.network.id}`} class="button">
          {t.t("threads.title")}
        </Link>
      </p>
    </section>
  );
}

export function CircleScreen() {
  const t = tr.value;
  const mine = networks.value.filter(
    (n) => n.network.myRole === MemberRole.CLIENT || n.network.myRole === MemberRole.REPRESENTATIVE,
  );
  const waiting = pendingInvitations().filter(awaitsMyApproval);
  const single = mine.length === 1 ? mine[0] : undefined;
  return (
    <section>
      <Heading>
        {single && single.network.myRole === MemberRole.REPRESENTATIVE
          ? t.t("circle.titleFor", { client: isolate(single.clientName) })
          : t.t("circle.title")}
      </Heading>
      <NetworkRequests />
      {waiting.length > 0 && (
        <ul class="list">
          {waiting.map((inv) => (
            <InvitationItem inv={inv} key={String(inv.id)} />
          ))}
        </ul>
      )}
      {mine.length === 0 && requestsToAnswer().length === 0 && <p>{t.t("circle.empty")}</p>}
      {mine.map((info) => (
        <NetworkCircle info={info} key={String(info.network.id)} />
      ))}
    </section>
  );
}
