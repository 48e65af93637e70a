import { useTranslation } from "react-i18next";
import { askPermission, usePermission } from "./notify";

/** The top bar's switch: asks once, on a click; says so when the browser blocks them. */
export function NotificationsToggle() {
  const { t } = useTranslation();
  const permission = usePermission();
  if (permission === "unsupported") return null;
  if (permission === "granted")
    return (
      <span className="muted small" data-notifications="on">
        {t("notifications.on")}
      </span>
    );
  if (permission === "denied")
    return (
      <span className="muted small" data-notifications="blocked">
        {t("notifications.blocked")}
      </span>
    );
  return (
    <button type="button" className="button button-small" onClick={() => void askPermission()}>
      {t("notifications.turnOn")}
    </button>
  );
}
