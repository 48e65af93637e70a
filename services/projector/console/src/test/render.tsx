import type { ReactElement } from "react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import i18n from "../i18n";
import type { Session } from "../api/client";
import { CallCenterProvider } from "../ui/CallCenter";

export const supervisor: Session = {
  user: { name: "sam", display_name: "Sam", role: "supervisor" },
  csrf_token: "t",
  call_center: { time_zone: "America/New_York", service_level_seconds: 30 },
};

/** Renders a component as the console does: i18n, a query cache and a signed-in user. */
export function renderSignedIn(ui: ReactElement, session: Session = supervisor, language = "en") {
  void i18n.changeLanguage(language);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <CallCenterProvider session={session}>{ui}</CallCenterProvider>
    </QueryClientProvider>,
  );
}
