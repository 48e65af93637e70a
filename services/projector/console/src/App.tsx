import { useCallback, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import type { Session } from "./api/client";
import { Dashboard } from "./Dashboard";
import { CallbacksPage } from "./features/calls/CallbacksPage";
import { CallDetailPage } from "./features/calls/CallDetailPage";
import { CallsPage } from "./features/calls/CallsPage";
import { NotificationsToggle } from "./features/notifications/NotificationsToggle";
import { useSupervisorNotifications } from "./features/notifications/useSupervisorNotifications";
import { Softphone } from "./features/softphone/Softphone";
import { SoftphoneProvider } from "./features/softphone/SoftphoneProvider";
import { useLiveStatus, useLiveUpdates } from "./live/useLiveUpdates";
import { onLinkClick, useRoute, type Route } from "./router";
import { SignIn } from "./session/SignIn";
import { signedOutOnPurpose, useSession, useSignOut } from "./session/useSession";
import { CallCenterProvider } from "./ui/CallCenter";
import { LanguagePicker } from "./ui/LanguagePicker";
import { QueryState } from "./ui/Panel";

function LiveIndicator() {
  const { t } = useTranslation();
  const status = useLiveStatus();
  const live = status === "live";
  return (
    <span className={`live ${live ? "live-on" : "live-off"}`} role="status" data-live={status}>
      <span className="live-dot" aria-hidden="true" />
      {live ? t("app.live") : t("app.reconnecting")}
    </span>
  );
}

function NavLink({ href, active, children }: { href: string; active: boolean; children: string }) {
  return (
    <a href={href} onClick={onLinkClick} aria-current={active ? "page" : undefined}>
      {children}
    </a>
  );
}

function Header({ session, route }: { session: Session; route: Route }) {
  const { t } = useTranslation();
  const signOut = useSignOut();
  const calls = route.page === "calls" || route.page === "call";
  return (
    <header className="topbar">
      <a className="brand" href="/" onClick={onLinkClick}>
        <span className="brand-mark" aria-hidden="true" />
        {t("app.name")}
      </a>
      <nav className="nav" aria-label={t("nav.label")}>
        <NavLink href="/" active={route.page === "dashboard"}>
          {t("nav.dashboard")}
        </NavLink>
        <NavLink href="/calls" active={calls}>
          {t("nav.calls")}
        </NavLink>
        <NavLink href="/callbacks" active={route.page === "callbacks"}>
          {t("nav.callbacks")}
        </NavLink>
      </nav>
      <div className="topbar-end">
        <LiveIndicator />
        <NotificationsToggle />
        <LanguagePicker />
        <span className="user" title={session.user.name}>
          {session.user.display_name || session.user.name}
          <span className="muted small"> · {t(`app.roles.${session.user.role}`)}</span>
        </span>
        <button type="button" className="button button-small" onClick={() => signOut.mutate()}>
          {t("app.signOut")}
        </button>
      </div>
    </header>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "calls":
      return <CallsPage search={route.search} />;
    case "call":
      return <CallDetailPage key={route.sid} sid={route.sid} />;
    case "callbacks":
      return <CallbacksPage />;
    default:
      return <Dashboard />;
  }
}

function SupervisorNotifications() {
  useSupervisorNotifications();
  return null;
}

function Console({ session }: { session: Session }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const route = useRoute();
  const ended = useCallback(
    () => void client.invalidateQueries({ queryKey: ["session"] }),
    [client],
  );
  useLiveUpdates(client, ended);
  const agent = session.user.role === "agent";
  return (
    <CallCenterProvider session={session}>
      <SoftphoneProvider>
        <a className="skip" href="#main">
          {t("app.skip")}
        </a>
        <Header session={session} route={route} />
        {!agent && <SupervisorNotifications />}
        <main id="main" className="main">
          {agent ? (
            <div className="workspace">
              <div>
                <Page route={route} />
              </div>
              <Softphone />
            </div>
          ) : (
            <Page route={route} />
          )}
        </main>
      </SoftphoneProvider>
    </CallCenterProvider>
  );
}

export function App() {
  const session = useSession();
  const [wasSignedIn, setWasSignedIn] = useState(false);
  if (session.data && !wasSignedIn) setWasSignedIn(true);
  if (session.isPending || session.error)
    return (
      <main className="signin">
        <QueryState
          isPending={session.isPending}
          error={session.error}
          retry={() => void session.refetch()}
        />
      </main>
    );
  if (!session.data) return <SignIn expired={wasSignedIn && !signedOutOnPurpose()} />;
  return <Console session={session.data} />;
}
