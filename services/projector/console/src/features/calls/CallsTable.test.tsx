import { screen } from "@testing-library/react";
import type { CallSummary } from "../../api/client";
import { renderSignedIn } from "../../test/render";
import { CallsTable } from "./CallsTable";

const call: CallSummary = {
  call_sid: "CA" + "a".repeat(32),
  started_at: "2026-12-03T14:02:11Z",
  direction: "inbound",
  from: "+13055550123",
  to: "+18005551212",
  status: "completed",
  outcome: "answered",
  queue: "Support",
  agent: "alice",
  duration_seconds: 74,
  answer_seconds: 12.3,
  recording_sid: "RE" + "b".repeat(32),
};

describe("calls table", () => {
  it("links each call to its page, in the call center's time", () => {
    renderSignedIn(<CallsTable calls={[call]} />);
    const link = screen.getByRole("link", { name: "Open call from +13055550123" });
    expect(link).toHaveAttribute("href", `/calls/${call.call_sid}`);
    expect(link).toHaveTextContent("09:02:11 AM");
    expect(screen.getByText("Answered")).toBeInTheDocument();
    expect(screen.getByText("1 min 14 s")).toBeInTheDocument();
    expect(screen.getByRole("img", { name: "Recorded" })).toBeInTheDocument();
  });

  it("shows a missed call without an agent", () => {
    renderSignedIn(
      <CallsTable calls={[{ ...call, outcome: "missed", agent: null, recording_sid: null }]} />,
    );
    expect(screen.getByText("Missed")).toBeInTheDocument();
    expect(screen.queryByRole("img", { name: "Recorded" })).toBeNull();
  });
});
