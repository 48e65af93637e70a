// What the console's browser tests share: the environment, the harness on stdin/stdout, the
// watch for console errors and CSP violations, the accessibility check and signing in.
import { execFileSync } from "node:child_process";
import { createInterface } from "node:readline";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";

export const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
export const url = env("CONSOLE_URL");
export const dsn = env("DATABASE_URL");
export const password = env("CONSOLE_PASSWORD");
export const shots = env("SCREENSHOT_DIR");

export const sql = (q) =>
  execFileSync("psql", [dsn, "-XAtq", "-c", q], { encoding: "utf8" }).trim();

// The harness: ask for a webhook, wait for its answer.
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
export async function harness(request) {
  process.stdout.write(request + "\n");
  const { value } = await lines.next();
  assert.ok(value?.startsWith("sent "), `harness answered ${value}`);
  return value.slice(5).trim();
}

export const step = (name) => console.error(`browser: ${name}`);

// Every console error, page error and CSP violation fails the test.
export function watch(page, problems) {
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    // Asking who is signed in before signing in is the page's first call, and 401 its answer.
    const where = m.location().url;
    if (/status of 401/.test(m.text()) && where.endsWith("/api/session")) return;
    problems.push(`console: ${m.text()} (${where})`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  return page.addInitScript(() =>
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
    ),
  );
}

// The watch itself: an inline script the policy must refuse, seen as a problem, then forgiven.
export async function checkWatch(page, problems) {
  const before = problems.length;
  await page.evaluate(() => {
    const s = document.createElement("script");
    s.textContent = "window.__inline = true";
    document.head.appendChild(s);
  });
  for (let i = 0; i < 50 && problems.length === before; i++) await page.waitForTimeout(20);
  assert.ok(
    problems.slice(before).some((p) => /CSP violation|Content Security Policy/.test(p)),
    `CSP violations go unseen: ${JSON.stringify(problems)} ${await page.evaluate(() => window.__inline)}`,
  );
  assert.equal(await page.evaluate(() => window.__inline), undefined, "an inline script ran");
  problems.splice(before);
}

export async function accessible(page, what) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(
    serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
    [],
    `accessibility of ${what}`,
  );
}

export async function signIn(page, name) {
  await page.goto(url);
  await page.getByLabel("User name").fill(name);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "do not match" }).waitFor();
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Main" }).waitFor();
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
  });
}
