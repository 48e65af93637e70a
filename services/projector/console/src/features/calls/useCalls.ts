import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { getJson, type CallDetail, type CallPage, type Callback } from "../../api/client";
import type { CallFilters } from "./filters";

export const pageSize = 25;

export function useCalls(filters: CallFilters, after: string | null, limit = pageSize) {
  return useQuery({
    queryKey: ["calls", filters, after, limit],
    queryFn: ({ signal }) => getJson<CallPage>("/api/calls", { ...filters, after, limit }, signal),
    placeholderData: keepPreviousData,
  });
}

export function useCall(sid: string) {
  return useQuery({
    queryKey: ["call", sid],
    queryFn: ({ signal }) => getJson<CallDetail>(`/api/calls/${sid}`, undefined, signal),
  });
}

export function useCallbacks() {
  return useQuery({
    queryKey: ["callbacks"],
    queryFn: ({ signal }) => getJson<Callback[]>("/api/callbacks", undefined, signal),
    placeholderData: keepPreviousData,
  });
}
