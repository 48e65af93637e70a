import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, type CallDetail } from "../../api/client";
import { onLinkClick } from "../../router";
import { Badge } from "../../ui/Badge";
import { useCallCenter } from "../../ui/CallCenter";
import { Empty, Panel, QueryState } from "../../ui/Panel";
import { Direction, Outcome } from "./Outcome";
import { useCall } from "./useCalls";

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function outcomeOf(call: CallDetail["call"]) {
  if (call.answered) return "answered" as const;
  if (call.abandoned) return "abandoned" as const;
  if (call.missed) return "missed" as const;
  return null;
}

function Facts({ detail }: { detail: CallDetail }) {
  const { t } = useTranslation();
  const { format } = useCallCenter();
  const c = detail.call;
  const place = detail.caller?.city
    ? t("call.place", { city: detail.caller.city, state: detail.caller.state ?? "" })
    : t("app.none");
  const yesNo = (b: boolean | null | undefined) =>
    b === null || b === undefined ? t("app.none") : b ? t("call.yes") : t("call.no");
  return (
    <dl className="facts">
      <Fact label={t("calls.started")}>{format.dateTime(c.started_at)}</Fact>
      <Fact label={t("calls.direction")}>
        <Direction direction={c.direction} />
      </Fact>
      <Fact label={t("calls.outcome")}>
        <Outcome outcome={outcomeOf(c)} />
      </Fact>
      <Fact label={t("call.status")}>{c.status ?? t("app.none")}</Fact>
      <Fact label={t("call.caller")}>
        <span className="mono">{c.from_number ?? t("app.none")}</span> · {place}
      </Fact>
      <Fact label={t("calls.queue")}>{c.queue ?? t("app.none")}</Fact>
      <Fact label={t("call.answeredBy")}>{c.agent ?? t("app.none")}</Fact>
      <Fact label={t("calls.wait")}>{format.duration(c.answer_seconds)}</Fact>
      <Fact label={t("call.talk")}>{format.duration(c.talk_seconds)}</Fact>
      <Fact label={t("call.wrapup")}>{format.duration(c.wrapup_seconds)}</Fact>
      <Fact label={t("calls.duration")}>{format.duration(c.duration_seconds)}</Fact>
      <Fact label={t("call.withinSl")}>{yesNo(c.answered_within_threshold)}</Fact>
      <Fact label={t("call.sid")}>
        <span className="mono small">{c.call_sid}</span>
      </Fact>
    </dl>
  );
}

function Recordings({ detail }: { detail: CallDetail }) {
  const { t } = useTranslation();
  const playable = detail.recordings.filter((r) => r.status === "completed");
  if (playable.length === 0) return <Empty>{t("call.noRecordings")}</Empty>;
  return (
    <ul className="recordings">
      {playable.map((r) => {
        const label = t("call.recordingLabel", { sid: r.recording_sid, channels: r.channels ?? 1 });
        return (
          <li key={r.recording_sid}>
            <audio
              controls
              preload="metadata"
              src={`/api/recordings/${r.recording_sid}/media`}
              aria-label={label}
            />
            <span className="muted small">{label}</span>
          </li>
        );
      })}
    </ul>
  );
}

const sourceTone = { call: "info", task: "neutral", recording: "warn" } as const;

function Timeline({ detail }: { detail: CallDetail }) {
  const { t } = useTranslation();
  const { format } = useCallCenter();
  return (
    <ol className="timeline">
      {detail.timeline.map((e, i) => (
        <li key={`${e.at}-${i}`} data-source={e.source}>
          <time dateTime={e.at}>{format.time(e.at)}</time>
          <Badge tone={sourceTone[e.source]}>{t(`call.source.${e.source}`)}</Badge>
          <span className="timeline-type">
            {e.type.replace(/^com\.twilio\.(voice|taskrouter)\./, "")}
          </span>
          {e.who && e.source !== "recording" && <span className="muted">{e.who}</span>}
        </li>
      ))}
    </ol>
  );
}

/** One call: what happened, who took it, the recording to play and every event in order. */
export function CallDetailPage({ sid }: { sid: string }) {
  const { t } = useTranslation();
  const query = useCall(sid);
  const notFound = query.error instanceof ApiError && query.error.status === 404;
  const d = query.data;
  return (
    <div className="stack">
      <a className="back" href="/calls" onClick={onLinkClick}>
        ← {t("call.back")}
      </a>
      {notFound ? (
        <Panel title={sid}>
          <Empty>{t("call.notFound", { sid })}</Empty>
        </Panel>
      ) : (
        <QueryState
          isPending={query.isPending}
          error={query.error}
          retry={() => void query.refetch()}
        />
      )}
      {d && (
        <>
          <Panel
            title={t("call.title", {
              from: d.call.from_number ?? "?",
              to: d.call.to_number ?? "?",
            })}
            id="call"
          >
            <Facts detail={d} />
          </Panel>
          <div className="grid-2">
            <Panel title={t("call.recordings")} id="recordings">
              <Recordings detail={d} />
            </Panel>
            <Panel title={t("call.timeline")} id="timeline">
              <Timeline detail={d} />
            </Panel>
          </div>
        </>
      )}
    </div>
  );
}
