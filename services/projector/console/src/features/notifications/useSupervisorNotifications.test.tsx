import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, waitFor } from "@testing-library/react";
import { supervisor } from "../../test/render";
import { CallCenterProvider } from "../../ui/CallCenter";
import { useSupervisorNotifications } from "./useSupervisorNotifications";

function Probe() {
  useSupervisorNotifications();
  return null;
}

const shown: { title: string; body?: string }[] = [];
class FakeNotification {
  static permission = "granted";
  onclick: (() => void) | null = null;
  constructor(title: string, options?: NotificationOptions) {
    shown.push({ title, body: options?.body });
  }
  close() {}
}

let queues: { name: string; waiting: number; longest_wait_seconds: number }[] = [];
let missed: { call_sid: string; from: string }[] = [];

function fakeFetch(url: string) {
  const body = url.startsWith("/api/queues")
    ? {
        queues: queues.map((q) => ({
          ...q,
          offered_today: 9,
          answered_today: 8,
          abandoned_today: 0,
        })),
        agents: { available: 1, unavailable: 0, offline: 0 },
      }
    : {
        calls: missed.map((c) => ({
          ...c,
          started_at: null,
          direction: "inbound",
          status: "no-answer",
          outcome: "missed",
        })),
        next: null,
      };
  return Promise.resolve(new Response(JSON.stringify(body), { status: 200 }));
}

function setUp() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <CallCenterProvider session={supervisor}>
        <Probe />
      </CallCenterProvider>
    </QueryClientProvider>,
  );
  // What the live stream does on a change: the queries refetch.
  return () => client.invalidateQueries();
}

const settle = () => new Promise((r) => setTimeout(r, 30));

describe("supervisor notifications", () => {
  beforeEach(() => {
    shown.length = 0;
    queues = [];
    missed = [];
    vi.stubGlobal("Notification", FakeNotification);
    vi.stubGlobal("fetch", fakeFetch);
    Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
  });
  afterEach(() => vi.unstubAllGlobals());

  it("tell once when a queue's wait passes the service level, again after it recovers", async () => {
    queues = [{ name: "Support", waiting: 3, longest_wait_seconds: 10 }]; // the level is 30 s
    const change = setUp();
    await settle();
    expect(shown).toEqual([]);
    queues = [{ name: "Support", waiting: 3, longest_wait_seconds: 45 }];
    await change();
    await waitFor(() => expect(shown).toHaveLength(1));
    expect(shown[0]).toEqual({
      title: "Long wait in Support",
      body: "3 waiting, the longest for 45 s",
    });
    queues = [{ name: "Support", waiting: 3, longest_wait_seconds: 50 }];
    await change();
    await settle();
    expect(shown).toHaveLength(1); // the same breach
    queues = [{ name: "Support", waiting: 0, longest_wait_seconds: 0 }];
    await change();
    await settle();
    queues = [{ name: "Support", waiting: 1, longest_wait_seconds: 40 }];
    await change();
    await waitFor(() => expect(shown).toHaveLength(2));
  });

  it("tell of a missed call the page had not seen, not of those before it opened", async () => {
    missed = [{ call_sid: "CA1", from: "+13055550100" }];
    const change = setUp();
    await settle();
    expect(shown).toEqual([]);
    missed = [{ call_sid: "CA2", from: "+13055550101" }, ...missed];
    await change();
    await waitFor(() => expect(shown).toHaveLength(1));
    expect(shown[0]).toEqual({ title: "Missed call", body: "+13055550101 was not answered" });
  });

  it("tell nothing while the tab is in front", async () => {
    Object.defineProperty(document, "hidden", { configurable: true, get: () => false });
    queues = [{ name: "Support", waiting: 3, longest_wait_seconds: 90 }];
    setUp();
    await settle();
    expect(shown).toEqual([]);
  });
});
