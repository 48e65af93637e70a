import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { getJson, type KpiReport, type Series } from "../../api/client";

export type Period = "today" | "week" | "month";
export const periods: Period[] = ["today", "week", "month"];

export function useKpis(period: Period) {
  return useQuery({
    queryKey: ["kpis", period],
    queryFn: ({ signal }) => getJson<KpiReport>("/api/kpis", { period }, signal),
    placeholderData: keepPreviousData,
  });
}

export type Grain = "hour" | "day";

export function useSeries(grain: Grain) {
  return useQuery({
    queryKey: ["series", grain],
    queryFn: ({ signal }) => getJson<Series>("/api/series", { grain }, signal),
    placeholderData: keepPreviousData,
  });
}
