/**
 * The number an agent typed, as E.164 for /client_voice; null when it is not one. Spaces,
 * dashes, dots and brackets go; ten digits are a North American number (+1).
 */
export function toDialable(typed: string): string | null {
  const s = typed.trim().replace(/[\s\-.()]/g, "");
  const digits = s.startsWith("+") ? s.slice(1) : s;
  if (!/^[0-9]+$/.test(digits)) return null;
  if (!s.startsWith("+")) {
    if (digits.length === 10) return `+1${digits}`;
    if (digits.length === 11 && digits.startsWith("1")) return `+${digits}`;
    return null;
  }
  return /^[1-9][0-9]{7,14}$/.test(digits) ? `+${digits}` : null;
}

/** mm:ss, or h:mm:ss past the hour: the call's timer. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n: number) => String(n).padStart(2, "0");
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${two(m)}:${two(s % 60)}`;
}
