// The live stream (GET /api/stream, Server-Sent Events) keeps the query cache fresh: each
// committed change invalidates the queries that show it, a few at a time, so nothing polls.
import { useEffect, useSyncExternalStore } from "react";
import type { QueryClient, QueryKey } from "@tanstack/react-query";
import type { Change } from "../api/client";

export type LiveStatus = "connecting" | "live" | "reconnecting";

// What each kind of change can move on screen.
const affected: Record<Change["kind"], string[]> = {
  calls: ["kpis", "series", "queues", "agents", "calls", "call", "callbacks"],
  taskrouter: ["kpis", "series", "queues", "agents", "calls", "call", "callbacks", "softphone"],
  recordings: ["calls", "call"],
  optouts: ["callbacks"],
  rebuilt: [],
};

/** The query roots to refetch for these changes; null means everything. */
export function rootsFor(kinds: Iterable<Change["kind"]>): Set<string> | null {
  const roots = new Set<string>();
  for (const kind of kinds) {
    if (kind === "rebuilt") return null;
    for (const root of affected[kind] ?? []) roots.add(root);
  }
  return roots;
}

let status: LiveStatus = "connecting";
const listeners = new Set<() => void>();
function setStatus(next: LiveStatus) {
  status = next;
  listeners.forEach((l) => l());
}

export function useLiveStatus(): LiveStatus {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => status,
  );
}

const coalesceMs = 150;

export function useLiveUpdates(client: QueryClient, onSignedOut: () => void) {
  useEffect(() => {
    const source = new EventSource("/api/stream");
    let pending = new Set<Change["kind"]>();
    let everything = false;
    let timer: number | undefined;

    const flush = () => {
      timer = undefined;
      const roots = everything ? null : rootsFor(pending);
      pending = new Set();
      everything = false;
      const predicate = (key: QueryKey) => roots === null || roots.has(String(key[0]));
      void client.invalidateQueries({
        predicate: (q) => q.queryKey[0] !== "session" && predicate(q.queryKey),
      });
    };
    const schedule = () => {
      if (timer === undefined) timer = window.setTimeout(flush, coalesceMs);
    };

    source.addEventListener("open", () => setStatus("live"));
    source.addEventListener("change", (e) => {
      try {
        pending.add((JSON.parse((e as MessageEvent<string>).data) as Change).kind);
      } catch {
        everything = true;
      }
      schedule();
    });
    source.addEventListener("reset", () => {
      everything = true;
      schedule();
    });
    source.addEventListener("error", () => {
      // CLOSED: the server refused the stream (the session ended); else it reconnects itself.
      if (source.readyState === EventSource.CLOSED) onSignedOut();
      else setStatus("reconnecting");
    });
    return () => {
      source.close();
      if (timer !== undefined) window.clearTimeout(timer);
      setStatus("connecting");
    };
  }, [client, onSignedOut]);
}
