import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ApiError, send, type Callback } from "../../api/client";
import { Badge } from "../../ui/Badge";
import { useCallCenter } from "../../ui/CallCenter";
import { Empty, Panel, QueryState } from "../../ui/Panel";
import { useAgents } from "../agents/AgentsTable";
import { useCallbacks } from "./useCalls";

type Outcome = { tone: "good" | "bad"; text: string };

function useCallBack(onDone: (o: Outcome) => void) {
  const { t } = useTranslation();
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ callback, agent }: { callback: Callback; agent?: string }) =>
      send<{ call_sid?: string }>(
        "POST",
        `/api/calls/${callback.call_sid}/callback`,
        agent ? { agent } : {},
      ),
    onSuccess: (_r, { callback }) => {
      onDone({ tone: "good", text: t("callbacks.placed", { number: callback.number }) });
      void client.invalidateQueries({ queryKey: ["callbacks"] });
    },
    onError: (e, { callback }) => {
      const optedOut = e instanceof ApiError && e.code === "opted_out";
      onDone({
        tone: "bad",
        text: optedOut
          ? t("callbacks.optedOut", { number: callback.number })
          : t("callbacks.failed", { message: e.message }),
      });
    },
  });
}

/** A supervisor picks who calls back (available agents first); an agent calls as themselves. */
function AgentPicker({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const { t } = useTranslation();
  const agents = useAgents();
  const sorted = [...(agents.data ?? [])].sort(
    (a, b) => Number(b.state === "available") - Number(a.state === "available"),
  );
  return (
    <label className="field field-inline">
      <span>{t("callbacks.agent")}</span>
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t("callbacks.pickAgent")}</option>
        {sorted.map((a) => (
          <option key={a.name} value={a.name}>
            {a.name} · {t(`agents.state.${a.state}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** One number waiting for a call back, with its button. */
function CallbackRow({
  callback,
  state,
  onCall,
}: {
  callback: Callback;
  state: "ready" | "needs-agent" | "busy" | "calling";
  onCall: () => void;
}) {
  const { t } = useTranslation();
  const { format } = useCallCenter();
  return (
    <tr data-callback={callback.number}>
      <th scope="row" className="mono">
        {callback.number}
      </th>
      <td>{format.dateTime(callback.missed_at)}</td>
      <td>{callback.queue ?? t("app.none")}</td>
      <td>
        <Badge tone={callback.abandoned ? "warn" : "bad"}>
          {callback.abandoned ? t("callbacks.abandoned") : t("callbacks.missed")}
        </Badge>
      </td>
      <td className="num">
        <button
          type="button"
          className="button button-primary button-small"
          disabled={state !== "ready"}
          title={state === "needs-agent" ? t("callbacks.pickAgent") : undefined}
          onClick={onCall}
        >
          {state === "calling" ? t("callbacks.calling") : t("callbacks.callBack")}
        </button>
      </td>
    </tr>
  );
}

function CallbacksTable({ callbacks, agent }: { callbacks: Callback[]; agent: string }) {
  const { t } = useTranslation();
  const { isSupervisor } = useCallCenter();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const callBack = useCallBack(setOutcome);
  const state = (c: Callback) => {
    if (callBack.isPending)
      return callBack.variables?.callback.call_sid === c.call_sid ? "calling" : "busy";
    return isSupervisor && agent === "" ? "needs-agent" : "ready";
  };
  return (
    <>
      {outcome && (
        <p
          className={`notice ${outcome.tone === "bad" ? "notice-error" : "notice-good"}`}
          role="status"
        >
          {outcome.text}
        </p>
      )}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t("callbacks.number")}</th>
              <th scope="col">{t("callbacks.missedAt")}</th>
              <th scope="col">{t("callbacks.queue")}</th>
              <th scope="col">{t("callbacks.kind")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("callbacks.callBack")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {callbacks.map((c) => (
              <CallbackRow
                key={c.call_sid}
                callback={c}
                state={state(c)}
                onCall={() =>
                  callBack.mutate({ callback: c, agent: isSupervisor ? agent : undefined })
                }
              />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Who is waiting for a call back; a supervisor picks the agent who calls. */
export function CallbacksPage() {
  const { t } = useTranslation();
  const { isSupervisor } = useCallCenter();
  const query = useCallbacks();
  const [agent, setAgent] = useState("");
  return (
    <Panel
      title={t("callbacks.title")}
      id="callbacks"
      actions={isSupervisor && <AgentPicker value={agent} onChange={setAgent} />}
    >
      <p className="muted">{t("callbacks.intro")}</p>
      <QueryState
        isPending={query.isPending}
        error={query.error}
        retry={() => void query.refetch()}
      />
      {query.data?.length === 0 && <Empty>{t("callbacks.empty")}</Empty>}
      {query.data && query.data.length > 0 && (
        <CallbacksTable callbacks={query.data} agent={agent} />
      )}
    </Panel>
  );
}
