// The agent's softphone and the desktop notifications in a real browser, against the real
// services tests/e2e/test_softphone_browser.py started. The Voice SDK's Device is replaced by a
// double at the console's one seam (window.callstreamDeviceFactory): the real SDK cannot reach
// Twilio here. A last context loads the real SDK and checks it fetches nothing from elsewhere.
//
// Environment: as console.browser.mjs, plus FAKE_TWILIO_URL (the fake REST API, whose requests
// the activity switch must reach) and AGENT_WORKER (the agent's worker SID).
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  accessible,
  env,
  harness,
  launch,
  shots,
  signIn,
  sql,
  step,
  url,
  watch,
} from "./common.mjs";

const agent = env("CONSOLE_AGENT");
const fakeTwilio = env("FAKE_TWILIO_URL");
const worker = env("AGENT_WORKER");

// In the page, before the console's script: the Device double, a switch for the page's
// visibility, and a record of the notifications shown.
function doubles() {
  const record = { created: [], registered: 0, updates: [], connects: [], calls: [], notes: [] };
  window.__phone = record;
  class Emitter {
    constructor() {
      this.handlers = {};
    }
    on(e, h) {
      (this.handlers[e] ??= []).push(h);
      return this;
    }
    emit(e, ...a) {
      for (const h of this.handlers[e] ?? []) h(...a);
    }
  }
  class Call extends Emitter {
    constructor(parameters) {
      super();
      this.parameters = parameters;
      this.customParameters = new Map();
      this.log = [];
      this.muted = false;
      record.calls.push(this);
    }
    accept() {
      this.log.push("accept");
      this.emit("accept");
    }
    reject() {
      this.log.push("reject");
    }
    disconnect() {
      this.log.push("disconnect");
      this.emit("disconnect");
    }
    mute(m) {
      this.muted = m;
      this.log.push(m ? "mute" : "unmute");
      this.emit("mute", m, this);
    }
    isMuted() {
      return this.muted;
    }
    sendDigits(d) {
      this.log.push("digits " + d);
    }
  }
  const mic = { deviceId: "mic-2", kind: "audioinput", label: "Headset microphone" };
  class Device extends Emitter {
    constructor(token, options) {
      super();
      record.created.push({ token, options });
      this.audio = Object.assign(new Emitter(), {
        availableInputDevices: new Map([
          ["default", { deviceId: "default", kind: "audioinput", label: "Default" }],
          ["mic-2", mic],
        ]),
        availableOutputDevices: new Map([
          ["default", { deviceId: "default", kind: "audiooutput", label: "Speakers" }],
        ]),
        isOutputSelectionSupported: true,
        inputDevice: null,
        setInputDevice: async (id) => {
          record.input = id;
        },
        speakerDevices: { set: async (id) => (record.output = id), get: () => new Set() },
      });
    }
    async register() {
      record.registered++;
      this.emit("registered");
    }
    async unregister() {}
    async connect({ params }) {
      record.connects.push(params);
      return new Call({ To: params.To, CallSid: "CA" + "d".repeat(32) });
    }
    updateToken(t) {
      record.updates.push(t);
    }
    destroy() {}
  }
  window.callstreamDeviceFactory = async (token, options) =>
    (record.device = new Device(token, options));
  record.ring = (params) => record.device.emit("incoming", new Call(params));
  record.current = () => record.calls[record.calls.length - 1];
  let hidden = false;
  Object.defineProperty(document, "hidden", { get: () => hidden });
  Object.defineProperty(document, "visibilityState", {
    get: () => (hidden ? "hidden" : "visible"),
  });
  record.hide = (h) => {
    hidden = h;
    document.dispatchEvent(new Event("visibilitychange"));
  };
  if (window.Notification) {
    const Real = window.Notification;
    window.Notification = class extends Real {
      constructor(title, options) {
        super(title, options);
        record.notes.push({ title, body: options?.body });
      }
    };
  }
}

const claims = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());
const phone = (page) => page.locator("#softphone");
const record = (page, what) => page.evaluate(what);

async function turnOn(page) {
  await phone(page).getByRole("button", { name: "Turn on the phone" }).click();
  await phone(page).getByText("Ready", { exact: true }).waitFor();
  const created = await record(page, () => window.__phone.created);
  assert.equal(created.length, 1, "one Device");
  assert.equal(claims(created[0].token).grants.identity, agent, "the token is the agent's own");
  for (const [name, where] of Object.entries(created[0].options.sounds))
    assert.match(where, /^\/sounds\/\w+\.wav$/, `sound ${name} is the console's`);
  const sound = await fetch(url + created[0].options.sounds.incoming);
  assert.equal(sound.status, 200, "the console serves the ring");
  assert.equal(await record(page, () => window.__phone.registered), 1, "registered");
}

async function checkActivity(page) {
  await phone(page).getByLabel("Activity").selectOption({ label: "Break" });
  const reached = async () => {
    const requests = await (await fetch(`${fakeTwilio}/_fake/requests`)).json();
    return requests.filter((r) => r.method === "POST" && r.path.endsWith(`/Workers/${worker}`));
  };
  for (let i = 0; i < 50 && (await reached()).length === 0; i++) await page.waitForTimeout(100);
  const [update] = await reached();
  assert.deepEqual(
    update?.params,
    { ActivitySid: ["WA" + "4".repeat(32)] },
    "Break, for the agent's worker",
  );
  // TaskRouter's event callback brings the change back into the read models.
  for (
    let i = 0;
    i < 50 && sql(`SELECT activity_name FROM workers WHERE worker_sid = '${worker}'`) !== "Break";
    i++
  )
    await page.waitForTimeout(100);
  assert.equal(sql(`SELECT activity_name FROM workers WHERE worker_sid = '${worker}'`), "Break");
}

async function checkIncoming(page) {
  const [sid, from] = (await harness("send incoming")).split(" ");
  await record(page, (f) => window.__phone.ring({ From: f, CallSid: "CA" + "e".repeat(32) }), from);
  const card = phone(page).locator('[data-phase="ringing"]');
  await card.getByText(from).waitFor();
  await card.getByText("from MIAMI, FL").waitFor();
  await card.getByText("Queue: Sales").waitFor();
  step(`incoming: ${from} (${sid}) shown before it is accepted`);
  await page.screenshot({ path: join(shots, "console-softphone.png") });
  await accessible(page, "the softphone ringing");
  await card.getByRole("button", { name: "Accept" }).click();
  const open = phone(page).locator('[data-phase="open"]');
  await open.locator("[data-timer]").waitFor();
  await open.getByRole("button", { name: "Mute" }).click();
  await open.getByRole("button", { name: "Unmute" }).waitFor();
  await open.getByRole("group", { name: "Keypad" }).getByRole("button", { name: "1" }).click();
  await open.getByRole("group", { name: "Keypad" }).getByRole("button", { name: "#" }).click();
  await open.getByText("Sent: 1#").waitFor();
  await page.waitForTimeout(1100);
  assert.match(await open.locator("[data-timer]").textContent(), /^00:0[1-9]$/, "the timer counts");
  await page.screenshot({ path: join(shots, "console-softphone-call.png") });
  await open.getByRole("button", { name: "Hang up" }).click();
  await phone(page).getByRole("button", { name: "Call" }).waitFor();
  const log = await record(page, () => window.__phone.current().log);
  assert.deepEqual(log, ["accept", "mute", "digits 1", "digits #", "disconnect"]);
}

async function checkTokenRefresh(page) {
  const fetched = [];
  page.on("request", (r) => r.url().endsWith("/api/softphone/token") && fetched.push(r.url()));
  await record(page, () => window.__phone.device.emit("tokenWillExpire"));
  for (let i = 0; i < 50 && (await record(page, () => window.__phone.updates.length)) === 0; i++)
    await page.waitForTimeout(100);
  const [token] = await record(page, () => window.__phone.updates);
  assert.ok(token, "updateToken was called");
  assert.equal(claims(token).grants.identity, agent);
  assert.ok(claims(token).exp > Date.now() / 1000 + 60, "a fresh token");
  assert.equal(fetched.length, 1, "fetched from the console");
}

async function checkDial(page) {
  await phone(page).getByLabel("Number to call").fill("12");
  await phone(page).getByRole("button", { name: "Call" }).click();
  await phone(page).getByText("international format (+1 305 555 0100)").waitFor();
  await phone(page).getByLabel("Number to call").fill("+1 (305) 555-0142");
  await phone(page).getByRole("button", { name: "Call" }).click();
  await phone(page).getByText("Calling +13055550142").waitFor();
  assert.deepEqual(await record(page, () => window.__phone.connects), [{ To: "+13055550142" }]);
  await record(page, () => window.__phone.current().emit("accept"));
  await phone(page).locator('[data-phase="open"]').waitFor();
  await phone(page).getByRole("button", { name: "Hang up" }).click();
  await phone(page).getByRole("button", { name: "Call" }).waitFor();
}

async function checkAudioDevices(page) {
  await phone(page).getByText("Audio devices").click();
  await phone(page).getByLabel("Microphone").selectOption("mic-2");
  for (let i = 0; i < 20 && !(await record(page, () => window.__phone.input)); i++)
    await page.waitForTimeout(50);
  assert.equal(await record(page, () => window.__phone.input), "mic-2");
}

// Hidden tab: the ring becomes a notification when allowed, none when the user refused.
async function ringHidden(page) {
  await record(page, () => window.__phone.hide(true));
  await record(page, () =>
    window.__phone.ring({ From: "+13055550177", CallSid: "CA" + "f".repeat(32) }),
  );
  await phone(page).locator('[data-phase="ringing"]').waitFor();
  await page.waitForTimeout(500);
  const shown = await phone(page).locator("[data-caller]").textContent();
  const notes = (await record(page, () => window.__phone.notes)).map((n) => ({
    ...n,
    body: n.body.startsWith(shown) ? "the caller shown" : n.body,
  }));
  await phone(page).getByRole("button", { name: "Reject" }).click();
  await record(page, () => window.__phone.hide(false));
  return notes;
}

async function agentContext(browser, problems, granted) {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: "en-US",
  });
  if (granted) await context.grantPermissions(["notifications"], { origin: url });
  const page = await context.newPage();
  await watch(page, problems);
  await page.addInitScript(doubles);
  await signIn(page, agent);
  return { context, page };
}

async function checkDoubled(browser, problems) {
  const { context, page } = await agentContext(browser, problems, true);
  step("the agent turns the phone on");
  await turnOn(page);
  await page.locator('[data-notifications="on"]').waitFor();
  step("activity");
  await checkActivity(page);
  step("incoming call");
  await checkIncoming(page);
  step("token refresh");
  await checkTokenRefresh(page);
  step("outbound dial");
  await checkDial(page);
  await checkAudioDevices(page);
  step("notification while hidden");
  const notes = await ringHidden(page);
  assert.deepEqual(
    notes,
    [{ title: "Incoming call", body: "the caller shown" }],
    "one notification",
  );
  await context.close();

  // Not granted: asked on a click, refused by the browser, and the console says so and stops.
  const denied = await agentContext(browser, problems, false);
  await denied.page.getByRole("button", { name: "Desktop notifications" }).click();
  await denied.page.locator('[data-notifications="blocked"]').waitFor();
  await turnOn(denied.page);
  assert.deepEqual(await ringHidden(denied.page), [], "no notification once refused");
  await denied.context.close();
}

// The real SDK: the console's own chunk, its sounds from the console, nothing fetched elsewhere.
async function checkRealSdk(browser) {
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  const elsewhere = [];
  const scripts = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(url)) elsewhere.push(r.url());
    if (r.resourceType() === "script") scripts.push(r.url());
  });
  const sockets = [];
  page.on("websocket", (ws) => sockets.push(ws.url()));
  await signIn(page, agent);
  const before = scripts.length;
  await phone(page).getByRole("button", { name: "Turn on the phone" }).click();
  await page
    .locator('#softphone[data-status="ready"], #softphone[data-status="offline"]')
    .waitFor({ timeout: 20000 });
  const sdk = scripts.slice(before).filter((s) => /\/assets\/twilio-[\w-]+\.js$/.test(s));
  assert.equal(sdk.length, 1, `the SDK's chunk loads when the phone is turned on: ${scripts}`);
  const source = await (await fetch(sdk[0])).text();
  assert.ok(
    source.includes("2.18.5") && source.includes("@twilio/voice-sdk"),
    "it is @twilio/voice-sdk",
  );
  assert.deepEqual(elsewhere, [], "requests outside the console's origin");
  // register() opens Twilio's signalling socket, the one connection the SDK needs (it fails here).
  assert.ok(
    sockets.every((s) => /^wss:\/\/[\w.-]+\.twilio\.com\//.test(s)),
    `sockets: ${sockets}`,
  );
  step(
    `real SDK: ${sdk[0].split("/").pop()}, no off-origin request, sockets ${sockets.join(" ") || "none"}`,
  );
  await context.close();
}

async function checkSupervisor(browser, problems) {
  const context = await browser.newContext({ locale: "en-US" });
  await context.grantPermissions(["notifications"], { origin: url });
  const page = await context.newPage();
  await watch(page, problems);
  await page.addInitScript(doubles);
  await signIn(page, env("CONSOLE_SUPERVISOR"));
  await page.locator("#recent tbody tr").first().waitFor();
  await page.waitForTimeout(500); // the first page of missed calls is what was already known
  await record(page, () => window.__phone.hide(true));
  const sid = await harness("send missed");
  for (let i = 0; i < 50 && (await record(page, () => window.__phone.notes.length)) === 0; i++)
    await page.waitForTimeout(100);
  const notes = await record(page, () => window.__phone.notes);
  assert.equal(
    notes.filter((n) => n.title === "Missed call").length,
    1,
    `missed ${sid}: ${JSON.stringify(notes)}`,
  );
  step("supervisor: a missed call while the tab is hidden is a notification");
  await context.close();
}

async function main() {
  const browser = await launch();
  const problems = [];
  try {
    await checkDoubled(browser, problems);
    await checkSupervisor(browser, problems);
    await checkRealSdk(browser);
  } finally {
    await browser.close();
  }
  assert.deepEqual(problems, [], "console errors or CSP violations");
  process.stdout.write("done\n");
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
