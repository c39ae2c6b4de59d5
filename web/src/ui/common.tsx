// Small building blocks shared by the screens.
import type { ComponentChildren } from "preact";
import { LANGUAGES, CATALOGS, isLanguage } from "../i18n/i18n";
import { RequestError } from "../client/protocol";
import { connState, language, setLanguage, tr } from "./store";
import { navigate } from "./router";

// A link that routes inside the page (and still works as a link: new tab, keyboard).
export function Link(props: { href: string; class?: string; children: ComponentChildren }) {
  return (
    <a
      href={props.href}
      class={props.class}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

// User-supplied text inside the page: isolated for bidi, rendered as text (never as HTML).
export function UserText(props: { text: string }) {
  return <bdi>{props.text}</bdi>;
}

// A circle with initials instead of a photo.
export function Avatar(props: { name: string }) {
  const initials = [...props.name.trim()].slice(0, 2).join("").toUpperCase() || "?";
  let hue = 0;
  for (const ch of props.name) hue = (hue * 31 + ch.codePointAt(0)!) % 360;
  return (
    <span class={`avatar hue-${Math.floor(hue / 30)}`} aria-hidden="true">
      <bdi>{initials}</bdi>
    </span>
  );
}

export function errorText(e: unknown): string {
  if (e instanceof RequestError) return tr.value.errorText(e.code);
  return tr.value.t("error.unknown");
}

export function ErrorLine(props: { error: string | undefined }) {
  if (!props.error) return null;
  return (
    <p class="error" role="alert">
      {props.error}
    </p>
  );
}

// The language switch, on every screen. Each language is named in itself.
export function LanguageSwitch() {
  const t = tr.value;
  return (
    <label class="lang-switch">
      <span>{t.t("lang.label")}</span>
      <select
        value={language.value}
        onChange={(e) => {
          const v = (e.target as HTMLSelectElement).value;
          if (isLanguage(v)) setLanguage(v);
        }}
      >
        {LANGUAGES.map((l) => (
          <option value={l} lang={l} key={l}>
            {CATALOGS[l].meta.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function DraftNotice() {
  const t = tr.value;
  if (!t.catalog.meta.draft) return null;
  return <p class="draft-notice">{t.t("lang.draft")}</p>;
}

export function ConnectionBanner() {
  const t = tr.value;
  const state = connState.value;
  const text = state === "offline" ? t.t("conn.offline") : state === "connecting" ? t.t("conn.connecting") : "";
  return (
    <p class={text ? "conn-banner" : "conn-banner empty"} role="status">
      {text}
    </p>
  );
}

// One confirmation, asked once before a change: one sentence of what will change, then "Yes, do
// this" (or `yes`) and "Cancel". The same everywhere, so that every change reads and sounds alike
// to a screen reader (a group named by `label`; `live`: the sentence follows a form above it).
export function Confirm(props: {
  label: string;
  summary: ComponentChildren;
  yes?: string;
  tone: "primary" | "danger";
  busy: boolean;
  live?: boolean;
  onYes: () => void;
  onNo: () => void;
}) {
  const t = tr.value;
  return (
    <div class="confirm" role="group" aria-label={props.label}>
      <p class="summary" aria-live={props.live ? "polite" : undefined}>
        {props.summary}
      </p>
      <div class="actions">
        <button type="button" class={props.tone} disabled={props.busy} onClick={props.onYes}>
          {props.yes ?? t.t("confirm.yes")}
        </button>
        <button type="button" onClick={props.onNo}>
          {t.t("confirm.no")}
        </button>
      </div>
    </div>
  );
}

export function Heading(props: { children: ComponentChildren }) {
  return <h1 tabIndex={-1}>{props.children}</h1>;
}
