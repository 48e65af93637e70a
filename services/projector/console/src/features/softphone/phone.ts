// The softphone's state, outside React: one Device for the signed-in user, at most one call at a
// time. React reads it through useSyncExternalStore (useSoftphone.ts); tests drive it directly.
import { createDevice, type PhoneCall, type PhoneDevice } from "./device";

export type PhoneStatus = "off" | "starting" | "ready" | "offline";

export interface Caller {
  number: string;
  city?: string | null;
  state?: string | null;
  queue?: string | null;
  callSid?: string | null;
}

export interface CallState {
  direction: "incoming" | "outgoing";
  phase: "ringing" | "connecting" | "open";
  caller: Caller;
  answeredAt: number | null; // Date.now() when the call was connected
  muted: boolean;
  digits: string;
}

export interface AudioChoice {
  id: string;
  label: string;
}

export interface PhoneState {
  status: PhoneStatus;
  error: string | null; // why the phone is offline or the last action failed
  call: CallState | null;
  inputs: AudioChoice[];
  outputs: AudioChoice[]; // empty when the browser cannot choose the speaker
  input: string | null;
  output: string | null;
}

export interface PhoneDeps {
  /** A fresh access token for the signed-in user (GET /api/softphone/token). */
  token(): Promise<string>;
  /** Who is calling: the console's read models, from the SDK's From. */
  caller(from: string): Promise<Caller | null>;
  /** An incoming call while the page is hidden: a desktop notification. */
  ringing(caller: Caller): void;
  create?: (token: string) => Promise<PhoneDevice>;
}

const initial: PhoneState = {
  status: "off",
  error: null,
  call: null,
  inputs: [],
  outputs: [],
  input: null,
  output: null,
};

function choices(devices: Map<string, MediaDeviceInfo> | undefined): AudioChoice[] {
  return [...(devices?.values() ?? [])].map((d, i) => ({
    id: d.deviceId,
    label: d.label || `${d.kind} ${i + 1}`,
  }));
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class Phone {
  private state: PhoneState = initial;
  private listeners = new Set<() => void>();
  private device: PhoneDevice | null = null;
  private active: PhoneCall | null = null;

  constructor(private readonly deps: PhoneDeps) {}

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };
  snapshot = (): PhoneState => this.state;

  private set(change: Partial<PhoneState>) {
    this.state = { ...this.state, ...change };
    this.listeners.forEach((l) => l());
  }
  private setCall(change: Partial<CallState> | null) {
    this.set({ call: change && this.state.call ? { ...this.state.call, ...change } : null });
  }

  /** Called from a click: browsers play audio only after a user gesture. */
  async start() {
    if (this.device || this.state.status === "starting") return;
    this.set({ status: "starting", error: null });
    try {
      const device = await (this.deps.create ?? createDevice)(await this.deps.token());
      this.device = device;
      device.on("registered", () => this.set({ status: "ready", error: null }));
      device.on("unregistered", () => this.set({ status: "offline" }));
      device.on("error", (e: { message?: string }) =>
        this.set({ error: e?.message ?? "error", status: this.active ? "ready" : "offline" }),
      );
      device.on("incoming", (call: PhoneCall) => void this.incoming(call));
      device.on("tokenWillExpire", () => void this.refreshToken());
      device.audio?.on("deviceChange", () => this.readAudio());
      this.readAudio();
      await device.register();
    } catch (e) {
      this.set({ status: "offline", error: message(e) });
    }
  }

  async stop() {
    const device = this.device;
    this.device = null;
    this.active = null;
    device?.destroy();
    this.set(initial);
  }

  private async refreshToken() {
    try {
      this.device?.updateToken(await this.deps.token());
    } catch (e) {
      this.set({ error: message(e) });
    }
  }

  private readAudio() {
    const audio = this.device?.audio;
    if (!audio) return;
    const speakers = [...audio.speakerDevices.get()];
    this.set({
      inputs: choices(audio.availableInputDevices),
      outputs: audio.isOutputSelectionSupported ? choices(audio.availableOutputDevices) : [],
      input: audio.inputDevice?.deviceId ?? this.state.input,
      output: speakers[0]?.deviceId ?? this.state.output,
    });
  }

  async chooseInput(id: string) {
    await this.device?.audio?.setInputDevice(id);
    this.set({ input: id });
  }
  async chooseOutput(id: string) {
    await this.device?.audio?.speakerDevices.set(id);
    this.set({ output: id });
  }

  private async incoming(call: PhoneCall) {
    if (this.active) return call.reject(); // one call at a time: TaskRouter offers it elsewhere
    const from = call.parameters.From ?? "";
    const custom = call.customParameters;
    this.track(call, "incoming", {
      number: custom?.get("caller") ?? from,
      city: custom?.get("caller_city") ?? null,
      state: custom?.get("caller_state") ?? null,
    });
    const known = await this.deps.caller(from).catch(() => null);
    if (this.active !== call || !this.state.call) return; // gone while we asked
    const caller = { ...this.state.call.caller, ...(known ?? {}) };
    this.setCall({ caller });
    this.deps.ringing(caller);
  }

  private track(call: PhoneCall, direction: CallState["direction"], caller: Caller) {
    this.active = call;
    const phase = direction === "incoming" ? "ringing" : "connecting";
    this.set({
      call: { direction, phase, caller, answeredAt: null, muted: false, digits: "" },
      error: null,
    });
    const ended = () => {
      if (this.active !== call) return;
      this.active = null;
      this.setCall(null);
    };
    call.on("accept", () => this.setCall({ phase: "open", answeredAt: Date.now() }));
    call.on("mute", (muted: boolean) => this.setCall({ muted }));
    for (const event of ["disconnect", "cancel", "reject"]) call.on(event, ended);
    call.on("error", (e: { message?: string }) => {
      ended();
      this.set({ error: e?.message ?? "call failed" });
    });
  }

  /** An outbound call: /client_voice checks the number and picks the caller id. */
  async dial(number: string) {
    if (!this.device || this.active) return;
    try {
      const call = await this.device.connect({ params: { To: number } });
      this.track(call, "outgoing", { number });
    } catch (e) {
      this.set({ error: message(e) });
    }
  }

  accept() {
    this.active?.accept();
  }
  reject() {
    const call = this.active;
    if (!call) return;
    call.reject();
    this.active = null;
    this.setCall(null);
  }
  hangUp() {
    this.active?.disconnect();
  }
  toggleMute() {
    const call = this.active;
    if (!call) return;
    call.mute(!call.isMuted());
    this.setCall({ muted: call.isMuted() });
  }
  press(digit: string) {
    const call = this.active;
    if (!call || this.state.call?.phase !== "open") return;
    call.sendDigits(digit);
    this.setCall({ digits: (this.state.call?.digits ?? "") + digit });
  }
}
