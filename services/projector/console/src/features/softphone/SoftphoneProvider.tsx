import { createContext, useContext, useEffect, useState, useSyncExternalStore } from "react";
import type { ReactNode } from "react";
import i18next from "i18next";
import { getJson, type Schemas } from "../../api/client";
import { notify } from "../notifications/notify";
import { Phone, type Caller, type PhoneState } from "./phone";

interface Softphone {
  phone: Phone;
  state: PhoneState;
}

const Context = createContext<Phone | null>(null);

function place(c: Caller): string {
  return [c.city, c.state].filter(Boolean).join(", ");
}

/** One phone for the signed-in user, kept while they move between pages. */
export function SoftphoneProvider({ children }: { children: ReactNode }) {
  const [phone] = useState(
    () =>
      new Phone({
        token: async () => (await getJson<Schemas["SoftphoneToken"]>("/api/softphone/token")).token,
        caller: async (from) => {
          const c = await getJson<Schemas["Incoming"]>("/api/softphone/incoming", { from });
          return {
            number: c.from ?? from,
            city: c.city,
            state: c.state,
            queue: c.queue,
            callSid: c.call_sid,
          };
        },
        ringing: (caller) => {
          const where = place(caller);
          const body = where ? `${caller.number} · ${where}` : caller.number;
          notify(i18next.t("notifications.incoming"), body, "incoming");
        },
      }),
  );
  useEffect(() => () => void phone.stop(), [phone]);
  return <Context.Provider value={phone}>{children}</Context.Provider>;
}

export function useSoftphone(): Softphone {
  const phone = useContext(Context);
  if (!phone) throw new Error("useSoftphone outside SoftphoneProvider");
  const state = useSyncExternalStore(phone.subscribe, phone.snapshot);
  return { phone, state };
}

export { place };
