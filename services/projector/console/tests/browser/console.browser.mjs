// The console in a real browser (Debian's chromium driven by playwright-core) against the real
// projector, ingress, devkafka and PostgreSQL that tests/e2e/test_console_browser.py started.
// It talks to that harness on stdin/stdout: "send <what>" asks it to send a signed webhook,
// and it answers "sent <CallSid>" once the ingress answered 2xx.
//
// Environment: CONSOLE_URL, DATABASE_URL, CONSOLE_SUPERVISOR, CONSOLE_AGENT, CONSOLE_PASSWORD,
// SCREENSHOT_DIR, CHROMIUM (default /usr/bin/chromium).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";
import {
  accessible,
  checkWatch,
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

const kpi = (page, id) => page.locator(`[data-kpi="${id}"] .kpi-value`);

async function checkKpis(page) {
  const expected = JSON.parse(
    sql(`SELECT row_to_json(k) FROM callstream_settings s,
         LATERAL analytics.period_kpis((now() AT TIME ZONE s.value)::date, (now() AT TIME ZONE s.value)::date) k
         WHERE s.key = 'time_zone'`),
  );
  const n = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
  for (const id of ["calls", "answered", "missed", "abandoned"])
    await page.waitForFunction(
      ([sel, text]) => document.querySelector(sel)?.textContent === text,
      [`[data-kpi="${id}"] .kpi-value`, n.format(expected[id])],
      { timeout: 5000 },
    );
  const pct = new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 });
  assert.equal(
    await kpi(page, "service_level").textContent(),
    pct.format(expected.service_level_pct / 100),
  );
  return expected;
}

async function checkLive(page) {
  const before = Number((await kpi(page, "missed").textContent()).replace(/\D/g, ""));
  await page.evaluate(() => (window.__notReloaded = true));
  const sid = await harness("send missed");
  const sent = Date.now();
  await page.waitForFunction(
    ([text]) => document.querySelector('[data-kpi="missed"] .kpi-value')?.textContent === text,
    [String(before + 1)],
    { timeout: 5000 },
  );
  const took = Date.now() - sent;
  assert.ok(await page.evaluate(() => window.__notReloaded === true), "the page reloaded");
  assert.ok(took <= 1000, `the webhook showed up after ${took} ms`);
  await page.locator(`#recent [data-call="${sid}"]`).waitFor({ timeout: 2000 });
  step(`live: the missed call showed up ${took} ms after its 2xx`);
  return sid;
}

async function checkCalls(page, context) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Calls" }).click();
  const rows = page.locator("#calls tbody tr");
  await rows.first().waitFor();
  assert.equal(await rows.count(), 25);
  const first = await rows.first().getAttribute("data-call");
  await page.getByRole("button", { name: "Older" }).click();
  await page.waitForFunction(
    (sid) => document.querySelector("#calls tbody tr")?.getAttribute("data-call") !== sid,
    first,
  );
  assert.equal(await page.getByText("Page 2").first().isVisible(), true);
  await page.getByRole("button", { name: "Newer" }).click();
  await page.waitForFunction(
    (sid) => document.querySelector("#calls tbody tr")?.getAttribute("data-call") === sid,
    first,
  );

  await page.getByLabel("Outcome").selectOption("missed");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.waitForURL(/outcome=missed/);
  // Abandoned calls are missed calls too (the badge says which).
  await page.waitForFunction(() =>
    [...document.querySelectorAll("#calls tbody tr")].every((r) =>
      /Missed|Abandoned/.test(r.textContent),
    ),
  );
  const missed = Number(sql("SELECT count(*) FROM analytics.call_facts WHERE missed"));
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export CSV" }).click(),
  ]);
  const csv = readFileSync(await download.path(), "utf8")
    .trim()
    .split("\r\n");
  assert.ok(csv[0].startsWith("call_sid,"), csv[0]);
  assert.equal(csv.length - 1, missed, "CSV rows = missed calls");
  await page.screenshot({ path: join(shots, "console-calls.png"), fullPage: false });
  await accessible(page, "the calls page");
  await page.getByRole("button", { name: "Clear" }).click();
  await page.waitForURL((u) => !u.search.includes("outcome"));
  void context;
}

async function checkCallDetail(page) {
  const sid = sql(`SELECT call_sid FROM analytics.call_facts WHERE recording_sid IS NOT NULL
                   ORDER BY started_at DESC LIMIT 1`);
  const events = Number(
    sql(`SELECT (SELECT count(*) FROM call_events WHERE call_sid = '${sid}')
      + (SELECT count(*) FROM taskrouter_events WHERE task_sid IN (SELECT task_sid FROM tasks WHERE call_sid = '${sid}'))
      + (SELECT count(*) FROM recording_events WHERE call_sid = '${sid}')`),
  );
  const media = page.waitForResponse(
    (r) => r.url().includes("/api/recordings/") && r.url().includes("/media"),
  );
  await page.goto(`${url}/calls/${sid}`);
  await page.locator("#timeline li").first().waitFor();
  assert.equal(await page.locator("#timeline li").count(), events, "every event on the timeline");
  const response = await media;
  assert.ok([200, 206].includes(response.status()), `media answered ${response.status()}`);
  await page.waitForFunction(() => {
    const a = document.querySelector("#recordings audio");
    return a && a.readyState >= 1 && a.duration > 0;
  });
  step(
    `call detail: ${events} events, the player loaded ${await page.evaluate(() => document.querySelector("#recordings audio").duration)} s of audio`,
  );
  await page.screenshot({ path: join(shots, "console-call.png") });
  await accessible(page, "a call's page");
}

async function checkLanguage(page) {
  await page.goto(url);
  await page.getByLabel("Language").selectOption("pt-BR");
  await page
    .getByRole("navigation", { name: "Principal" })
    .getByRole("link", { name: "Chamadas" })
    .waitFor();
  assert.equal(await page.locator("html").getAttribute("lang"), "pt-BR");
  await page.locator('[data-kpi="answered"] .kpi-label').filter({ hasText: "Atendidas" }).waitFor();
  await page.reload();
  await page.getByRole("link", { name: "Painel" }).waitFor(); // the choice is kept
  await page.screenshot({ path: join(shots, "console-dashboard-pt-BR.png") });
  await page.getByLabel("Idioma").selectOption("en");
  await page.getByRole("link", { name: "Dashboard" }).waitFor();
}

async function checkCallback(page) {
  await page.getByRole("link", { name: "Call-backs" }).click();
  const row = page.locator("#callbacks tbody tr").first();
  await row.waitFor();
  const button = row.getByRole("button", { name: "Call back" });
  assert.equal(await button.isDisabled(), true, "a supervisor must pick the agent first");
  await page.getByLabel("Agent who calls").selectOption("alice");
  await button.click();
  await page.getByRole("status").filter({ hasText: "now." }).waitFor();
  await page.screenshot({ path: join(shots, "console-callbacks.png") });
  await accessible(page, "the call-backs page");
}

async function checkAgent(browser, problems) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: "en-US",
  });
  const page = await context.newPage();
  await watch(page, problems);
  await signIn(page, env("CONSOLE_AGENT"));
  await page.locator("#queues").waitFor();
  assert.equal(await page.locator("#kpis").count(), 0, "agents see no KPIs");
  await page.locator("#recent tbody tr").first().waitFor();
  const agents = await page.locator("#recent tbody tr td:nth-child(5)").allTextContents();
  assert.ok(
    agents.every((a) => a === env("CONSOLE_AGENT")),
    `an agent saw others' calls: ${agents}`,
  );
  await page.screenshot({ path: join(shots, "console-agent.png") });
  await accessible(page, "the agent's dashboard");
  await context.close();
}

async function main() {
  const browser = await launch();
  const problems = [];
  let failurePage = null;
  try {
    const context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      locale: "en-US",
      acceptDownloads: true,
    });
    const page = await context.newPage();
    await watch(page, problems);
    failurePage = page;
    step("sign in");
    await signIn(page, env("CONSOLE_SUPERVISOR"));
    await checkWatch(page, problems);
    const kpis = await checkKpis(page);
    step(`KPI cards = analytics.period_kpis (${kpis.calls} calls today)`);
    await page.locator("#agents tbody tr").first().waitFor();
    await page.locator("#trends canvas").waitFor();
    await accessible(page, "the dashboard");
    await checkLive(page);
    await checkKpis(page);
    await page.screenshot({ path: join(shots, "console-dashboard.png"), fullPage: true });
    step("calls: pages, filters, CSV");
    await checkCalls(page, context);
    step("a call's detail");
    await checkCallDetail(page);
    step("language");
    await checkLanguage(page);
    step("call-backs");
    await checkCallback(page);
    step("an agent");
    await checkAgent(browser, problems);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await context.close();
  } catch (e) {
    await failurePage?.screenshot({ path: join(shots, "failure.png") }).catch(() => {});
    throw e;
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
