import { useTranslation } from "react-i18next";
import type { CallSummary } from "../../api/client";
import { onLinkClick } from "../../router";
import { useCallCenter } from "../../ui/CallCenter";
import { Direction, Outcome } from "./Outcome";

/** Calls, newest first; each row opens the call. */
export function CallsTable({
  calls,
  compact = false,
}: {
  calls: CallSummary[];
  compact?: boolean;
}) {
  const { t } = useTranslation();
  const { format } = useCallCenter();
  return (
    <div className="table-wrap">
      <table className="table table-calls">
        <thead>
          <tr>
            <th scope="col">{t("calls.started")}</th>
            {!compact && <th scope="col">{t("calls.direction")}</th>}
            <th scope="col">{t("calls.from")}</th>
            {!compact && <th scope="col">{t("calls.to")}</th>}
            <th scope="col">{t("calls.outcome")}</th>
            <th scope="col">{t("calls.queue")}</th>
            <th scope="col">{t("calls.agent")}</th>
            {!compact && (
              <th scope="col" className="num">
                {t("calls.wait")}
              </th>
            )}
            <th scope="col" className="num">
              {t("calls.duration")}
            </th>
            <th scope="col">
              <span className="visually-hidden">{t("calls.recording")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {calls.map((c) => (
            <tr key={c.call_sid} data-call={c.call_sid}>
              <td>
                <a
                  href={`/calls/${c.call_sid}`}
                  onClick={onLinkClick}
                  aria-label={t("calls.open", { number: c.from ?? c.call_sid })}
                >
                  {format.dateTime(c.started_at)}
                </a>
              </td>
              {!compact && (
                <td>
                  <Direction direction={c.direction} />
                </td>
              )}
              <td className="mono">{c.from ?? t("app.none")}</td>
              {!compact && <td className="mono">{c.to ?? t("app.none")}</td>}
              <td>
                <Outcome outcome={c.outcome} />
              </td>
              <td>{c.queue ?? t("app.none")}</td>
              <td>{c.agent ?? t("app.none")}</td>
              {!compact && <td className="num">{format.duration(c.answer_seconds)}</td>}
              <td className="num">{format.duration(c.duration_seconds)}</td>
              <td>
                {c.recording_sid && (
                  <span
                    className="recorded"
                    role="img"
                    title={t("calls.hasRecording")}
                    aria-label={t("calls.hasRecording")}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
