import { useState } from "react";
import { useTranslation } from "react-i18next";
import { navigate } from "../../router";
import { Empty, Panel, QueryState } from "../../ui/Panel";
import { CallFiltersForm } from "./CallFiltersForm";
import { CallsTable } from "./CallsTable";
import { filtersFrom, filtersQuery, type CallFilters } from "./filters";
import { useCalls } from "./useCalls";

/** Every call, filtered, a page at a time (keyset pages: "older" follows `next`). */
export function CallsPage({ search }: { search: URLSearchParams }) {
  const { t } = useTranslation();
  const filters = filtersFrom(search);
  const key = filtersQuery(filters);
  // The cursors of the pages before this one; reset when the filters change.
  const [pages, setPages] = useState<{ key: string; cursors: (string | null)[] }>({
    key,
    cursors: [null],
  });
  const cursors = pages.key === key ? pages.cursors : [null];
  const after = cursors[cursors.length - 1] ?? null;
  const query = useCalls(filters, after);
  const apply = (f: CallFilters) => {
    const q = filtersQuery(f);
    navigate(q ? `/calls?${q}` : "/calls");
  };

  const exportLink = (
    <a className="button" href={`/api/calls.csv${key ? `?${key}` : ""}`} download>
      {t("calls.export")}
    </a>
  );
  return (
    <Panel title={t("calls.title")} id="calls" actions={exportLink}>
      <CallFiltersForm key={key} filters={filters} onApply={apply} />
      <QueryState
        isPending={query.isPending}
        error={query.error}
        retry={() => void query.refetch()}
      />
      {query.data?.calls.length === 0 && <Empty>{t("calls.empty")}</Empty>}
      {query.data && query.data.calls.length > 0 && <CallsTable calls={query.data.calls} />}
      <nav className="pager" aria-label={t("calls.page", { page: cursors.length })}>
        <button
          type="button"
          className="button"
          disabled={cursors.length <= 1}
          onClick={() => setPages({ key, cursors: cursors.slice(0, -1) })}
        >
          {t("calls.previous")}
        </button>
        <span className="muted">{t("calls.page", { page: cursors.length })}</span>
        <button
          type="button"
          className="button"
          disabled={!query.data?.next || query.isPlaceholderData}
          onClick={() => setPages({ key, cursors: [...cursors, query.data?.next ?? null] })}
        >
          {t("calls.next")}
        </button>
      </nav>
    </Panel>
  );
}
