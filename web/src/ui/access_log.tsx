// "Who looked at my data": the client's access log in their language, newest first, grouped by
// day and person, repeated reads as one line with a count, own actions folded away unless asked
// for; everything is loaded (page after page) before it is shown, so nothing is silently cut.
import { useEffect, useState } from "preact/hooks";
import { ErrorLine, Heading, errorText } from "./common";
import { account, client, connState, networks, tr } from "./store";
import { isolate } from "../i18n/i18n";
import type { AccessLogEntry } from "../proto";
import { groupLog, lineOf } from "../state/access_log";

const SHOW_STEP = 200;

export function AccessLogScreen(props: { client?: string }) {
  const t = tr.value;
  const [entries, setEntries] = useState<AccessLogEntry[] | undefined>();
  const [problems, setProblems] = useState(0);
  const [error, setError] = useState<string>();
  const [showOwn, setShowOwn] = useState(false);
  const [shown, setShown] = useState(SHOW_STEP);

  const online = connState.value === "online";
  useEffect(() => {
    if (!online) return;
    let cancelled = false;
    (async () => {
      const all: AccessLogEntry[] = [];
      let problemCount = 0;
      let after = 0n;
      try {
        for (;;) {
          const page = await client.call("myAccessLog", {
            clientHandle: props.client ?? "",
            afterSeq: after,
            limit: 1000,
          });
          all.push(...page.entries);
          problemCount += page.problems.length;
          if (page.nextAfterSeq === 0n || page.nextAfterSeq === after) break;
          after = page.nextAfterSeq;
        }
        if (!cancelled) {
          setEntries(all);
          setProblems(problemCount);
        }
      } catch (e) {
        if (!cancelled) setError(errorText(e));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [props.client, online]);

  const me = account.value?.id ?? 0n;
  // "You" is whoever is logged in; a representative reads for the client, whose own actions
  // then go by the client's name (both are folded away as own).
  const forClient = props.client ? networks.value.find((n) => n.network.clientHandle === props.client) : undefined;
  const reader = forClient
    ? { viewerId: me, clientId: forClient.network.clientId, clientName: forClient.clientName }
    : { viewerId: me, clientId: me };
  const lines = (entries ?? []).map((e) => lineOf(t, e, reader));
  const view = groupLog(t, lines, showOwn);
  let budget = shown;
  let total = 0;
  for (const d of view.days) for (const p of d.people) total += p.lines.length;

  return (
    <section>
      <Heading>
        {forClient ? t.t("nav.accessLogFor", { client: isolate(forClient.clientName) }) : t.t("log.title")}
      </Heading>
      <ErrorLine error={error} />
      {problems > 0 && <p class="notice">{t.t("log.problems")}</p>}
      {entries && (
        <p>
          {view.ownHidden > 0 && <span>{t.t("log.ownFolded", { count: view.ownHidden })} </span>}
          <button type="button" aria-pressed={showOwn} onClick={() => setShowOwn(!showOwn)}>
            {showOwn ? t.t("log.hideOwn") : t.t("log.showOwn")}
          </button>
        </p>
      )}
      {entries && total === 0 && <p>{t.t("log.empty")}</p>}
      {view.days.map((day) => {
        if (budget <= 0) return null;
        return (
          <section key={day.day} class="log-day">
            <h2>{day.label}</h2>
            {day.people.map((person) => {
              if (budget <= 0) return null;
              const lines = person.lines.slice(0, budget);
              budget -= lines.length;
              return (
                <section key={String(person.actorId)} class="card log-person">
                  <h3>{person.actor}</h3>
                  <ul>
                    {lines.map((l) => (
                      <li key={String(l.seq)} data-outcome={l.outcome} data-times={l.times}>
                        <time dateTime={new Date(l.timeMs).toISOString()}>
                          {l.times > 1 ? t.timeRange(l.firstTimeMs, l.timeMs) : t.time(l.timeMs)}
                        </time>{" "}
                        {l.text}
                        {l.outcome !== "allowed" && (
                          <span class="badge warn"> {l.outcome === "denied" ? t.t("log.denied") : t.t("log.failed")}</span>
                        )}
                      </li>
                    ))}
                  </ul>
                </section>
              );
            })}
          </section>
        );
      })}
      {entries && total > shown && (
        <button type="button" onClick={() => setShown(shown + SHOW_STEP)}>
          {t.t("log.loadMore")}
        </button>
      )}
      {entries && total <= shown && total > 0 && <p>{t.t("log.complete")}</p>}
    </section>
  );
}
