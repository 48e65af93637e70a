import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  Tooltip,
} from "chart.js";
import type { Series } from "../../api/client";
import { useCallCenter } from "../../ui/CallCenter";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const colors = { answered: "#1f9d63", missed: "#d6453d" };

/** Answered and missed calls stacked per hour of today or per day of the last 30 days. */
export function TrendsChart({ series }: { series: Series }) {
  const { t } = useTranslation();
  const { format } = useCallCenter();
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<"bar"> | null>(null);

  const labels = series.points.map((p) =>
    series.grain === "hour" ? String(p.hour ?? 0).padStart(2, "0") + "h" : format.dayShort(p.day),
  );
  const answered = series.points.map((p) => p.answered);
  const missed = series.points.map((p) => p.missed);

  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: "bar",
      data: { labels: [], datasets: [] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: true, grid: { display: false } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      },
    });
    return () => chart.current?.destroy();
  }, []);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    c.data.labels = labels;
    c.data.datasets = [
      {
        label: t("trends.answered"),
        data: answered,
        backgroundColor: colors.answered,
        borderRadius: 2,
      },
      { label: t("trends.missed"), data: missed, backgroundColor: colors.missed, borderRadius: 2 },
    ];
    c.update();
  });

  const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const summary = t("trends.summary", {
    calls: format.number(total(series.points.map((p) => p.calls))),
    answered: format.number(total(answered)),
    missed: format.number(total(missed)),
  });
  return (
    <div className="chart">
      <canvas ref={canvas} role="img" aria-label={summary} />
    </div>
  );
}
