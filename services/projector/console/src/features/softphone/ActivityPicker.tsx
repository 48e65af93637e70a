import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { ApiError, getJson, send, type Schemas } from "../../api/client";

/** Available, Break, Offline…: the workspace's activities, switched at TaskRouter. */
export function ActivityPicker() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const query = useQuery({
    queryKey: ["softphone", "activities"],
    queryFn: ({ signal }) =>
      getJson<Schemas["Activities"]>("/api/softphone/activities", undefined, signal),
    retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
  });
  const change = useMutation({
    mutationFn: (activity_sid: string) =>
      send<Schemas["Activities"]["current"]>("POST", "/api/softphone/activity", { activity_sid }),
    onSuccess: (current) =>
      client.setQueryData<Schemas["Activities"]>(["softphone", "activities"], (old) =>
        old ? { ...old, current } : old,
      ),
  });
  if (!query.data) return null; // TaskRouter not configured, or not yet loaded
  const current = query.data.current;
  return (
    <div className="phone-activity">
      <label className="field">
        <span>{t("phone.activity")}</span>
        <select
          value={current?.activity_sid ?? ""}
          disabled={!current || change.isPending}
          onChange={(e) => change.mutate(e.target.value)}
        >
          {!current?.activity_sid && <option value="">{t("app.none")}</option>}
          {query.data.activities.map((a) => (
            <option key={a.sid} value={a.sid}>
              {a.name}
            </option>
          ))}
        </select>
      </label>
      {!current && <p className="muted small">{t("phone.noWorker")}</p>}
      {change.error && (
        <p className="notice notice-error" role="alert">
          {t("phone.activityFailed", { message: change.error.message })}
        </p>
      )}
    </div>
  );
}
