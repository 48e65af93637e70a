import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Badge } from "../../ui/Badge";
import { useNow } from "../../ui/useNow";
import { useCallbacks } from "../calls/useCalls";
import { ActivityPicker } from "./ActivityPicker";
import { clock, toDialable } from "./number";
import type { AudioChoice, CallState } from "./phone";
import { place, useSoftphone } from "./SoftphoneProvider";

const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];

function Keypad() {
  const { t } = useTranslation();
  const { phone, state } = useSoftphone();
  return (
    <div className="keypad" role="group" aria-label={t("phone.keypad")}>
      {keys.map((k) => (
        <button key={k} type="button" className="button key" onClick={() => phone.press(k)}>
          {k}
        </button>
      ))}
      {state.call?.digits && (
        <p className="muted small keypad-sent" aria-live="polite">
          {t("phone.sent", { digits: state.call.digits })}
        </p>
      )}
    </div>
  );
}

function Timer({ since }: { since: number }) {
  const { t } = useTranslation();
  const now = useNow(1000);
  return (
    <span className="phone-timer" aria-label={t("phone.duration")} data-timer>
      {clock((now - since) / 1000)}
    </span>
  );
}

function CallerCard({ call }: { call: CallState }) {
  const { t } = useTranslation();
  const where = place(call.caller);
  return (
    <div className="phone-caller">
      <strong className="phone-number" data-caller>
        {call.caller.number}
      </strong>
      {where && <span className="muted">{t("phone.from", { place: where })}</span>}
      {call.caller.queue && (
        <span className="muted small">{t("phone.queue", { queue: call.caller.queue })}</span>
      )}
    </div>
  );
}

function OnCall({ call }: { call: CallState }) {
  const { t } = useTranslation();
  const { phone } = useSoftphone();
  const heading =
    call.phase === "ringing"
      ? t("phone.incoming")
      : call.phase === "connecting"
        ? t("phone.calling", { number: call.caller.number })
        : t("phone.onCall");
  return (
    <div className={`phone-call phone-call-${call.phase}`} data-phase={call.phase}>
      <h3 className="phone-call-title">
        {heading}
        {call.answeredAt && <Timer since={call.answeredAt} />}
      </h3>
      <CallerCard call={call} />
      <div className="phone-actions">
        {call.phase === "ringing" ? (
          <>
            <button type="button" className="button button-good" onClick={() => phone.accept()}>
              {t("phone.accept")}
            </button>
            <button type="button" className="button button-bad" onClick={() => phone.reject()}>
              {t("phone.reject")}
            </button>
          </>
        ) : (
          <>
            {call.phase === "open" && (
              <button
                type="button"
                className="button"
                aria-pressed={call.muted}
                onClick={() => phone.toggleMute()}
              >
                {call.muted ? t("phone.unmute") : t("phone.mute")}
              </button>
            )}
            <button type="button" className="button button-bad" onClick={() => phone.hangUp()}>
              {t("phone.hangUp")}
            </button>
          </>
        )}
      </div>
      {call.phase === "open" && <Keypad />}
    </div>
  );
}

function Dialer() {
  const { t } = useTranslation();
  const { phone } = useSoftphone();
  const callbacks = useCallbacks();
  const [typed, setTyped] = useState("");
  const [invalid, setInvalid] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const number = toDialable(typed);
    setInvalid(!number);
    if (number) void phone.dial(number);
  };
  return (
    <form className="phone-dialer" onSubmit={submit} noValidate>
      <label className="field">
        <span>{t("phone.number")}</span>
        <input
          type="tel"
          list="phone-callbacks"
          autoComplete="off"
          value={typed}
          aria-invalid={invalid}
          aria-describedby="phone-number-hint"
          onChange={(e) => setTyped(e.target.value)}
        />
      </label>
      <datalist id="phone-callbacks">
        {(callbacks.data ?? []).map((c) => (
          <option key={c.call_sid} value={c.number} />
        ))}
      </datalist>
      <p id="phone-number-hint" className={invalid ? "notice notice-error" : "muted small"}>
        {invalid ? t("phone.invalidNumber") : t("phone.numberHint")}
      </p>
      <button type="submit" className="button button-good">
        {t("phone.call")}
      </button>
    </form>
  );
}

function DeviceSelect({
  label,
  value,
  choices,
  onChange,
}: {
  label: string;
  value: string | null;
  choices: AudioChoice[];
  onChange: (id: string) => Promise<void>;
}) {
  const { t } = useTranslation();
  return (
    <label className="field">
      <span>{label}</span>
      <select value={value ?? ""} onChange={(e) => void onChange(e.target.value)}>
        {!value && <option value="">{t("phone.defaultDevice")}</option>}
        {choices.map((d) => (
          <option key={d.id} value={d.id}>
            {d.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function AudioDevices() {
  const { t } = useTranslation();
  const { phone, state } = useSoftphone();
  if (state.inputs.length === 0 && state.outputs.length === 0) return null;
  return (
    <details className="phone-audio">
      <summary>{t("phone.audio")}</summary>
      <DeviceSelect
        label={t("phone.microphone")}
        value={state.input}
        choices={state.inputs}
        onChange={(id) => phone.chooseInput(id)}
      />
      {state.outputs.length > 0 && (
        <DeviceSelect
          label={t("phone.speaker")}
          value={state.output}
          choices={state.outputs}
          onChange={(id) => phone.chooseOutput(id)}
        />
      )}
    </details>
  );
}

/** The agent's phone, docked beside every page. */
export function Softphone() {
  const { t } = useTranslation();
  const { phone, state } = useSoftphone();
  const on = state.status !== "off";
  return (
    <aside
      className="panel phone"
      aria-labelledby="phone-title"
      id="softphone"
      data-status={state.status}
    >
      <header className="panel-header">
        <h2 id="phone-title">{t("phone.title")}</h2>
        {state.status === "ready" && <Badge tone="good">{t("phone.ready")}</Badge>}
        {state.status === "offline" && <Badge tone="bad">{t("phone.offline")}</Badge>}
        {on && (
          <button type="button" className="button button-small" onClick={() => void phone.stop()}>
            {t("phone.turnOff")}
          </button>
        )}
      </header>
      {!on && (
        <>
          <p className="muted">{t("phone.intro")}</p>
          <button
            type="button"
            className="button button-primary"
            onClick={() => void phone.start()}
          >
            {t("phone.turnOn")}
          </button>
        </>
      )}
      {state.status === "starting" && <p role="status">{t("phone.starting")}</p>}
      {state.error && (
        <p className="notice notice-error" role="alert">
          {state.status === "offline"
            ? t("phone.offlineWhy", { message: state.error })
            : t("phone.callFailed", { message: state.error })}
        </p>
      )}
      {on && state.status !== "starting" && (
        <>
          <ActivityPicker />
          {state.call ? <OnCall call={state.call} /> : state.status === "ready" && <Dialer />}
          <AudioDevices />
        </>
      )}
    </aside>
  );
}
