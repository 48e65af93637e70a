// Desktop notifications (the Notification API). Permission is asked only from a click, and a
// refusal stands: the console never asks again (the browser would not show the prompt anyway).
// A notification is shown only while the console's tab is hidden; the page already shows the
// rest. Clicking one brings the tab to the front.
import { useSyncExternalStore } from "react";

export type Permission = NotificationPermission | "unsupported";

const listeners = new Set<() => void>();
const supported = () => typeof window !== "undefined" && "Notification" in window;

export function permission(): Permission {
  return supported() ? Notification.permission : "unsupported";
}

export function usePermission(): Permission {
  return useSyncExternalStore((l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  }, permission);
}

/** From a click only. */
export async function askPermission(): Promise<Permission> {
  if (!supported() || Notification.permission !== "default") return permission();
  await Notification.requestPermission();
  listeners.forEach((l) => l());
  return permission();
}

/** Shows `title` when the tab is hidden and notifications are allowed; true when it did. */
export function notify(title: string, body: string, tag: string): boolean {
  if (permission() !== "granted" || !document.hidden) return false;
  const n = new Notification(title, { body, tag, icon: "/favicon.svg" });
  n.onclick = () => {
    window.focus();
    n.close();
  };
  return true;
}
