import { useState } from "react";
import { useTranslation } from "react-i18next";
import { AgentsTable } from "./features/agents/AgentsTable";
import { CallsTable } from "./features/calls/CallsTable";
import { useCalls } from "./features/calls/useCalls";
import { KpiCards } from "./features/kpis/KpiCards";
import { TrendsChart } from "./features/kpis/TrendsChart";
import { periods, useKpis, useSeries, type Grain, type Period } from "./features/kpis/useKpis";
import { QueuesView } from "./features/queues/QueuesView";
import { onLinkClick } from "./router";
import { useCallCenter } from "./ui/CallCenter";
import { Empty, Panel, QueryState } from "./ui/Panel";
import { Segmented } from "./ui/Segmented";

function Kpis() {
  const { t } = useTranslation();
  const { format } = useCallCenter();
  const [period, setPeriod] = useState<Period>("today");
  const query = useKpis(period);
  const range =
    query.data && period !== "today"
      ? t("period.range", { from: format.day(query.data.from), to: format.day(query.data.to) })
      : undefined;
  return (
    <Panel
      title={t("kpis.title")}
      id="kpis"
      actions={
        <>
          {range && <span className="muted small">{range}</span>}
          <Segmented
            label={t("period.label")}
            value={period}
            onChange={setPeriod}
            options={periods.map((p) => ({ value: p, label: t(`period.${p}`) }))}
          />
        </>
      }
    >
      <QueryState
        isPending={query.isPending}
        error={query.error}
        retry={() => void query.refetch()}
      />
      {query.data && <KpiCards report={query.data} />}
    </Panel>
  );
}

function Trends() {
  const { t } = useTranslation();
  const [grain, setGrain] = useState<Grain>("hour");
  const query = useSeries(grain);
  return (
    <Panel
      title={t("trends.title")}
      id="trends"
      actions={
        <Segmented
          label={t("trends.title")}
          value={grain}
          onChange={setGrain}
          options={[
            { value: "hour", label: t("trends.hour") },
            { value: "day", label: t("trends.day") },
          ]}
        />
      }
    >
      <QueryState
        isPending={query.isPending}
        error={query.error}
        retry={() => void query.refetch()}
      />
      {query.data && <TrendsChart series={query.data} />}
    </Panel>
  );
}

function RecentCalls() {
  const { t } = useTranslation();
  const query = useCalls({}, null, 10);
  return (
    <Panel
      title={t("calls.recent")}
      id="recent"
      actions={
        <a className="button" href="/calls" onClick={onLinkClick}>
          {t("calls.seeAll")}
        </a>
      }
    >
      <QueryState
        isPending={query.isPending}
        error={query.error}
        retry={() => void query.refetch()}
      />
      {query.data?.calls.length === 0 && <Empty>{t("calls.empty")}</Empty>}
      {query.data && query.data.calls.length > 0 && <CallsTable calls={query.data.calls} compact />}
    </Panel>
  );
}

/** The floor at a glance: supervisors get the figures and the agents; agents the queues. */
export function Dashboard() {
  const { isSupervisor } = useCallCenter();
  if (!isSupervisor)
    return (
      <div className="stack">
        <QueuesView />
        <RecentCalls />
      </div>
    );
  return (
    <div className="stack">
      <Kpis />
      <div className="grid-2 grid-wide-left">
        <QueuesView />
        <Trends />
      </div>
      <div className="grid-2">
        <AgentsTable />
        <RecentCalls />
      </div>
    </div>
  );
}
