import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useCallCenter } from "../../ui/CallCenter";
import { useAgents } from "../agents/AgentsTable";
import { useQueues } from "../queues/useQueues";
import { digits, type CallFilters } from "./filters";

function Choice({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string | undefined;
  options: { value: string; label: string }[];
  onChange: (v: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <label className="field field-inline">
      <span>{label}</span>
      <select value={value ?? ""} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t("calls.filters.any")}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The filters of the calls list; applied together, so a half-typed number fetches nothing. */
export function CallFiltersForm({
  filters,
  onApply,
}: {
  filters: CallFilters;
  onApply: (f: CallFilters) => void;
}) {
  const { t } = useTranslation();
  const { isSupervisor } = useCallCenter();
  const [draft, setDraft] = useState<CallFilters>(filters);
  const agents = useAgents(isSupervisor);
  const queues = useQueues();
  const set = (k: keyof CallFilters) => (v: string) =>
    setDraft((d) => ({ ...d, [k]: v || undefined }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply({ ...draft, number: draft.number ? digits(draft.number) || undefined : undefined });
  };
  const names = (xs: { name: string }[] | undefined) =>
    (xs ?? []).map((x) => ({ value: x.name, label: x.name }));

  return (
    <form className="filters" onSubmit={submit} aria-label={t("calls.filters.title")}>
      <label className="field field-inline">
        <span>{t("calls.filters.fromDay")}</span>
        <input type="date" value={draft.from ?? ""} onChange={(e) => set("from")(e.target.value)} />
      </label>
      <label className="field field-inline">
        <span>{t("calls.filters.toDay")}</span>
        <input type="date" value={draft.to ?? ""} onChange={(e) => set("to")(e.target.value)} />
      </label>
      <Choice
        label={t("calls.direction")}
        value={draft.direction}
        onChange={set("direction")}
        options={["inbound", "outbound-api", "outbound-dial"].map((d) => ({
          value: d,
          label: t(`calls.directions.${d}`),
        }))}
      />
      <Choice
        label={t("calls.outcome")}
        value={draft.outcome}
        onChange={set("outcome")}
        options={["answered", "missed", "abandoned"].map((o) => ({
          value: o,
          label: t(`calls.outcomes.${o}`),
        }))}
      />
      <Choice
        label={t("calls.queue")}
        value={draft.queue}
        onChange={set("queue")}
        options={names(queues.data?.view.queues)}
      />
      {isSupervisor && (
        <Choice
          label={t("calls.agent")}
          value={draft.agent}
          onChange={set("agent")}
          options={names(agents.data)}
        />
      )}
      <label className="field field-inline">
        <span>{t("calls.filters.number")}</span>
        <input
          type="search"
          inputMode="tel"
          value={draft.number ?? ""}
          onChange={(e) => set("number")(e.target.value)}
          placeholder="305"
        />
      </label>
      <div className="filters-actions">
        <button type="submit" className="button button-primary">
          {t("calls.filters.apply")}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => {
            setDraft({});
            onApply({});
          }}
        >
          {t("calls.filters.clear")}
        </button>
      </div>
    </form>
  );
}
