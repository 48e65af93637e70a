import { screen, within } from "@testing-library/react";
import type { KpiReport } from "../../api/client";
import { renderSignedIn } from "../../test/render";
import { KpiCards } from "./KpiCards";

const report: KpiReport = {
  period: "today",
  from: "2026-12-03",
  to: "2026-12-03",
  time_zone: "America/New_York",
  kpis: {
    calls: 1240,
    answered: 1100,
    missed: 140,
    abandoned: 0,
    avg_duration_seconds: 188.4,
    avg_speed_of_answer_seconds: 14.2,
    avg_handle_seconds: null,
    service_level_pct: 57.5,
  },
};

const card = (id: string) => document.querySelector(`[data-kpi="${id}"]`) as HTMLElement;

describe("KPI cards", () => {
  it("shows each figure with its share and the service level's threshold", () => {
    renderSignedIn(<KpiCards report={report} />);
    expect(within(card("calls")).getByText("1,240")).toBeInTheDocument();
    expect(within(card("answered")).getByText("88.7% of calls")).toBeInTheDocument();
    expect(within(card("avg_duration")).getByText("3 min 8 s")).toBeInTheDocument();
    expect(within(card("aht")).getByText("—")).toBeInTheDocument();
    expect(within(card("service_level")).getByText("answered within 30 s")).toBeInTheDocument();
  });

  it("colours a poor service level and missed calls", () => {
    renderSignedIn(<KpiCards report={report} />);
    expect(card("service_level")).toHaveClass("kpi-bad");
    expect(card("missed")).toHaveClass("kpi-bad");
    expect(card("abandoned")).not.toHaveClass("kpi-warn");
  });

  it("speaks Brazilian Portuguese", () => {
    renderSignedIn(<KpiCards report={report} />, undefined, "pt-BR");
    expect(screen.getByText("Atendidas")).toBeInTheDocument();
    expect(within(card("calls")).getByText("1.240")).toBeInTheDocument();
  });
});
