import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { getJson, type QueueView } from "../../api/client";

export function useQueues() {
  return useQuery({
    queryKey: ["queues"],
    queryFn: async ({ signal }) => ({
      view: await getJson<QueueView>("/api/queues", undefined, signal),
      fetchedAt: Date.now(),
    }),
    placeholderData: keepPreviousData,
  });
}
