// A supervisor away from the tab hears of what needs them: a missed call, and a queue whose
// longest wait passes the service level. Both come from the queries the live stream refreshes
// (the latest calls, the queues), so nothing polls.
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { useCalls } from "../calls/useCalls";
import { useQueues } from "../queues/useQueues";
import { useCallCenter } from "../../ui/CallCenter";
import { useNow } from "../../ui/useNow";
import { notify } from "./notify";

function useMissedCalls() {
  const { t } = useTranslation();
  const calls = useCalls({ outcome: "missed" }, null, 10);
  const seen = useRef<Set<string> | null>(null);
  useEffect(() => {
    const items = calls.data?.calls;
    if (!items) return;
    if (seen.current === null) {
      seen.current = new Set(items.map((c) => c.call_sid)); // what was missed before: known
      return;
    }
    for (const c of items) {
      if (seen.current.has(c.call_sid)) continue;
      seen.current.add(c.call_sid);
      const number = c.from ?? t("app.none");
      notify(t("notifications.missed"), t("notifications.missedBody", { number }), c.call_sid);
    }
  }, [calls.data, t]);
}

function useLongWaits() {
  const { t } = useTranslation();
  const { session, format } = useCallCenter();
  const serviceLevelSeconds = session.call_center.service_level_seconds;
  const queues = useQueues();
  const now = useNow(5000);
  const over = useRef(new Set<string>());
  useEffect(() => {
    const data = queues.data;
    if (!data) return;
    for (const q of data.view.queues) {
      const wait = q.waiting ? q.longest_wait_seconds + (now - data.fetchedAt) / 1000 : 0;
      if (wait < serviceLevelSeconds) {
        over.current.delete(q.name); // back within the service level: the next breach notifies
        continue;
      }
      if (over.current.has(q.name)) continue;
      over.current.add(q.name);
      notify(
        t("notifications.longWait", { queue: q.name }),
        t("notifications.longWaitBody", { waiting: q.waiting, wait: format.duration(wait) }),
        `wait-${q.name}`,
      );
    }
  }, [queues.data, now, serviceLevelSeconds, format, t]);
}

export function useSupervisorNotifications() {
  useMissedCalls();
  useLongWaits();
}
