import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";

/** A titled section of a page, with room for controls beside the title. */
export function Panel({
  title,
  actions,
  children,
  id,
}: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
  id?: string;
}) {
  const headingId = id ? `${id}-title` : undefined;
  return (
    <section className="panel" aria-labelledby={headingId} id={id}>
      <header className="panel-header">
        <h2 id={headingId}>{title}</h2>
        {actions && <div className="panel-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

/** What a query shows while it loads or when it failed. */
export function QueryState({
  isPending,
  error,
  retry,
}: {
  isPending: boolean;
  error: Error | null;
  retry?: () => void;
}) {
  const { t } = useTranslation();
  if (error) {
    const message = error instanceof ApiError ? error.message : String(error.message);
    return (
      <div className="notice notice-error" role="alert">
        {t("app.error", { message })}
        {retry && (
          <button type="button" className="button button-small" onClick={retry}>
            {t("app.retry")}
          </button>
        )}
      </div>
    );
  }
  if (isPending)
    return (
      <div className="notice" role="status">
        {t("app.loading")}
      </div>
    );
  return null;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}
