// The calls' filters, as the URL (/calls?outcome=missed&…) and the API's query carry them.
export interface CallFilters {
  from?: string;
  to?: string;
  direction?: string;
  outcome?: string;
  agent?: string;
  queue?: string;
  number?: string;
}

export const filterKeys = [
  "from",
  "to",
  "direction",
  "outcome",
  "agent",
  "queue",
  "number",
] as const;

export function filtersFrom(search: URLSearchParams): CallFilters {
  const f: CallFilters = {};
  for (const k of filterKeys) {
    const v = search.get(k)?.trim();
    if (v) f[k] = v;
  }
  return f;
}

export function filtersQuery(f: CallFilters): string {
  const params = new URLSearchParams();
  for (const k of filterKeys) if (f[k]) params.set(k, f[k] as string);
  return params.toString();
}

/** A number search keeps the digits only, as the API matches them. */
export function digits(s: string): string {
  return s.replace(/\D/g, "");
}
