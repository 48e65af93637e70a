import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import type { KpiReport } from "../../api/client";
import { useCallCenter } from "../../ui/CallCenter";
import type { Formatter } from "../../ui/format";
import type { Tone } from "../../ui/Badge";

interface Card {
  id: string;
  label: string;
  value: string;
  hint?: string;
  tone?: Tone;
}

function share(part: number, whole: number): number | null {
  return whole > 0 ? (100 * part) / whole : null;
}

export function kpiCards(report: KpiReport, t: TFunction, f: Formatter, slSeconds: number): Card[] {
  const k = report.kpis;
  const of = (n: number) => {
    const p = share(n, k.calls);
    return p === null ? undefined : t("kpis.ofCalls", { pct: f.percent(p) });
  };
  const sl = k.service_level_pct ?? null;
  return [
    { id: "calls", label: t("kpis.calls"), value: f.number(k.calls) },
    {
      id: "answered",
      label: t("kpis.answered"),
      value: f.number(k.answered),
      hint: of(k.answered),
      tone: "good",
    },
    {
      id: "missed",
      label: t("kpis.missed"),
      value: f.number(k.missed),
      hint: of(k.missed),
      tone: k.missed > 0 ? "bad" : undefined,
    },
    {
      id: "abandoned",
      label: t("kpis.abandoned"),
      value: f.number(k.abandoned),
      hint: of(k.abandoned),
      tone: k.abandoned > 0 ? "warn" : undefined,
    },
    { id: "avg_duration", label: t("kpis.avgDuration"), value: f.duration(k.avg_duration_seconds) },
    { id: "asa", label: t("kpis.asa"), value: f.duration(k.avg_speed_of_answer_seconds) },
    { id: "aht", label: t("kpis.aht"), value: f.duration(k.avg_handle_seconds) },
    {
      id: "service_level",
      label: t("kpis.serviceLevel"),
      value: f.percent(sl),
      hint: t("kpis.serviceLevelHint", { seconds: slSeconds }),
      tone: sl === null ? undefined : sl >= 80 ? "good" : sl >= 60 ? "warn" : "bad",
    },
  ];
}

export function KpiCards({ report }: { report: KpiReport }) {
  const { t } = useTranslation();
  const { format, session } = useCallCenter();
  const cards = kpiCards(report, t, format, session.call_center.service_level_seconds);
  return (
    <ul className="kpis" aria-label={t("kpis.title")}>
      {cards.map((c) => (
        <li key={c.id} className={`kpi ${c.tone ? `kpi-${c.tone}` : ""}`} data-kpi={c.id}>
          <span className="kpi-label" title={c.label}>
            {c.label}
          </span>
          <span className="kpi-value">{c.value}</span>
          {c.hint && <span className="kpi-hint">{c.hint}</span>}
        </li>
      ))}
    </ul>
  );
}
