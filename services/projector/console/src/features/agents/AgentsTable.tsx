import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { getJson, type Agent } from "../../api/client";
import { Badge } from "../../ui/Badge";
import { useCallCenter } from "../../ui/CallCenter";
import { Empty, Panel, QueryState } from "../../ui/Panel";
import { useNow } from "../../ui/useNow";

export function useAgents(enabled = true) {
  return useQuery({
    queryKey: ["agents"],
    queryFn: ({ signal }) => getJson<Agent[]>("/api/agents", undefined, signal),
    placeholderData: keepPreviousData,
    enabled,
  });
}

const stateTone = { available: "good", unavailable: "warn", offline: "neutral" } as const;

/** Who is on the floor, in which activity and for how long; today's calls and handle time. */
export function AgentsTable() {
  const { t } = useTranslation();
  const { format } = useCallCenter();
  const query = useAgents();
  const now = useNow(1000);
  return (
    <Panel title={t("agents.title")} id="agents">
      <QueryState
        isPending={query.isPending}
        error={query.error}
        retry={() => void query.refetch()}
      />
      {query.data?.length === 0 && <Empty>{t("agents.empty")}</Empty>}
      {query.data && query.data.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t("agents.agent")}</th>
                <th scope="col">{t("agents.activity")}</th>
                <th scope="col" className="num">
                  {t("agents.since")}
                </th>
                <th scope="col" className="num">
                  {t("agents.callsToday")}
                </th>
                <th scope="col" className="num">
                  {t("agents.aht")}
                </th>
              </tr>
            </thead>
            <tbody>
              {query.data.map((a) => (
                <tr key={a.name} data-agent={a.name}>
                  <th scope="row">{a.name}</th>
                  <td>
                    <Badge tone={stateTone[a.state]}>
                      {a.activity ?? t(`agents.state.${a.state}`)}
                    </Badge>
                  </td>
                  <td className="num">
                    {a.since ? format.duration((now - Date.parse(a.since)) / 1000) : t("app.none")}
                  </td>
                  <td className="num">{format.number(a.calls_today)}</td>
                  <td className="num">{format.duration(a.avg_handle_seconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
