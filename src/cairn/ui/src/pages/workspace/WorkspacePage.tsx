/** A project's workspace: the runs table beside the panel grid, all state in the URL, kept
 * live by the project's event stream. */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, api } from "../../api/client";
import { Link } from "../../components/Link";
import { useLiveEvents } from "../../api/events";
import type { RunEvent } from "../../api/types";
import { ChartData } from "../../charts/chartData";
import { ChartPanel, type ChartSettings } from "../../charts/ChartPanel";
import { PanelSections } from "../../charts/PanelSections";
import { ErrorBanner } from "../../components/ErrorBanner";
import { FullScreen } from "../../components/FullScreen";
import { Splitter, usePaneWidth } from "../../components/Splitter";
import { baseLayout, resolveMetrics, setRunColor as setRunColorOf, shownSections } from "../../charts/layout";
import { validColor } from "../../lib/colors";
import { isChartable, keyMatcher, sectionsOf } from "../../lib/sections";
import { useAsync } from "../../lib/useAsync";
import { useRunColors } from "../../lib/runColors";
import { paths, useQuery } from "../../router";
import { chartRunsOf, groupsOf, toggledVisibility } from "./chartRuns";
import { ChartToolbar } from "./ChartToolbar";
import { ComparisonCharts } from "./ComparisonCharts";
import { columnsFor, RunsTable } from "./RunsTable";
import { RunsToolbar } from "./RunsToolbar";
import { MAX_ALL, PAGE as TABLE_PAGE, useRunRows } from "./runRows";
import { WorkspaceMedia } from "./WorkspaceMedia";
import { readView, setQueryOf, viewActions } from "./viewState";
import { defaultColumns, spreadOf } from "./columnSpread";
import { useColumnWidths } from "./columnWidths";
import { decodeLayout, LAYOUT_PARAM, LayoutBar, openView } from "./LayoutBar";
import { useWorkspaceLayout } from "./useLayout";
import { workspaceApi } from "../../api/workspace";
import { PanelRunsContext, type PanelRuns } from "../../charts/panels/context";
import { groupValue } from "./chartRuns";

const METRICS_REFRESH_MS = 5000;

export function WorkspacePage({ entity, project, theme }: { entity: string; project: string; theme: string }) {
  const query = useQuery();
  const view = readView(query);
  const columns = useAsync((s) => api.columns(entity, project, s), [entity, project]);
  const metrics = useAsync((s) => api.metrics(entity, project, s), [entity, project]);
  const data = useMemo(() => new ChartData(entity, project), [entity, project]);
  useEffect(() => () => data.dispose(), [data]);

  // Grouping, and charting more runs than the table loads at once, need every row.
  const needAll = view.group !== null || view.chartRuns === "all" || view.chartRuns > TABLE_PAGE;
  const requested = view.columns
    ? [...new Set([...view.columns, ...(view.group?.startsWith("config.") ? [view.group] : [])])]
        .filter((c) => c.startsWith("config.") || c.startsWith("summary."))
    : null;
  const rows = useRunRows(
    entity,
    project,
    { filters: view.runFilters, search: view.search, order: view.order, columns: requested },
    needAll,
  );
  const loaded = rows.loaded();
  // Default columns: the config and summary keys that differ between the runs loaded (the
  // table asks for whole config and summary documents until columns are chosen).
  const spreadRows = rows.settled().rows;
  const spread = useMemo(
    () =>
      view.columns === null && spreadRows.length
        ? spreadOf(spreadRows, columns.data?.config ?? [], columns.data?.summary ?? [])
        : null,
    [view.columns === null, rows.version, columns.data],
  );
  const shownColumns = view.columns ?? (spread ? defaultColumns(spread, view.constantColumns) : []);
  const [columnWidths, setColumnWidth] = useColumnWidths(entity, project);
  const groups = useMemo(
    () => (view.group ? groupsOf(loaded, view.group, view.order) : null),
    [rows.version, view.group, view.runFiltersKey, view.search, view.order],
  );
  const ws = useWorkspaceLayout(entity, project);
  // Run colours are the saved layout's; colours chosen before layouts kept them (in the
  // browser) hold until the first choice, which carries them into the layout.
  const [browserColors] = useRunColors(entity, project);
  const chosenColors = useMemo(
    () => (ws.layout?.colors ? new Map(Object.entries(ws.layout.colors)) : browserColors),
    [ws.layout, browserColors],
  );
  const settled = rows.settled();
  const chart = chartRunsOf(groups ? loaded : settled.rows, groups, view, groups ? rows.byId : settled.byId, chosenColors);
  const colorSig = [...chart.colors].map(([id, c]) => `${id}=${c}`).join(",");

  // New metrics appear as live runs log them: refresh the list, at most every few seconds.
  const lastMetricsRefresh = useRef(0);
  const onRun = (ev: RunEvent) => {
    rows.apply(ev);
    const now = Date.now();
    if (now - lastMetricsRefresh.current > METRICS_REFRESH_MS) {
      lastMetricsRefresh.current = now;
      setTimeout(() => metrics.reload(), 300);
    }
  };
  const live = loaded.filter((r) => r.state === "running").map((r) => r.id);
  useLiveEvents(entity, project, data, chart.runIds, live, { onRun });

  const settings: ChartSettings = { x: view.x, smoothing: view.smoothing, log: view.log, zoom: view.zoom, theme };
  const sections = useMemo(() => sectionsOf(metrics.data ?? [], view.panelSearch), [metrics.data, view.panelSearch]);
  const allSections = useMemo(() => sectionsOf(metrics.data ?? [], ""), [metrics.data]);
  const metricKeys = useMemo(() => (metrics.data ?? []).filter(isChartable).map((m) => m.key), [metrics.data]);
  const baseOfEdits = useMemo(() => ws.layout ?? baseLayout(allSections), [ws.layout, allSections]);
  const setRunColor = (id: string, color: string | null) => {
    const seeded = baseOfEdits.colors ? baseOfEdits : { ...baseOfEdits, colors: Object.fromEntries(browserColors) };
    ws.change(setRunColorOf(seeded, id, color === null ? null : validColor(color)));
  };
  // The table's columns are memoised: they call the current setter, never a stale one.
  const onColor = useRef(setRunColor);
  onColor.current = setRunColor;
  const shown = useMemo(
    () => shownSections(ws.layout, sections, keyMatcher(view.panelSearch)),
    [ws.layout, sections, view.panelSearch],
  );
  const [shared, setShared] = useState(false);
  const opened = useRef(false);
  // Once the saved layout is in: a link's layout replaces it (undo puts it back), or with
  // a bare URL the default view opens.
  useEffect(() => {
    if (!ws.loaded || opened.current) return;
    opened.current = true;
    const linked = query.get(LAYOUT_PARAM);
    if (linked !== null) {
      const layout = decodeLayout(linked);
      if (layout) {
        ws.change(layout);
        setShared(true);
      }
      setQueryOf({ [LAYOUT_PARAM]: null });
    } else if (!location.search) {
      workspaceApi.views(entity, project).then(
        (views) => {
          const chosen = views.find((v) => v.default);
          if (chosen && !location.search) openView(ws, chosen);
        },
        () => undefined,
      );
    }
  }, [ws.loaded]);
  const fullPanel = view.full?.startsWith("panel:")
    ? ws.layout?.sections.flatMap((s) => s.panels).find((p) => `panel:${p.id}` === view.full)
    : undefined;
  const syncKey = `${entity}/${project}:${view.x}`;
  const tableColumns = useMemo(
    () => columnsFor(shownColumns, entity, project, { colors: chart.colors, onColor: (id, c) => onColor.current(id, c) }),
    [shownColumns.join(","), entity, project, colorSig],
  );
  const chartedSig = chart.runIds.join(",");
  const panelRuns = useMemo<PanelRuns>(
    () => ({
      entity,
      project,
      filters: view.runFilters,
      userFilters: view.filters,
      filtersKey: view.runFiltersKey,
      search: view.search,
      order: view.order,
      group: view.group,
      groupValue,
      charted: new Set(chart.runIds),
      colors: chart.colors,
      selected: view.selected,
      onlySelected: view.onlySelected,
      columns: columns.data,
      brush: view.brush,
      onBrush: viewActions.brush,
      version: rows.total,
    }),
    [entity, project, view.runFiltersKey, view.search, view.order, view.group, chartedSig, colorSig, view.selected.join(","),
      view.onlySelected, columns.data, rows.total],
  );
  const capped = groups === null && !view.onlySelected && view.chartRuns !== "all" && rows.total > view.chartRuns;
  const [paneWidth, setPaneWidth] = usePaneWidth("cairn.runs-pane", 520, 300, 1400);
  useEffect(() => {
    document.title = `${project} · cairn`;
  }, [project]);

  if (columns.error instanceof ApiError && columns.error.status === 404) {
    return (
      <main class="page page-narrow" id="main">
        <ErrorBanner error={columns.error} />
        <Link href={paths.projects()}>All projects</Link>
      </main>
    );
  }

  return (
    <div class="workspace" style={{ gridTemplateColumns: `${paneWidth}px 6px minmax(0, 1fr)` }}>
      <aside class="runs-pane" aria-label="Runs">
        <RunsToolbar view={view} columns={columns.data} shownColumns={shownColumns} constant={spread?.constant ?? null}
          total={rows.total} entity={entity} project={project} />
        {rows.error !== undefined && <ErrorBanner error={rows.error} onRetry={rows.reload} />}
        {needAll && rows.total > MAX_ALL && (
          <div class="banner banner-info">Grouping and “show all” use the first {MAX_ALL.toLocaleString()} runs.</div>
        )}
        <RunsTable
          rows={rows}
          groups={groups}
          columns={tableColumns}
          order={view.order}
          selected={view.selected}
          chartShown={chart.shown}
          onSort={viewActions.order}
          onSelect={viewActions.selected}
          widths={columnWidths}
          onResize={setColumnWidth}
          onToggleChart={(id, shown) => {
            const [hidden, shownIds] = toggledVisibility(view, id, shown);
            viewActions.visibility(hidden, shownIds);
          }}
        />
      </aside>
      <Splitter width={paneWidth} onWidth={setPaneWidth} label="Resize the runs table" />
      <main class="panels-pane" id="main">
        <ChartToolbar view={view} metrics={metrics.data ?? []} runsLabel={groups !== null ? "Groups" : "Runs"} />
        {capped && (
          <div class="banner banner-info chart-cap" role="status">
            Charts show the first {Number(view.chartRuns).toLocaleString()} of {rows.total.toLocaleString()} runs the
            table lists; “Runs in charts” raises the cap.
          </div>
        )}
        {metrics.error !== undefined && <ErrorBanner error={metrics.error} onRetry={metrics.reload} />}
        <ComparisonCharts entity={entity} project={project} view={view} columns={columns.data} theme={theme} colors={chart.colors} />
        <WorkspaceMedia entity={entity} project={project} open={query.get("media") === "1"}
          runs={chart.specs.filter((s) => !s.group).map((s) => ({ id: s.runs[0] ?? s.id, label: s.label, color: s.color }))} />
        {metrics.data && sections.length === 0 && (
          <p class="muted pad">{view.panelSearch ? "No metric matches the panel search." : "No metrics logged yet."}</p>
        )}
        <LayoutBar entity={entity} project={project} state={ws} base={baseOfEdits} onOpen={(v) => openView(ws, v)} />
        {ws.notice && (
          <div class="banner banner-warn" role="alert">
            {ws.notice} <button type="button" class="btn btn-small" onClick={ws.dismiss}>Dismiss</button>
          </div>
        )}
        {shared && (
          <div class="banner banner-info" role="status">
            This is the layout of the link you opened, now yours; Undo puts your own back.{" "}
            <button type="button" class="btn btn-small" onClick={() => setShared(false)}>Dismiss</button>
          </div>
        )}
        {view.brush && (
          <div class="banner banner-info" role="status">
            A parallel-coordinates brush filters the runs.{" "}
            <button type="button" class="btn btn-small" onClick={() => viewActions.brush(null)}>Clear brush</button>
          </div>
        )}
        <PanelRunsContext.Provider value={panelRuns}>
        <PanelSections
          sections={shown}
          specs={chart.specs}
          data={data}
          settings={settings}
          onZoom={viewActions.zoom}
          onFullScreen={(key) => viewActions.full(key)}
          syncKey={syncKey}
          keys={metricKeys}
          edit={ws.loaded ? { layout: baseOfEdits, change: ws.change } : undefined}
          runInfo={rows.byId}
          columns={columns.data}
        />
        </PanelRunsContext.Provider>
      </main>
      {view.full && (
        <FullScreen title={fullPanel?.settings.title ?? view.full} onClose={() => viewActions.full(null)}>
          <ChartPanel
            metric={fullPanel ? (fullPanel.settings.metrics ?? [])[0] ?? "" : view.full}
            keys={fullPanel ? resolveMetrics(fullPanel.settings.metrics ?? [], metricKeys) : undefined}
            own={fullPanel?.settings}
            title={fullPanel?.settings.title}
            specs={chart.specs}
            data={data}
            settings={settings}
            onZoom={viewActions.zoom}
            height={Math.max(300, window.innerHeight - 140)}
            syncKey={`${syncKey}:full`}
          />
        </FullScreen>
      )}
    </div>
  );
}
