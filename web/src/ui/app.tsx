// The page: a header with navigation and the language switch on every screen, the connection
// state, the current screen, and a polite live region for new messages.
import { useEffect } from "preact/hooks";
import type { ComponentChildren } from "preact";
import { ConnectionBanner, DraftNotice, LanguageSwitch, Link } from "./common";
import {
  account,
  announcement,
  applyDocumentLanguage,
  booting,
  doLogout,
  isClientSide,
  mustChangePassword,
  represented,
  start,
  tr,
} from "./store";
import { isolate } from "../i18n/i18n";
import { route } from "./router";
import { LoginScreen } from "./login";
import { NetworksScreen, NetworkScreen } from "./networks";
import { ThreadScreen } from "./thread";
import { ApproveScreen, InvitationsScreen } from "./invitations";
import { CircleScreen } from "./circle";
import { AccessLogScreen } from "./access_log";
import { PasswordScreen } from "./password";
import { AcceptScreen } from "./requests";
import { Notices } from "./notices";

function LogoutButton() {
  return (
    <button type="button" class="link-button" onClick={() => void doLogout()}>
      {tr.value.t("nav.logout")}
    </button>
  );
}

// signedIn "limited": a one-time password, so nothing but changing it and logging out.
function Shell(props: { signedIn: boolean | "limited"; children: ComponentChildren }) {
  const t = tr.value;
  return (
    <>
      <header class="topbar">
        <div class="topbar-row">
          <span class="brand">{t.t("app.name")}</span>
          <LanguageSwitch />
        </div>
        {props.signedIn === "limited" && (
          <nav aria-label={t.t("nav.main")}>
            <ul>
              <li>
                <LogoutButton />
              </li>
            </ul>
          </nav>
        )}
        {props.signedIn === true && (
          <nav aria-label={t.t("nav.main")}>
            <ul>
              <li>
                <Link href="/">{isClientSide.value ? t.t("nav.circle") : t.t("nav.networks")}</Link>
              </li>
              <li>
                <Link href="/invitations">{t.t("nav.invitations")}</Link>
              </li>
              {isClientSide.value && (
                <li>
                  <Link href="/log">{t.t("nav.accessLog")}</Link>
                </li>
              )}
              {!isClientSide.value && represented.value.length > 0 && (
                <li>
                  <Link href="/circle">{t.t("nav.circle")}</Link>
                </li>
              )}
              {!isClientSide.value &&
                represented.value.map((c) => (
                  <li key={c.handle}>
                    <Link href={`/log/${c.handle}`}>{t.t("nav.accessLogFor", { client: isolate(c.name) })}</Link>
                  </li>
                ))}
              <li>
                <LogoutButton />
              </li>
            </ul>
          </nav>
        )}
        <ConnectionBanner />
      </header>
      <main>
        <DraftNotice />
        {props.signedIn === true && <Notices />}
        {props.children}
      </main>
      {/* Seldom needed, so below the page rather than in the sticky bar, which stays short on
          a phone. */}
      {props.signedIn === true && (
        <footer class="page-footer">
          <Link href="/password">{t.t("nav.password")}</Link>
        </footer>
      )}
      <div class="visually-hidden" role="status" aria-live="polite">
        {announcement.value.text}
        {announcement.value.n % 2 ? "\u200b" : ""}
      </div>
    </>
  );
}

function Screen() {
  const r = route.value;
  switch (r.name) {
    case "home":
      return isClientSide.value ? <CircleScreen /> : <NetworksScreen />;
    case "network":
      return <NetworkScreen networkId={r.networkId} />;
    case "thread":
      return <ThreadScreen networkId={r.networkId} threadId={r.threadId} />;
    case "invitations":
      return <InvitationsScreen />;
    case "approve":
      return <ApproveScreen invitationId={r.invitationId} />;
    case "accept":
      return <AcceptScreen networkId={r.networkId} />;
    case "circle":
      return <CircleScreen />;
    case "log":
      return <AccessLogScreen client={r.client} />;
    case "password":
      return <PasswordScreen oneTime={false} />;
  }
}

export function App() {
  const t = tr.value;
  useEffect(() => applyDocumentLanguage(t), [t]);
  useEffect(() => start(), []);
  if (booting.value) {
    return (
      <Shell signedIn={false}>
        <p>{t.t("conn.connecting")}</p>
      </Shell>
    );
  }
  if (!account.value) {
    return (
      <Shell signedIn={false}>
        <LoginScreen />
      </Shell>
    );
  }
  if (mustChangePassword.value) {
    return (
      <Shell signedIn="limited">
        <PasswordScreen oneTime={true} />
      </Shell>
    );
  }
  return (
    <Shell signedIn={true}>
      <Screen />
    </Shell>
  );
}
