import type { Handler, PhoneCall, PhoneDevice } from "./device";
import { Phone, type Caller } from "./phone";

class Emitter {
  handlers = new Map<string, Handler[]>();
  on(event: string, handler: Handler) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
  }
  emit(event: string, ...args: unknown[]) {
    for (const h of this.handlers.get(event) ?? []) (h as (...a: unknown[]) => void)(...args);
  }
}

class FakeCall extends Emitter implements PhoneCall {
  muted = false;
  sent: string[] = [];
  rejected = false;
  constructor(readonly parameters: Record<string, string>) {
    super();
  }
  accept() {
    this.emit("accept");
  }
  reject() {
    this.rejected = true;
  }
  disconnect() {
    this.emit("disconnect");
  }
  mute(m: boolean) {
    this.muted = m;
  }
  isMuted() {
    return this.muted;
  }
  sendDigits(d: string) {
    this.sent.push(d);
  }
}

class FakeDevice extends Emitter {
  audio = null;
  tokens: string[] = [];
  register = () => Promise.resolve(this.emit("registered"));
  unregister = () => Promise.resolve();
  connect = (o: { params: Record<string, string> }) => Promise.resolve(new FakeCall(o.params));
  updateToken = (t: string) => void this.tokens.push(t);
  destroy = () => undefined;
}

function setUp(caller: Caller | null = null) {
  const device = new FakeDevice();
  const rung: Caller[] = [];
  let n = 0;
  const phone = new Phone({
    token: () => Promise.resolve(`token-${++n}`),
    caller: () => Promise.resolve(caller),
    ringing: (c) => rung.push(c),
    create: () => Promise.resolve(device as unknown as PhoneDevice),
  });
  return { phone, device, rung };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe("the softphone", () => {
  it("registers once turned on and refreshes its token before it lapses", async () => {
    const { phone, device } = setUp();
    await phone.start();
    expect(phone.snapshot().status).toBe("ready");
    device.emit("tokenWillExpire");
    await settle();
    expect(device.tokens).toEqual(["token-2"]);
  });

  it("shows who is calling from the read models, then notifies", async () => {
    const { phone, device, rung } = setUp({
      number: "+13055550100",
      city: "MIAMI",
      queue: "Sales",
    });
    await phone.start();
    device.emit("incoming", new FakeCall({ From: "+18005551212" }));
    expect(phone.snapshot().call?.phase).toBe("ringing");
    await settle();
    expect(phone.snapshot().call?.caller).toMatchObject({ number: "+13055550100", city: "MIAMI" });
    expect(rung).toHaveLength(1);
  });

  it("takes one call at a time, mutes, sends digits only once connected", async () => {
    const { phone, device } = setUp();
    await phone.start();
    const first = new FakeCall({ From: "+13055550100" });
    device.emit("incoming", first);
    phone.press("1"); // still ringing: nothing sent
    const second = new FakeCall({ From: "+13055550101" });
    device.emit("incoming", second);
    expect(second.rejected).toBe(true);
    phone.accept();
    expect(phone.snapshot().call?.answeredAt).not.toBeNull();
    phone.toggleMute();
    expect(first.muted).toBe(true);
    expect(phone.snapshot().call?.muted).toBe(true);
    phone.press("1");
    phone.press("#");
    expect(first.sent).toEqual(["1", "#"]);
    phone.hangUp();
    expect(phone.snapshot().call).toBeNull();
  });

  it("dials out through the TwiML App with the number as To", async () => {
    const { phone, device } = setUp();
    const connect = vi.spyOn(device, "connect");
    await phone.start();
    await phone.dial("+13055550100");
    expect(connect).toHaveBeenCalledWith({ params: { To: "+13055550100" } });
    expect(phone.snapshot().call).toMatchObject({ direction: "outgoing", phase: "connecting" });
  });
});
