import { rootsFor } from "./useLiveUpdates";

describe("what a change refetches", () => {
  it("refreshes the call views for a call", () => {
    const roots = rootsFor(["calls"]);
    expect(roots && [...roots].sort()).toEqual(
      ["agents", "call", "callbacks", "calls", "kpis", "queues", "series"].sort(),
    );
  });

  it("refreshes only the call-backs for an opt-out", () => {
    expect(rootsFor(["optouts"])).toEqual(new Set(["callbacks"]));
  });

  it("refreshes everything after a rebuild", () => {
    expect(rootsFor(["recordings", "rebuilt"])).toBeNull();
  });
});
