import { useTranslation } from "react-i18next";
import type { Queue, QueueView } from "../../api/client";
import { Badge } from "../../ui/Badge";
import { useCallCenter } from "../../ui/CallCenter";
import { Empty, Panel, QueryState } from "../../ui/Panel";
import { useNow } from "../../ui/useNow";
import { useQueues } from "./useQueues";

// A wait goes amber past half the service-level threshold and red past it.
function waitTone(seconds: number, threshold: number) {
  if (seconds >= threshold) return "bad" as const;
  if (seconds >= threshold / 2) return "warn" as const;
  return "neutral" as const;
}

function slTone(pct: number | null | undefined) {
  if (pct === null || pct === undefined) return "neutral" as const;
  return pct >= 80 ? ("good" as const) : pct >= 60 ? ("warn" as const) : ("bad" as const);
}

export function Floor({ agents }: { agents: QueueView["agents"] }) {
  const { t } = useTranslation();
  const { format } = useCallCenter();
  return (
    <ul className="floor" aria-label={t("queues.agentsLabel")}>
      <li className="floor-available">
        <strong>{format.number(agents.available)}</strong> {t("queues.agentsAvailable")}
      </li>
      <li className="floor-unavailable">
        <strong>{format.number(agents.unavailable)}</strong> {t("queues.agentsUnavailable")}
      </li>
      <li className="floor-offline">
        <strong>{format.number(agents.offline)}</strong> {t("queues.agentsOffline")}
      </li>
    </ul>
  );
}

/** A queue now: its wait counts up from the server's figure between changes. */
function QueueRow({ queue: q, elapsed }: { queue: Queue; elapsed: number }) {
  const { t } = useTranslation();
  const { format, session } = useCallCenter();
  const wait = q.waiting > 0 ? q.longest_wait_seconds + elapsed : 0;
  return (
    <tr data-queue={q.name}>
      <th scope="row">{q.name}</th>
      <td className="num">
        {q.waiting > 0 ? (
          <Badge tone={waitTone(wait, session.call_center.service_level_seconds)}>
            {format.number(q.waiting)}
          </Badge>
        ) : (
          "0"
        )}
      </td>
      <td className="num" data-field="longest_wait">
        {q.waiting > 0 ? format.duration(wait) : t("app.none")}
      </td>
      <td className="num">{format.number(q.offered_today)}</td>
      <td className="num">{format.number(q.answered_today)}</td>
      <td className="num">{format.number(q.abandoned_today)}</td>
      <td className="num">{format.duration(q.avg_speed_of_answer_seconds_today)}</td>
      <td className="num">
        <Badge tone={slTone(q.service_level_pct_today)}>
          {format.percent(q.service_level_pct_today)}
        </Badge>
      </td>
    </tr>
  );
}

/** Flex's real-time queues view: what is waiting now and how today went, per queue. */
export function QueuesView() {
  const { t } = useTranslation();
  const query = useQueues();
  const now = useNow(1000);
  const data = query.data;
  // Waits keep counting between changes: the server's figure plus the time since it was read.
  const elapsed = data ? Math.max(0, Math.floor((now - data.fetchedAt) / 1000)) : 0;

  return (
    <Panel
      title={t("queues.title")}
      id="queues"
      actions={data && <Floor agents={data.view.agents} />}
    >
      <QueryState
        isPending={query.isPending}
        error={query.error}
        retry={() => void query.refetch()}
      />
      {data && data.view.queues.length === 0 && <Empty>{t("queues.empty")}</Empty>}
      {data && data.view.queues.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t("queues.queue")}</th>
                <th scope="col" className="num">
                  {t("queues.waiting")}
                </th>
                <th scope="col" className="num">
                  {t("queues.longestWait")}
                </th>
                <th scope="col" className="num">
                  {t("queues.offered")}
                </th>
                <th scope="col" className="num">
                  {t("queues.answered")}
                </th>
                <th scope="col" className="num">
                  {t("queues.abandoned")}
                </th>
                <th scope="col" className="num">
                  {t("queues.asa")}
                </th>
                <th scope="col" className="num">
                  {t("queues.serviceLevel")}
                </th>
              </tr>
            </thead>
            <tbody>
              {data.view.queues.map((q) => (
                <QueueRow key={q.name} queue={q} elapsed={elapsed} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
