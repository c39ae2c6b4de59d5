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
    threadIds: c.threadIds,
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

function ThreadBox(props: { thread: Thread; checked: boolean; onToggle: () => void }) {
  const t = tr.value;
  return (
    <label class="choice">
      <input type="checkbox" checked={props.checked} onChange={props.onToggle} />
      <span>
        <UserText text={props.thread.title} />
        {props.thread.sensitive && <span class="row-sub sensitive"> {t.t("sensitive.short")}</span>}
      </span>
    </label>
  );
}

export function ScopeForm(props: {
  name: string;
  threads: Thread[];
  choice: ScopeChoice;
  onChange: (c: ScopeChoice) => void;
  // Earlier messages: not asked for a network that holds none yet (one opened for the client).
  noHistory?: boolean;
}) {
  const t = tr.value;
  const c = props.choice;
  const set = (patch: Partial<ScopeChoice>) => props.onChange({ ...c, ...patch });
  const toggle = (id: bigint) =>
    set({ threadIds: c.threadIds.includes(id) ? c.threadIds.filter((x) => x !== id) : [...c.threadIds, id] });
  // "All threads" leaves the sensitive ones out: they are named besides it, or not at all.
  const sensitive = props.threads.filter((th) => th.sensitive);
  const sensitiveIds = new Set(sensitive.map((th) => th.id));
  return (
    <>
      <fieldset>
        <legend>{t.t("approve.threads")}</legend>
        <label class="choice">
          <input
            type="checkbox"
            checked={c.allThreads}
            onChange={() =>
              set({
                allThreads: !c.allThreads,
                threadIds: c.allThreads ? c.threadIds : c.threadIds.filter((id) => sensitiveIds.has(id)),
              })
            }
          />
          <span>{t.t("approve.allThreads")}</span>
        </label>
        {c.allThreads && sensitive.length > 0 && <p class="hint">{t.t("approve.sensitiveHint", { name: `\u2068${props.name}\u2069` })}</p>}
        {(c.allThreads ? sensitive : props.threads).map((th) => (
          <ThreadBox key={String(th.id)} thread={th} checked={c.threadIds.includes(th.id)} onToggle={() => toggle(th.id)} />
        ))}
      </fieldset>
      {!props.noHistory && (
        <fieldset>
          <legend>{t.t("approve.history")}</legend>
          <Radio name="history" checked={!c.history} label={t.t("approve.historyNo")} onChange={() => set({ history: false })} />
          <Radio name="history" checked={c.history} label={t.t("approve.historyYes")} onChange={() => set({ history: true })} />
        </fieldset>
      )}
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
