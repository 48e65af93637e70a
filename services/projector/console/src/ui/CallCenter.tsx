import { createContext, useContext, useMemo, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { Session } from "../api/client";
import { makeFormatter, type Formatter } from "./format";

interface CallCenter {
  session: Session;
  format: Formatter;
  isSupervisor: boolean;
}

const Context = createContext<CallCenter | null>(null);

/** The signed-in user and how to show the call center's numbers and times. */
export function CallCenterProvider({
  session,
  children,
}: {
  session: Session;
  children: ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const value = useMemo(
    () => ({
      session,
      format: makeFormatter(i18n.language, session.call_center.time_zone, t),
      isSupervisor: session.user.role === "supervisor",
    }),
    [session, i18n.language, t],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useCallCenter(): CallCenter {
  const value = useContext(Context);
  if (!value) throw new Error("useCallCenter outside CallCenterProvider");
  return value;
}
