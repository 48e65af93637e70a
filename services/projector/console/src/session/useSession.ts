import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, getJson, send, setCsrfToken, type Session } from "../api/client";

/** Who is signed in; null when nobody is (the page then shows the sign-in form). */
export function useSession() {
  return useQuery({
    queryKey: ["session"],
    queryFn: async ({ signal }) => {
      try {
        const session = await getJson<Session>("/api/session", undefined, signal);
        setCsrfToken(session.csrf_token);
        return session;
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
    },
  });
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (credentials: { name: string; password: string }) =>
      send<Session>("POST", "/api/session", credentials),
    onSuccess: (session) => {
      signedOutByUser = false;
      setCsrfToken(session.csrf_token);
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== "session" });
      client.setQueryData(["session"], session);
    },
  });
}

// Set when the user signs out, so the sign-in form does not say the session ended by itself.
let signedOutByUser = false;
export const signedOutOnPurpose = () => signedOutByUser;

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => {
      signedOutByUser = true;
      return send<undefined>("DELETE", "/api/session");
    },
    onSettled: () => {
      setCsrfToken("");
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== "session" });
      client.setQueryData(["session"], null);
    },
  });
}
