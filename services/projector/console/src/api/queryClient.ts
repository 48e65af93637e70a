import { QueryCache, QueryClient } from "@tanstack/react-query";
import { ApiError } from "./client";

// Server state lives here. Freshness comes from the live stream (live/useLiveUpdates.ts), so
// nothing polls; a 401 anywhere means the session ended, and the page asks to sign in again.
export function makeQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (error instanceof ApiError && error.status === 401 && query.queryKey[0] !== "session")
          void client.invalidateQueries({ queryKey: ["session"] });
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: Infinity,
        refetchOnWindowFocus: false,
        retry: (count, error) =>
          !(error instanceof ApiError && error.status < 500 && error.status !== 429) && count < 3,
      },
    },
  });
  return client;
}
