// The console's few addresses, kept in the URL so a page can be bookmarked, shared and
// reloaded: "/", "/calls?filters", "/calls/CA…", "/callbacks".
import { useSyncExternalStore } from "react";

export type Route =
  | { page: "dashboard" }
  | { page: "calls"; search: URLSearchParams }
  | { page: "call"; sid: string }
  | { page: "callbacks" };

export function parseRoute(pathname: string, search: string): Route {
  const call = /^\/calls\/(CA[0-9a-fA-F]{32})\/?$/.exec(pathname);
  if (call?.[1]) return { page: "call", sid: call[1] };
  if (/^\/calls\/?$/.test(pathname)) return { page: "calls", search: new URLSearchParams(search) };
  if (/^\/callbacks\/?$/.test(pathname)) return { page: "callbacks" };
  return { page: "dashboard" };
}

const listeners = new Set<() => void>();
window.addEventListener("popstate", () => listeners.forEach((l) => l()));

export function navigate(to: string) {
  if (to === location.pathname + location.search) return;
  history.pushState(null, "", to);
  listeners.forEach((l) => l());
  window.scrollTo(0, 0);
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const snapshot = () => location.pathname + location.search;

export function useRoute(): Route {
  const href = useSyncExternalStore(subscribe, snapshot);
  const [path = "/", query = ""] = href.split("?");
  return parseRoute(path, query);
}

/** A link the router follows without reloading (a new tab still works as usual). */
export function onLinkClick(event: React.MouseEvent<HTMLAnchorElement>) {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  event.preventDefault();
  navigate(event.currentTarget.getAttribute("href") ?? "/");
}
