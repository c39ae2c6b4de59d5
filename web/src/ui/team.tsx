// A team in the client's circle: the people in it right now, and for each whether they take part
// in this network. The client (or a representative) may exclude one of them, and let them back
// in, with one confirmation that says what will change (docs/consent.md, "Teams").
import { useState } from "preact/hooks";
import { Avatar, Confirm, ErrorLine, UserText, errorText } from "./common";
import { client, exclusions, setExcludedHere, tr, type NetworkInfo } from "./store";
import type { Team, TeamPerson } from "../proto";
import { isolate } from "../i18n/i18n";

function TeamPersonItem(props: { info: NetworkInfo; team: Team; person: TeamPerson }) {
  const t = tr.value;
  const { info, team, person } = props;
  const name = person.displayName || person.handle;
  const excluded = exclusions.value.get(info.network.id)?.has(person.accountId) === true;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  async function confirm() {
    setBusy(true);
    setError(undefined);
    try {
      await client.call("setTeamExclusion", {
        networkId: info.network.id,
        teamId: team.id,
        handle: person.handle,
        excluded: !excluded,
      });
      setExcludedHere(info.network.id, person.accountId, !excluded);
      setConfirming(false);
    } catch (e) {
      setError(errorText(e));
    }
    setBusy(false);
  }

  return (
    <li class={excluded ? "team-person excluded" : "team-person"} data-handle={person.handle}>
      <div class="person-head">
        <Avatar name={name} />
        <span class="row-main">
          <span class="row-title">
            <UserText text={name} />
          </span>
          {person.profession && (
            <span class="row-sub">
              <UserText text={person.profession} />
            </span>
          )}
          {excluded && <span class="row-sub status-excluded">{t.t("team.excluded")}</span>}
        </span>
      </div>
      {!confirming && (
        <div class="actions">
          <button type="button" class={excluded ? "" : "danger"} onClick={() => setConfirming(true)}>
            {excluded ? t.t("team.include") : t.t("team.exclude")}
          </button>
        </div>
      )}
      {confirming && (
        <Confirm
          label={excluded ? t.t("team.include") : t.t("team.exclude")}
          summary={
            excluded
              ? t.t("team.confirmInclude", { name: isolate(name), team: isolate(team.name) })
              : t.t("team.confirmExclude", { name: isolate(name), team: isolate(team.name) })
          }
          tone={excluded ? "primary" : "danger"}
          busy={busy}
          onYes={() => void confirm()}
          onNo={() => setConfirming(false)}
        />
      )}
      <ErrorLine error={error} />
    </li>
  );
}

export function TeamPeople(props: { info: NetworkInfo; team: Team; people: TeamPerson[] }) {
  const t = tr.value;
  const headingId = `team-${props.info.network.id}-${props.team.id}`;
  return (
    <section class="team-people" aria-labelledby={headingId}>
      <h3 id={headingId}>{t.t("team.peopleNow")}</h3>
      {props.people.length === 0 && <p>{t.t("team.nobody")}</p>}
      <ul class="list">
        {props.people.map((p) => (
          <TeamPersonItem info={props.info} team={props.team} person={p} key={String(p.accountId)} />
        ))}
      </ul>
    </section>
  );
}
