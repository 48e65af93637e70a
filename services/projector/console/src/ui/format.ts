// Numbers, dates and times for people: Intl in the user's language, times in the call
// center's zone (never the browser's), durations in words.
import type { TFunction } from "i18next";

export interface Formatter {
  locale: string;
  timeZone: string;
  number(n: number | null | undefined): string;
  percent(pct: number | null | undefined): string;
  time(iso: string | null | undefined): string;
  dateTime(iso: string | null | undefined): string;
  day(isoDay: string): string;
  dayShort(isoDay: string): string;
  duration(seconds: number | null | undefined): string;
}

const none = "—";

export function makeFormatter(locale: string, timeZone: string, t: TFunction): Formatter {
  const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const pct = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
  const time = new Intl.DateTimeFormat(locale, { timeZone, timeStyle: "medium" });
  const dateTime = new Intl.DateTimeFormat(locale, {
    timeZone,
    day: "2-digit",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  // A local day ("2026-12-03") is a date, not an instant: formatted at noon UTC, as UTC.
  const day = new Intl.DateTimeFormat(locale, { timeZone: "UTC", dateStyle: "medium" });
  const dayShort = new Intl.DateTimeFormat(locale, {
    timeZone: "UTC",
    day: "numeric",
    month: "short",
  });
  const asDay = (d: string) => new Date(`${d}T12:00:00Z`);
  const instant = (iso: string | null | undefined, f: Intl.DateTimeFormat) =>
    iso ? f.format(new Date(iso)) : none;
  return {
    locale,
    timeZone,
    number: (n) => (n === null || n === undefined ? none : integer.format(n)),
    percent: (p) => (p === null || p === undefined ? none : pct.format(p / 100)),
    time: (iso) => instant(iso, time),
    dateTime: (iso) => instant(iso, dateTime),
    day: (d) => day.format(asDay(d)),
    dayShort: (d) => dayShort.format(asDay(d)),
    duration: (seconds) => formatDuration(seconds, t),
  };
}

export function formatDuration(seconds: number | null | undefined, t: TFunction): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return none;
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return t("duration.hm", { h, m });
  if (m > 0) return t("duration.ms", { m, s });
  return t("duration.s", { s });
}
