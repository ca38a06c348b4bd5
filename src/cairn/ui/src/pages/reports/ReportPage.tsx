/** A report: its Markdown and live panel blocks, read, or edited in place by those who may
 * (a team project's viewers read only). Edits are kept on the page until saved; a save
 * sends the version the report was read at, and if someone saved since, the page says so
 * and keeps the edits (nothing is overwritten either way). Exports a static HTML file and
 * prints through the browser (print CSS). */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, api } from "../../api/client";
import { reportsApi, type Block, type PanelBlock, type Report } from "../../api/reports";
import { ChartData } from "../../charts/chartData";
import { download, fileName, themeColors } from "../../charts/export";
import { newId, type LineSettings, type PanelType } from "../../charts/layout";
import { PanelSettings } from "../../charts/PanelSettings";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Link } from "../../components/Link";
import { Markdown } from "../../components/Markdown";
import { isChartable } from "../../lib/sections";
import { useAsync } from "../../lib/useAsync";
import { navigate, paths, setQuery, useQuery } from "../../router";
import { reportHtml } from "./exportHtml";
import { ReportPanel } from "./ReportPanel";
import "./reports.css";

interface Props {
  entity: string;
  project: string;
  id: string;
  theme: string;
}

/** Panel types a block can be: what the panel grid draws. */
const BLOCK_PANEL_TYPES: PanelType[] = ["line", "markdown", "bar", "scatter", "parallel"];
const DEFAULT_MAX_RUNS = 20;

export function ReportPage({ entity, project, id, theme }: Props) {
  const loaded = useAsync((s) => reportsApi.get(entity, project, id, s), [entity, project, id]);
  const metrics = useAsync((s) => api.metrics(entity, project, s), [entity, project]);
  const keys = useMemo(() => (metrics.data ?? []).filter(isChartable).map((m) => m.key), [metrics.data]);
  const data = useMemo(() => new ChartData(entity, project), [entity, project]);
  useEffect(() => () => data.dispose(), [data]);
  const [report, setReport] = useState<Report | null>(null);
  const [draft, setDraft] = useState<{ title: string; blocks: Block[] } | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [conflict, setConflict] = useState(false);
  const article = useRef<HTMLDivElement>(null);
  const query = useQuery();
  const editing = draft !== null;

  useEffect(() => {
    if (!loaded.data) return;
    setReport(loaded.data);
    if (query.get("edit") === "1" && loaded.data.editable && draft === null) {
      setDraft({ title: loaded.data.title, blocks: loaded.data.body.blocks });
    }
  }, [loaded.data]);
  useEffect(() => {
    if (report) document.title = `${report.title} · ${project} · cairn`;
  }, [report?.title, project]);
  const dirty = draft !== null && report !== null &&
    (draft.title !== report.title || JSON.stringify(draft.blocks) !== JSON.stringify(report.body.blocks));
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  if (loaded.error !== undefined) {
    return (
      <main class="page page-narrow" id="main">
        <ErrorBanner error={loaded.error} onRetry={loaded.reload} />
        <Link href={paths.reports(entity, project)}>All reports</Link>
      </main>
    );
  }
  if (!report) return <main class="page" id="main"><div class="loading-block" aria-label="loading" /></main>;

  const blocks = draft?.blocks ?? report.body.blocks;
  const title = draft?.title ?? report.title;
  const change = (next: Block[]) => setDraft((d) => d && { ...d, blocks: next });
  const changeBlock = (i: number, block: Block) => change(blocks.map((b, j) => (j === i ? block : b)));
  const meta = `${entity}/${project} · ${report.author ? `by ${report.author} · ` : ""}saved ${new Date(report.updated_at * 1000).toLocaleString()} (version ${report.version})`;

  const save = async () => {
    if (!draft) return;
    setSaving(true);
    setError(undefined);
    try {
      const saved = await reportsApi.save(entity, project, report.id, report.version, { title: draft.title, body: { blocks: draft.blocks } });
      setReport(saved);
      setDraft(null);
      setConflict(false);
      setQuery({ edit: null });
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) setConflict(true);
      else setError(e);
    } finally {
      setSaving(false);
    }
  };
  const reloadNewer = async () => {
    try {
      const newer = await reportsApi.get(entity, project, report.id);
      setReport(newer);
      setDraft({ title: newer.title, blocks: newer.body.blocks });
      setConflict(false);
    } catch (e) {
      setError(e);
    }
  };
  const exportHtml = () => {
    if (!article.current) return;
    download(fileName(title, "html"), reportHtml(article.current, title, meta, themeColors(article.current)), "text/html");
  };
  const remove = async () => {
    if (!confirm(`Delete the report “${report.title}”? This cannot be undone.`)) return;
    try {
      await reportsApi.remove(entity, project, report.id);
      navigate(paths.reports(entity, project));
    } catch (e) {
      setError(e);
    }
  };

  return (
    <main class="page report-page" id="main">
      <nav class="crumbs no-print" aria-label="Breadcrumb">
        <Link href={paths.projects()}>Projects</Link>
        <span aria-hidden="true">/</span>
        <Link href={paths.workspace(entity, project)}>{project}</Link>
        <span aria-hidden="true">/</span>
        <Link href={paths.reports(entity, project)}>Reports</Link>
      </nav>
      <div class="report-toolbar no-print" role="toolbar" aria-label="Report">
        {!editing && report.editable && (
          <button type="button" class="btn" onClick={() => setDraft({ title: report.title, blocks: report.body.blocks })}>Edit</button>
        )}
        {!report.editable && <span class="badge" title="You may read this project but not change it">Read only</span>}
        {editing && (
          <>
            <button type="button" class="btn btn-primary" disabled={saving || !dirty} onClick={() => void save()}>
              {saving ? "Saving…" : "Save"}
            </button>
            <button type="button" class="btn" onClick={() => {
              if (!dirty || confirm("Discard the changes?")) {
                setDraft(null);
                setConflict(false);
                setQuery({ edit: null });
              }
            }}>Done</button>
            {dirty && <span class="muted">Unsaved changes</span>}
          </>
        )}
        <span class="spacer" />
        <button type="button" class="btn" onClick={exportHtml}>Export HTML</button>
        <button type="button" class="btn" onClick={() => window.print()}>Print / PDF</button>
        {report.editable && !editing && <button type="button" class="btn btn-danger" onClick={() => void remove()}>Delete</button>}
      </div>
      {conflict && (
        <div class="banner banner-warn no-print" role="alert">
          This report was saved by someone else since you opened it; your changes were not saved and nothing was
          overwritten. <button type="button" class="btn btn-small" onClick={() => void reloadNewer()}>Load theirs</button>{" "}
          (your edits on this page are replaced) or copy your text out first.
        </div>
      )}
      {error !== undefined && <ErrorBanner error={error} />}
      {editing ? (
        <input class="input report-title-input" aria-label="Report title" value={title} maxLength={200}
          onInput={(e) => setDraft((d) => d && { ...d, title: e.currentTarget.value })} />
      ) : (
        <h1 class="report-title">{title}</h1>
      )}
      <p class="report-meta muted">{meta}</p>
      <div class="report-body" ref={article}>
        {blocks.map((block, i) => (
          <div class="report-block" key={block.id} data-block={block.id} data-type={block.type}>
            {editing && (
              <BlockControls i={i} count={blocks.length} blocks={blocks} onChange={change} />
            )}
            {block.type === "markdown" ? (
              editing ? (
                <MarkdownEditor text={block.text} onText={(text) => changeBlock(i, { ...block, text })} />
              ) : (
                <Markdown text={block.text} />
              )
            ) : (
              <>
                {editing && <PanelEditor block={block} keys={keys} onChange={(b) => changeBlock(i, b)} />}
                <ReportPanel entity={entity} project={project} block={block} data={data} keys={keys} theme={theme} />
              </>
            )}
          </div>
        ))}
        {blocks.length === 0 && <p class="muted">This report is empty.{report.editable && !editing ? " Edit it to add text and panels." : ""}</p>}
      </div>
      {editing && (
        <div class="report-add no-print">
          <button type="button" class="btn" onClick={() => change([...blocks, { id: newId("text"), type: "markdown", text: "" }])}>+ Text</button>
          <button type="button" class="btn" onClick={() => change([...blocks, newPanelBlock(keys)])}>+ Panel</button>
        </div>
      )}
    </main>
  );
}

function newPanelBlock(keys: readonly string[]): PanelBlock {
  return {
    id: newId("block"),
    type: "panel",
    panel: { id: newId("panel"), type: "line", h: 2, settings: { metrics: keys.length ? [keys[0]!] : [] } },
    runs: { query: "", max: DEFAULT_MAX_RUNS },
  };
}

function BlockControls({ i, count, blocks, onChange }: { i: number; count: number; blocks: Block[]; onChange: (b: Block[]) => void }) {
  const move = (delta: number) => {
    const next = [...blocks];
    const [moved] = next.splice(i, 1);
    next.splice(i + delta, 0, moved!);
    onChange(next);
  };
  const kind = blocks[i]!.type === "markdown" ? "text" : "panel";
  return (
    <div class="block-controls no-print" role="toolbar" aria-label={`Block ${i + 1} (${kind})`}>
      <span class="muted">{kind === "text" ? "Text" : "Panel"}</span>
      <button type="button" class="btn btn-small" disabled={i === 0} aria-label={`Move block ${i + 1} up`} onClick={() => move(-1)}>↑</button>
      <button type="button" class="btn btn-small" disabled={i === count - 1} aria-label={`Move block ${i + 1} down`} onClick={() => move(1)}>↓</button>
      <button type="button" class="btn btn-small btn-danger" aria-label={`Remove block ${i + 1}`}
        onClick={() => onChange(blocks.filter((_, j) => j !== i))}>Remove</button>
    </div>
  );
}

function MarkdownEditor({ text, onText }: { text: string; onText: (t: string) => void }) {
  return (
    <div class="markdown-editor">
      <textarea class="input" aria-label="Markdown" value={text} rows={Math.min(24, Math.max(4, text.split("\n").length + 1))}
        placeholder="Markdown, with LaTeX between $ … $ or $$ … $$" onInput={(e) => onText(e.currentTarget.value)} />
      <div class="markdown-preview" aria-label="Preview"><Markdown text={text} /></div>
    </div>
  );
}

/** The run set accepts a query string or a whole workspace link (what "Copy link" gives). */
function queryOf(text: string): string {
  const t = text.trim();
  const at = t.indexOf("?");
  return at >= 0 ? t.slice(at + 1) : t;
}

function PanelEditor({ block, keys, onChange }: { block: PanelBlock; keys: readonly string[]; onChange: (b: PanelBlock) => void }) {
  const [settingsOpen, setSettingsOpen] = useState(false);
  const { panel, runs } = block;
  const setPanel = (change: Partial<PanelBlock["panel"]>) => onChange({ ...block, panel: { ...panel, ...change } });
  const setSettings = (settings: LineSettings) => setPanel({ settings });
  return (
    <div class="panel-editor no-print">
      <label>
        Type
        <select class="input" value={panel.type} onChange={(e) => setPanel({ type: e.currentTarget.value as PanelType })}>
          {BLOCK_PANEL_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </label>
      {panel.type === "markdown" ? (
        <label class="grow">
          Text
          <input class="input" value={panel.settings.text ?? ""} onInput={(e) => setSettings({ ...panel.settings, text: e.currentTarget.value })} />
        </label>
      ) : (
        <label class="grow">
          Metrics
          <input class="input" aria-label="Metrics" list="report-metric-keys" value={(panel.settings.metrics ?? []).join(", ")}
            placeholder="loss, /val\/.*/"
            onChange={(e) => setSettings({ ...panel.settings, metrics: e.currentTarget.value.split(",").map((m) => m.trim()).filter(Boolean) })} />
          <datalist id="report-metric-keys">{keys.slice(0, 500).map((k) => <option key={k} value={k} />)}</datalist>
        </label>
      )}
      <label class="grow">
        Runs (a workspace link or query)
        <input class="input" aria-label="Run set" value={runs.query} placeholder="all runs"
          onChange={(e) => onChange({ ...block, runs: { ...runs, query: queryOf(e.currentTarget.value) } })} />
      </label>
      <label>
        At most
        <input class="input" type="number" min={1} max={1000} aria-label="Runs at most" value={runs.max}
          onChange={(e) => {
            const n = Math.round(Number(e.currentTarget.value));
            if (n >= 1 && n <= 1000) onChange({ ...block, runs: { ...runs, max: n } });
          }} />
      </label>
      <label>
        Height
        <input class="input" type="number" min={1} max={6} aria-label="Height in rows" value={panel.h ?? 2}
          onChange={(e) => {
            const h = Math.round(Number(e.currentTarget.value));
            if (h >= 1 && h <= 6) setPanel({ h });
          }} />
      </label>
      {panel.type === "line" && <button type="button" class="btn" onClick={() => setSettingsOpen(true)}>Settings…</button>}
      {settingsOpen && (
        <PanelSettings title={panel.settings.title ?? "the panel"} settings={panel.settings} keys={keys}
          onSave={(s) => {
            setSettings(s);
            setSettingsOpen(false);
          }}
          onClose={() => setSettingsOpen(false)} />
      )}
    </div>
  );
}
