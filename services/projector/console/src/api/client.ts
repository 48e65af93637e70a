// The one client of the console's API (api/openapi.yaml): JSON in and out, the CSRF header on
// every state change, errors as ApiError with the server's code.
import type { components } from "./schema";

export type Schemas = components["schemas"];
export type Session = Schemas["Session"];
export type KpiReport = Schemas["KpiReport"];
export type Series = Schemas["Series"];
export type QueueView = Schemas["QueueView"];
export type Queue = Schemas["Queue"];
export type Agent = Schemas["Agent"];
export type CallSummary = Schemas["CallSummary"];
export type CallPage = Schemas["CallPage"];
export type CallDetail = Schemas["CallDetail"];
export type Callback = Schemas["Callback"];
export type Change = Schemas["Change"];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

let csrfToken = "";

/** The session's CSRF token, sent with every request that changes something. */
export function setCsrfToken(token: string) {
  csrfToken = token;
}

export type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

async function failure(response: Response): Promise<ApiError> {
  let code = "http_" + response.status;
  let message = response.statusText;
  try {
    const body = (await response.json()) as Partial<Schemas["Error"]>;
    code = body.error ?? code;
    message = body.message ?? message;
  } catch {
    // not JSON: a proxy's page; keep the status
  }
  const retry = Number(response.headers.get("Retry-After"));
  return new ApiError(response.status, code, message, Number.isFinite(retry) ? retry : undefined);
}

export async function getJson<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
  const response = await fetch(withQuery(path, query), {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
    signal,
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

export async function send<T>(method: "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: {
      Accept: "application/json",
      "Content-Type": "application/json",
      "X-CSRF-Token": csrfToken,
    },
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
