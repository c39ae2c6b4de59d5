// Changing the password: the only screen while the password is one-time (kringd refuses
// everything else until it is changed), and "Change password" in the menu otherwise. The rules
// are kringd's (state/password.ts); its refusals are said in the person's words.
import { useRef, useState } from "preact/hooks";
import type { MessageKey } from "../i18n/i18n";
import {
  MIN_PASSWORD_BYTES,
  checkNewPassword,
  problemOfRefusal,
  type PasswordProblem,
} from "../state/password";
import { Heading } from "./common";
import { account, announcement, doChangePassword, tr } from "./store";
import { navigate } from "./router";

const PROBLEM_KEYS: Record<Exclude<PasswordProblem, "throttled" | "other">, MessageKey> = {
  currentEmpty: "password.error.currentEmpty",
  currentWrong: "password.error.currentWrong",
  tooShort: "password.error.tooShort",
  tooLong: "password.error.tooLong",
  notRepeated: "password.error.notRepeated",
  sameAsCurrent: "password.error.sameAsCurrent",
  changedMeanwhile: "password.error.changedMeanwhile",
  notAllowed: "password.error.notAllowed",
};

type Field = "current" | "next" | "repeat";

function fieldOf(problem: PasswordProblem): Field | undefined {
  switch (problem) {
    case "currentEmpty":
    case "currentWrong":
    case "changedMeanwhile":
      return "current";
    case "tooShort":
    case "tooLong":
    case "sameAsCurrent":
    case "notAllowed":
      return "next";
    case "notRepeated":
      return "repeat";
    default:
      return undefined;
  }
}

export function PasswordScreen(props: { oneTime: boolean }) {
  const t = tr.value;
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [show, setShow] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; field?: Field }>();
  const [done, setDone] = useState(false);
  const inputs = { current: useRef<HTMLInputElement>(null), next: useRef<HTMLInputElement>(null), repeat: useRef<HTMLInputElement>(null) };

  function fail(problem: PasswordProblem, text?: string) {
    const field = fieldOf(problem);
    setError({ text: text ?? tr.value.t(PROBLEM_KEYS[problem as keyof typeof PROBLEM_KEYS], { min: MIN_PASSWORD_BYTES }), field });
    if (field) inputs[field].current?.focus();
  }

  async function submit(e: Event) {
    e.preventDefault();
    setDone(false);
    setError(undefined);
    const problem = checkNewPassword(current, next, repeat);
    if (problem) return fail(problem);
    setBusy(true);
    const outcome = await doChangePassword(current, next);
    setBusy(false);
    if (outcome.ok) {
      setCurrent("");
      setNext("");
      setRepeat("");
      announcement.value = { text: tr.value.t("password.done"), n: announcement.value.n + 1 };
      if (props.oneTime) navigate("/");  // into the app: this screen gives way to the networks
      else setDone(true);
      return;
    }
    const refusal = problemOfRefusal(outcome.code, current, next);
    if (refusal === "throttled" && outcome.retryAfterMs > 0) {
      return fail(refusal, tr.value.t("login.throttled", { seconds: Math.ceil(outcome.retryAfterMs / 1000) }));
    }
    if (refusal === "throttled" || refusal === "other") return fail(refusal, tr.value.errorText(outcome.code));
    fail(refusal);
  }

  const errorId = "password-error";
  const describedBy = (field: Field, extra?: string) =>
    [extra, error?.field === field ? errorId : undefined].filter(Boolean).join(" ") || undefined;
  const type = show ? "text" : "password";
  const common = { dir: "ltr", required: true, autocapitalize: "none", spellcheck: false, type } as const;

  return (
    <section class="card narrow">
      <Heading>{props.oneTime ? t.t("password.titleOneTime") : t.t("password.title")}</Heading>
      {props.oneTime && <p>{t.t("password.introOneTime")}</p>}
      <form onSubmit={submit}>
        {/* Whose password this is, for password managers (not shown: it cannot change here). */}
        <input name="username" autocomplete="username" value={account.value?.handle ?? ""} hidden readOnly />
        <label class="field">
          <span>{t.t("password.current")}</span>
          <input
            {...common}
            ref={inputs.current}
            name="current-password"
            autocomplete="current-password"
            aria-invalid={error?.field === "current"}
            aria-describedby={describedBy("current")}
            value={current}
            onInput={(e) => setCurrent((e.target as HTMLInputElement).value)}
          />
        </label>
        <p id="password-rules">{t.t("password.rules", { min: MIN_PASSWORD_BYTES })}</p>
        <label class="field">
          <span>{t.t("password.new")}</span>
          <input
            {...common}
            ref={inputs.next}
            name="new-password"
            autocomplete="new-password"
            aria-invalid={error?.field === "next"}
            aria-describedby={describedBy("next", "password-rules")}
            value={next}
            onInput={(e) => setNext((e.target as HTMLInputElement).value)}
          />
        </label>
        <label class="field">
          <span>{t.t("password.repeat")}</span>
          <input
            {...common}
            ref={inputs.repeat}
            name="repeat-password"
            autocomplete="new-password"
            aria-invalid={error?.field === "repeat"}
            aria-describedby={describedBy("repeat")}
            value={repeat}
            onInput={(e) => setRepeat((e.target as HTMLInputElement).value)}
          />
        </label>
        <label class="choice">
          <input type="checkbox" checked={show} onChange={(e) => setShow((e.target as HTMLInputElement).checked)} />
          <span>{t.t("password.show")}</span>
        </label>
        {error && (
          <p class="error" role="alert" id={errorId}>
            {error.text}
          </p>
        )}
        {/* Announced through the page's live region (store.announcement), so said once. */}
        {done && <p class="notice">{t.t("password.done")}</p>}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t.t("password.busy") : t.t("password.submit")}
        </button>
      </form>
    </section>
  );
}
