// Member screens: the list of networks (client name, unread, last activity) and one network
// (its threads, and "my access here" in plain words).
import { Avatar, Heading, Link, UserText } from "./common";
import {
  endedNetworks,
  endedThreads,
  networks,
  networksLoaded,
  pendingNetworks,
  tr,
  unread,
  unreadVersion,
  type NetworkInfo,
} from "./store";
import { activeScope, sentenceForMember } from "../state/consent";
import { MemberRole } from "../proto";
import { NetworkRequests, WaitingForClient } from "./requests";
import { isolate } from "../i18n/i18n";

function UnreadBadge(props: { count: number }) {
  if (props.count === 0) return null;
  return <span class="badge">{tr.value.t("unread.count", { count: props.count })}</span>;
}

export function NetworksScreen() {
  const t = tr.value;
  void unreadVersion.value;
  const list = networks.value.filter((n) => !endedNetworks.value.has(n.network.id));
  return (
    <section>
      <Heading>{t.t("networks.title")}</Heading>
      <NetworkRequests />
      <WaitingForClient />
      {networksLoaded.value && list.length === 0 && pendingNetworks.value.length === 0 && <p>{t.t("networks.empty")}</p>}
      <ul class="list">
        {list.map((info) => {
          const last = unread.lastActivity(info.network.id);
          return (
            <li key={String(info.network.id)}>
              <Link href={`/n/${info.network.id}`} class="row">
                <Avatar name={info.clientName} />
                <span class="row-main">
                  <span class="row-title">
                    <UserText text={info.clientName} />
                  </span>
                  <span class="row-sub">
                    {last ? t.t("activity.last", { when: t.dateTime(last) }) : t.t("activity.none")}
                  </span>
                </span>
                <UnreadBadge count={unread.network(info.network.id)} />
              </Link>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

export function titlesOf(info: NetworkInfo): Map<bigint, string> {
  return new Map(info.threads.map((th) => [th.id, th.title]));
}

export function MyAccess(props: { info: NetworkInfo }) {
  const t = tr.value;
  const { info } = props;
  if (info.network.myRole === MemberRole.CLIENT || info.network.myRole === MemberRole.REPRESENTATIVE) return null;
  const scope = activeScope(info.me?.consent, Date.now());
  return (
    <section class="card" aria-labelledby="my-access">
      <h2 id="my-access">{t.t("access.title")}</h2>
      <p>{sentenceForMember(t, info.clientName, scope, titlesOf(info), Date.now())}</p>
    </section>
  );
}

// `thread`: only this thread ended (marked sensitive, out of a narrowed consent), not the network.
export function AccessEndedNotice(props: { thread?: boolean }) {
  return (
    <p class="notice ended" role="alert" data-testid="access-ended">
      {tr.value.t(props.thread ? "access.endedThread" : "access.ended")}
    </p>
  );
}

export function NetworkScreen(props: { networkId: bigint }) {
  const t = tr.value;
  void unreadVersion.value;
  const info = networks.value.find((n) => n.network.id === props.networkId);
  if (endedNetworks.value.has(props.networkId)) {
    return (
      <section>
        <Heading>{t.t("threads.title")}</Heading>
        <AccessEndedNotice />
      </section>
    );
  }
  if (!info) return <p>{t.t("conn.connecting")}</p>;
  const threads = info.threads.filter((th) => !endedThreads.value.has(th.id));
  return (
    <section>
      <Heading>{t.t("networks.of", { client: isolate(info.clientName) })}</Heading>
      <MyAccess info={info} />
      <h2>{t.t("threads.title")}</h2>
      {threads.length === 0 && <p>{t.t("threads.empty")}</p>}
      <ul class="list">
        {threads.map((th) => (
          <li key={String(th.id)}>
            <Link href={`/n/${info.network.id}/t/${th.id}`} class="row">
              <span class="row-main">
                <span class="row-title">
                  <UserText text={th.title} />
                </span>
                {th.teamOnly && (
                  <span class="row-sub team-only">
                    {t.t("threads.teamOnly", { client: isolate(info.clientName) })}
                  </span>
                )}
                {th.sensitive && <span class="row-sub sensitive">{t.t("sensitive.listed")}</span>}
              </span>
              <UnreadBadge count={unread.thread(th.id)} />
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
