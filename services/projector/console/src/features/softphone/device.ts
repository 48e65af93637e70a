// The one seam between the console and Twilio's Voice JavaScript SDK. The softphone speaks to
// these few interfaces (the parts of the SDK's Device and Call it uses); createDevice loads the
// SDK (its own chunk, fetched only when an agent turns the phone on) and builds the Device.
// A browser test puts a double in its place by defining window.callstreamDeviceFactory before
// the page loads: the real SDK cannot reach Twilio there.

export type Handler = (...args: never[]) => void;

export interface PhoneCall {
  readonly parameters: Record<string, string>;
  readonly customParameters?: Map<string, string>;
  accept(): void;
  reject(): void;
  disconnect(): void;
  ignore?(): void;
  mute(muted: boolean): void;
  isMuted(): boolean;
  sendDigits(digits: string): void;
  on(event: string, handler: Handler): unknown;
}

export interface PhoneAudio {
  readonly availableInputDevices: Map<string, MediaDeviceInfo>;
  readonly availableOutputDevices: Map<string, MediaDeviceInfo>;
  readonly isOutputSelectionSupported: boolean;
  readonly inputDevice: MediaDeviceInfo | null;
  setInputDevice(id: string): Promise<void>;
  speakerDevices: { set(ids: string | string[]): Promise<void>; get(): Set<MediaDeviceInfo> };
  on(event: string, handler: Handler): unknown;
}

export interface PhoneDevice {
  readonly audio: PhoneAudio | null;
  register(): Promise<void>;
  unregister(): Promise<void>;
  connect(options: { params: Record<string, string> }): Promise<PhoneCall>;
  updateToken(token: string): void;
  destroy(): void;
  on(event: string, handler: Handler): unknown;
}

export interface DeviceOptions {
  sounds: Record<string, string>;
  closeProtection: boolean;
  codecPreferences: string[];
  tokenRefreshMs: number;
  appName: string;
}

export type DeviceFactory = (token: string, options: DeviceOptions) => Promise<PhoneDevice>;

declare global {
  interface Window {
    callstreamDeviceFactory?: DeviceFactory;
  }
}

const soundNames = ["incoming", "outgoing", "disconnect"].concat(
  ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "s", "h"].map((k) => `dtmf${k}`),
);

/** Every sound from the console (scripts/sounds.mjs made them), none from Twilio's CDN. */
export function deviceOptions(): DeviceOptions {
  return {
    sounds: Object.fromEntries(soundNames.map((n) => [n, `/sounds/${n}.wav`])),
    closeProtection: true, // leaving the page mid-call asks first
    codecPreferences: ["opus", "pcmu"],
    tokenRefreshMs: 60_000, // tokenWillExpire a minute before the token lapses
    appName: "callstream-console",
  };
}

export async function createDevice(token: string): Promise<PhoneDevice> {
  const options = deviceOptions();
  if (window.callstreamDeviceFactory) return window.callstreamDeviceFactory(token, options);
  const { Device } = await import("@twilio/voice-sdk");
  return new Device(token, options as never) as unknown as PhoneDevice;
}
