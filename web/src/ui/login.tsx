import { useState } from "preact/hooks";
import { Error_Code } from "../proto";
import { ErrorLine, Heading } from "./common";
import { doLogin, tr } from "./store";

export function LoginScreen() {
  const t = tr.value;
  const [handle, setHandle] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const outcome = await doLogin(handle.trim(), password);
    setBusy(false);
    if (outcome.ok) return;
    if (outcome.code === Error_Code.UNAUTHENTICATED) setError(tr.value.t("login.failed"));
    else if (outcome.code === Error_Code.RESOURCE_EXHAUSTED && outcome.retryAfterMs > 0) {
      setError(tr.value.t("login.throttled", { seconds: Math.ceil(outcome.retryAfterMs / 1000) }));
    } else setError(tr.value.errorText(outcome.code));
  }

  return (
    <section class="card narrow">
      <Heading>{t.t("login.title")}</Heading>
      <form onSubmit={submit}>
        <label class="field">
          <span>{t.t("login.handle")}</span>
          <input
            name="handle"
            autocomplete="username"
            autocapitalize="none"
            spellcheck={false}
            dir="ltr"
            required
            value={handle}
            onInput={(e) => setHandle((e.target as HTMLInputElement).value)}
          />
        </label>
        <label class="field">
          <span>{t.t("login.password")}</span>
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            dir="ltr"
            required
            value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
          />
        </label>
        <ErrorLine error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t.t("login.busy") : t.t("login.submit")}
        </button>
      </form>
    </section>
  );
}
