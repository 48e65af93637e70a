import { useTranslation } from "react-i18next";
import type { CallSummary } from "../../api/client";
import { Badge } from "../../ui/Badge";

const tone = { answered: "good", missed: "bad", abandoned: "warn" } as const;

export function Outcome({ outcome }: { outcome: CallSummary["outcome"] }) {
  const { t } = useTranslation();
  if (!outcome) return <span className="muted">{t("calls.outcomes.other")}</span>;
  return <Badge tone={tone[outcome]}>{t(`calls.outcomes.${outcome}`)}</Badge>;
}

export function Direction({ direction }: { direction: string | null | undefined }) {
  const { t } = useTranslation();
  if (!direction) return <>{t("app.none")}</>;
  return <>{t(`calls.directions.${direction}`, { defaultValue: direction })}</>;
}
