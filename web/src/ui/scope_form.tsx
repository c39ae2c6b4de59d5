// Choosing what someone may see: which threads, earlier messages yes/no, read or also write,
// until when. Used to approve an invitation (safe choice preselected) and to change consent.
import type { Thread } from "../proto";
import { endAfterMonths, type Scope } from "../state/consent";
import { tr } from "./store";
import { UserText } from "./common";

export type Until = "month" | "quarter" | "year" | "withdrawn";
const MONTHS: Record<Until, number> = { month: 1, quarter: 3, year: 12, withdrawn: 0 };

export function endFor(until: Until, nowMs: number): number {
  return until === "withdrawn" ? 0 : endAfterMonths(nowMs, MONTHS[until]);
}

export interface ScopeChoice {
  allThreads: boolean;
  threadIds: bigint[];
  history: boolean;
  post: boolean;
  until: Until;
}

export function scopeOfChoice(c: ScopeChoice, nowMs: number): Scope {
  return {
    allThreads: c.allThreads,
    threadIds: c.allThreads ? [] : c.threadIds,
    historyVisible: c.history,
    post: c.post,
    endMs: endFor(c.until, nowMs),
  };
}

function Radio(props: { name: string; checked: boolean; label: string; onChange: () => void }) {
  return (
    <label class="choice">
      <input type="radio" name={props.name} checked={props.checked} onChange={props.onChange} />
      <span>{props.label}</span>
    </label>
  );
}

export function ScopeForm(props: {
  name: string;
  threads: Thread[];
  choice: ScopeChoice;
  onChange: (c: ScopeChoice) => void;
}) {
  const t = tr.value;
  const c = props.choice;
  const set = (patch: Partial<ScopeChoice>) => props.onChange({ ...c, ...patch });
  return (
    <>
      <fieldset>
        <legend>{t.t("approve.threads")}</legend>
        <label class="choice">
          <input type="checkbox" checked={c.allThreads} onChange={() => set({ allThreads: !c.allThreads })} />
          <span>{t.t("approve.allThreads")}</span>
        </label>
        {!c.allThreads &&
          props.threads.map((th) => (
            <label class="choice" key={String(th.id)}>
              <input
                type="checkbox"
                checked={c.threadIds.includes(th.id)}
                onChange={() =>
                  set({
                    threadIds: c.threadIds.includes(th.id)
                      ? c.threadIds.filter((id) => id !== th.id)
                      : [...c.threadIds, th.id],
                  })
                }
              />
              <span>
                <UserText text={th.title} />
              </span>
            </label>
          ))}
      </fieldset>
      <fieldset>
        <legend>{t.t("approve.history")}</legend>
        <Radio name="history" checked={!c.history} label={t.t("approve.historyNo")} onChange={() => set({ history: false })} />
        <Radio name="history" checked={c.history} label={t.t("approve.historyYes")} onChange={() => set({ history: true })} />
      </fieldset>
      <fieldset>
        <legend>{t.t("approve.post", { name: `\u2068${props.name}\u2069` })}</legend>
        <Radio name="post" checked={!c.post} label={t.t("approve.postNo")} onChange={() => set({ post: false })} />
        <Radio name="post" checked={c.post} label={t.t("approve.postYes")} onChange={() => set({ post: true })} />
      </fieldset>
      <fieldset>
        <legend>{t.t("approve.until")}</legend>
        {(["month", "quarter", "year", "withdrawn"] as const).map((u) => (
          <Radio
            key={u}
            name="until"
            checked={c.until === u}
            label={t.t(
              u === "month" ? "approve.untilMonth" : u === "quarter" ? "approve.untilQuarter" : u === "year" ? "approve.untilYear" : "approve.untilWithdrawn",
            )}
            onChange={() => set({ until: u })}
          />
        ))}
      </fieldset>
    </>
  );
}
