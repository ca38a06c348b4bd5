/** The workspace's panels in sections: the layout's configured panels and the automatic
 * ones (`layout.ts`). A section lists its first panels and more on request, and each
 * panel fetches and draws only while on screen, so a project with thousands of metrics
 * stays fluid.
 *
 * With an editor, sections can be added, renamed, moved and collapsed, and panels added,
 * configured, duplicated, moved (drag by the grip, or the menu) and resized (drag the
 * corner, or the menu); every edit is a new layout handed to `edit.change`. */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Run } from "../api/types";
import { Icon } from "../components/Icon";
import { Popover } from "../components/Popover";
import type { ChartData } from "./chartData";
import { ChartPanel, type ChartSettings } from "./ChartPanel";
import {
  addPanel,
  configuredIndex,
  duplicatePanel,
  MAX_H,
  MAX_W,
  moveSection,
  movePanel,
  removePanel,
  removeSection,
  renameSection,
  resizePanel,
  resolveMetrics,
  ROW_PX,
  setCollapsed,
  updatePanel,
  type Layout,
  type LineSettings,
  type PanelType,
  type ShownPanel,
  type ShownSection,
} from "./layout";
import { legendLabel } from "./legendTemplate";
import type { LineSpec } from "./lines";
import { PanelSettings, TextSettings } from "./PanelSettings";
import { Markdown } from "../components/Markdown";
import type { Columns } from "../api/types";
import { AddChartMenu, defaultTitle, FieldPanel, FieldSettings, isFieldPanel, newPanelSize } from "./panels";
import { AddKindMenu, isKind, KIND_H, KindPanel, KindSettings } from "./panels/kinds";

const FIRST_PANELS = 24;
const GRID_MIN_PX = 340;
const GRID_GAP_PX = 12;

export interface LayoutEditor {
  layout: Layout;
  change: (next: Layout) => void;
}

interface Props {
  sections: readonly ShownSection[];
  specs: readonly LineSpec[];
  data: ChartData;
  settings: ChartSettings;
  onZoom: (z: readonly [number, number] | null) => void;
  /** Full screen of a metric, or of a configured panel (`panel:ID`). */
  onFullScreen: (key: string) => void;
  syncKey: string;
  /** Every chartable metric key (for /regex/ metrics and the settings dialog). */
  keys: readonly string[];
  /** Absent: panels are shown as they are (the run page), and which sections are open
   * is remembered in the browser under `storageKey`. */
  edit?: LayoutEditor;
  storageKey?: string;
  runInfo?: (id: string) => Run | undefined;
  /** The project's config and summary keys (the field panels' settings offer them). */
  columns?: Columns;
}

type Toggled = Record<string, boolean>;

function loadToggled(key: string | undefined): Toggled {
  if (!key) return {};
  try {
    const v: unknown = JSON.parse(localStorage.getItem(key) ?? "{}");
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Toggled) : {};
  } catch {
    return {};
  }
}

/** What a panel being dragged is, while it is dragged. */
interface Dragged {
  section: string;
  panel: ShownPanel;
}

interface Editing {
  section: string;
  panel: ShownPanel | null;
  /** The type of a new panel. */
  type: PanelType;
}

export function PanelSections(props: Props) {
  const dragged = useRef<Dragged | null>(null);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [toggled, setToggled] = useState(() => loadToggled(props.storageKey));
  const { edit } = props;
  const collapsedOf = (s: ShownSection) => (edit ? s.collapsed : toggled[s.name] !== undefined ? !toggled[s.name] : s.collapsed);
  const toggle = (s: ShownSection) => {
    if (edit) {
      edit.change(setCollapsed(edit.layout, s.id, !s.collapsed));
      return;
    }
    const next = { ...toggled, [s.name]: collapsedOf(s) };
    setToggled(next);
    try {
      if (props.storageKey) localStorage.setItem(props.storageKey, JSON.stringify(next));
    } catch {
      // not remembered: fine
    }
  };
  const save = (settings: LineSettings) => {
    if (!editing || !edit) return;
    if (editing.panel) edit.change(updatePanel(edit.layout, editing.section, editing.panel, { settings }));
    else edit.change(addPanel(edit.layout, editing.section, { type: editing.type, settings, ...(isKind(editing.type) ? { h: KIND_H } : newPanelSize(editing.type)) })[0]);
    setEditing(null);
  };
  return (
    <div class="sections">
      {props.sections.map((s) => (
        <PanelSection key={s.id} {...props} section={{ ...s, collapsed: collapsedOf(s) }} dragged={dragged} onEdit={setEditing}
          onToggle={() => toggle(s)} />
      ))}
      {editing && (editing.panel?.type ?? editing.type) === "markdown" && (
        <TextSettings
          title={editing.panel ? panelTitle(editing.panel, props.keys) : "a new text panel"}
          settings={editing.panel ? editing.panel.settings : {}}
          onSave={save}
          onClose={() => setEditing(null)}
        />
      )}
      {editing && isFieldPanel(editing.panel?.type ?? editing.type) && (
        <FieldSettings
          type={(editing.panel?.type ?? editing.type) as Parameters<typeof FieldSettings>[0]["type"]}
          title={editing.panel ? panelTitle(editing.panel, props.keys) : "a new panel"}
          settings={editing.panel ? editing.panel.settings : {}}
          columns={props.columns}
          onSave={save}
          onClose={() => setEditing(null)}
        />
      )}
      {editing && isKind(editing.panel?.type ?? editing.type) && (
        <KindSettings type={editing.panel?.type ?? editing.type} specs={props.specs} entity={props.data.entity} project={props.data.project}
          title={editing.panel ? panelTitle(editing.panel, props.keys) : "a new panel"}
          settings={editing.panel ? editing.panel.settings : {}} onSave={save} onClose={() => setEditing(null)} />
      )}
      {editing && (editing.panel?.type ?? editing.type) === "line" && (
        <PanelSettings
          title={editing.panel ? panelTitle(editing.panel, props.keys) : "a new panel"}
          settings={editing.panel ? editing.panel.settings : {}}
          keys={props.keys}
          onSave={save}
          onClose={() => setEditing(null)}
        />
      )}
    </div>
  );
}

function panelTitle(p: ShownPanel, keys: readonly string[]): string {
  if (p.autoKey !== null) return p.autoKey;
  if (p.settings.title) return p.settings.title;
  if (p.type === "markdown") return "Notes";
  if (isFieldPanel(p.type)) return defaultTitle(p.type, p.settings.options);
  if (isKind(p.type)) return p.settings.mediaKey ?? (p.type === "vega" ? "Vega chart" : "(no key)");
  const resolved = resolveMetrics(p.settings.metrics ?? [], keys);
  return resolved.length ? resolved.join(", ") : (p.settings.metrics ?? []).join(", ") || "(no metric)";
}

/** Columns of the panel grid at its current width (a wide panel spans at most these). */
function useColumns(): [(el: HTMLDivElement | null) => void, number] {
  const [cols, setCols] = useState(3);
  const [el, setEl] = useState<HTMLDivElement | null>(null);
  useEffect(() => {
    if (!el) return;
    const measure = () => setCols(Math.max(1, Math.floor((el.clientWidth + GRID_GAP_PX) / (GRID_MIN_PX + GRID_GAP_PX))));
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [el]);
  return [setEl, cols];
}

type SectionProps = Props & { section: ShownSection; onEdit: (e: Editing) => void; onToggle: () => void };

function SectionHead(props: SectionProps & { index: number }) {
  const { section, edit } = props;
  const [renaming, setRenaming] = useState(false);
  const id = `section-${section.id.replace(/[^\w-]/g, "_")}`;
  const count = section.panels.length;
  const move = (delta: number) => edit?.change(moveSection(edit.layout, props.sections, section.id, delta));
  if (renaming && edit) {
    const done = (name: string) => {
      setRenaming(false);
      if (name.trim() && name.trim() !== section.name) edit.change(renameSection(edit.layout, section.id, name.trim()));
    };
    return (
      <h2 class="section-head">
        <input class="input section-rename" aria-label={`New name of section ${section.name}`} value={section.name} autoFocus
          maxLength={200}
          onKeyDown={(e) => {
            if (e.key === "Enter") done(e.currentTarget.value);
            if (e.key === "Escape") setRenaming(false);
          }}
          onBlur={(e) => done(e.currentTarget.value)} />
      </h2>
    );
  }
  return (
    <h2 class="section-head" id={`${id}-h`}>
      <button type="button" class="btn-plain section-toggle" aria-expanded={!section.collapsed} aria-controls={id}
        onClick={props.onToggle}>
        <span class={section.collapsed ? "chev" : "chev chev-open"}><Icon name="chevron" size={12} /></span>
        {section.name}
        <span class="count">{count}</span>
      </button>
      {edit && <span class="section-actions">
        <button type="button" class="btn-plain" aria-label={`Add a panel to ${section.name}`} title="Add a panel"
          onClick={() => props.onEdit({ section: section.id, panel: null, type: "line" })}>
          <Icon name="plus" size={12} /> Panel
        </button>
        <button type="button" class="btn-plain" aria-label={`Add a text panel to ${section.name}`} title="Add a Markdown text panel"
          onClick={() => props.onEdit({ section: section.id, panel: null, type: "markdown" })}>
          <Icon name="plus" size={12} /> Text
        </button>
        <AddChartMenu section={section.name} onAdd={(type) => props.onEdit({ section: section.id, panel: null, type })} />
        <AddKindMenu section={section.name} onAdd={(type) => props.onEdit({ section: section.id, panel: null, type })} />
        <button type="button" class="btn-plain" aria-label={`Rename section ${section.name}`} onClick={() => setRenaming(true)}>Rename</button>
        <button type="button" class="btn-plain" aria-label={`Move section ${section.name} up`} disabled={props.index === 0}
          onClick={() => move(-1)}>↑</button>
        <button type="button" class="btn-plain" aria-label={`Move section ${section.name} down`}
          disabled={props.index === props.sections.length - 1} onClick={() => move(1)}>↓</button>
        {section.inLayout && (
          <button type="button" class="btn-plain" aria-label={`Delete section ${section.name}`} title="Delete the section and its configured panels"
            onClick={() => edit.change(removeSection(edit.layout, section.id))}>×</button>
        )}
      </span>}
    </h2>
  );
}

function PanelSection(props: SectionProps & { dragged: { current: Dragged | null } }) {
  const { section, edit } = props;
  const [limit, setLimit] = useState(FIRST_PANELS);
  const [gridRef, cols] = useColumns();
  const index = props.sections.indexOf(section);
  const id = `section-${section.id.replace(/[^\w-]/g, "_")}`;
  const dropAt = (target: number) => {
    const d = props.dragged.current;
    props.dragged.current = null;
    if (!d || !edit) return;
    edit.change(movePanel(edit.layout, d.section, d.panel, section.id, target));
  };
  return (
    <section class="section" aria-labelledby={`${id}-h`} data-section={section.name}>
      <SectionHead {...props} index={index} />
      {!section.collapsed && (
        <div class="panel-grid" id={id} ref={gridRef}
          onDragOver={(e) => props.dragged.current && e.preventDefault()}
          onDrop={(e) => {
            e.preventDefault();
            dropAt(section.panels.filter((p) => p.autoKey === null).length);
          }}>
          {section.panels.slice(0, limit).map((p) => (
            <PanelCell key={p.id} {...props} panel={p} cols={cols}
              onDropHere={() => {
                const at = edit ? configuredIndex(edit.layout, section.id, p.id) : -1;
                dropAt(at < 0 ? section.panels.filter((q) => q.autoKey === null).length : at);
              }} />
          ))}
          {!section.panels.length && edit && <p class="muted section-empty">No panels yet: “+ Panel” adds one, or drag one here.</p>}
        </div>
      )}
      {!section.collapsed && section.panels.length > limit && (
        <button type="button" class="btn show-more" onClick={() => setLimit(limit + 48)}>
          Show more panels ({section.panels.length - limit} left)
        </button>
      )}
    </section>
  );
}

function PanelMenu(props: Props & { section: ShownSection; panel: ShownPanel; title: string; onEdit: (e: Editing) => void; edit: LayoutEditor }) {
  const { edit, section, panel } = props;
  const change = (next: Layout) => edit.change(next);
  const at = props.section.panels.indexOf(panel);
  const move = (delta: number) => {
    const target = section.panels[at + delta];
    if (!target) return;
    const index = configuredIndex(edit.layout, section.id, target.id);
    change(movePanel(edit.layout, section.id, panel, section.id, index < 0 ? at + delta : index));
  };
  const others = props.sections.filter((s) => s.id !== section.id);
  return (
    <Popover label="⋯" ariaLabel={`Panel menu of ${props.title}`} class="panel-menu" align="right">
      {(close) => {
        const act = (fn: () => void) => () => {
          close();
          fn();
        };
        return (
          <div class="menu-list" role="menu">
            <button type="button" role="menuitem" onClick={act(() => props.onEdit({ section: section.id, panel, type: panel.type }))}>Settings…</button>
            <button type="button" role="menuitem" onClick={act(() => change(duplicatePanel(edit.layout, section.id, panel)))}>Duplicate</button>
            <button type="button" role="menuitem" disabled={at <= 0} onClick={act(() => move(-1))}>Move earlier</button>
            <button type="button" role="menuitem" disabled={at >= section.panels.length - 1} onClick={act(() => move(1))}>Move later</button>
            <button type="button" role="menuitem" disabled={panel.w >= MAX_W}
              onClick={act(() => change(resizePanel(edit.layout, section.id, panel, panel.w + 1, panel.h)))}>Wider</button>
            <button type="button" role="menuitem" disabled={panel.w <= 1}
              onClick={act(() => change(resizePanel(edit.layout, section.id, panel, panel.w - 1, panel.h)))}>Narrower</button>
            <button type="button" role="menuitem" disabled={panel.h >= MAX_H}
              onClick={act(() => change(resizePanel(edit.layout, section.id, panel, panel.w, panel.h + 1)))}>Taller</button>
            <button type="button" role="menuitem" disabled={panel.h <= 1}
              onClick={act(() => change(resizePanel(edit.layout, section.id, panel, panel.w, panel.h - 1)))}>Shorter</button>
            {others.length > 0 && (
              <label class="menu-row">
                Move to
                <select class="input" aria-label="Move to section" value=""
                  onChange={(e) => {
                    const to = e.currentTarget.value;
                    close();
                    if (to) change(movePanel(edit.layout, section.id, panel, to, Number.MAX_SAFE_INTEGER));
                  }}>
                  <option value="">a section…</option>
                  {others.map((s) => <option value={s.id} key={s.id}>{s.name}</option>)}
                </select>
              </label>
            )}
            <button type="button" role="menuitem" class="danger" onClick={act(() => change(removePanel(edit.layout, panel)))}>Remove</button>
          </div>
        );
      }}
    </Popover>
  );
}

function PanelCell(props: Props & { section: ShownSection; panel: ShownPanel; cols: number; dragged: { current: Dragged | null };
  onEdit: (e: Editing) => void; onDropHere: () => void }) {
  const { panel, section, edit } = props;
  const cell = useRef<HTMLDivElement>(null);
  const [preview, setPreview] = useState<{ w: number; h: number } | null>(null);
  const title = panelTitle(panel, props.keys);
  const keys = useMemo(
    () => (panel.autoKey !== null ? [panel.autoKey] : resolveMetrics(panel.settings.metrics ?? [], props.keys)),
    [panel, props.keys],
  );
  const template = panel.settings.legend;
  const runInfo = props.runInfo;
  const labelOf = useMemo(
    () => (template ? (spec: LineSpec, metric: string) => legendLabel(template, spec, metric, spec.group ? undefined : runInfo?.(spec.runs[0] ?? "")) : undefined),
    [template, runInfo],
  );
  const w = Math.min(preview?.w ?? panel.w, props.cols);
  const h = preview?.h ?? panel.h;

  // Drag the corner: whole grid columns across, rows of ROW_PX down.
  const onResizeStart = (e: PointerEvent) => {
    e.preventDefault();
    const el = cell.current;
    if (!el) return;
    const startX = e.clientX;
    const startY = e.clientY;
    const colPx = (el.getBoundingClientRect().width + GRID_GAP_PX) / w;
    const sizeAt = (ev: PointerEvent) => ({
      w: Math.max(1, Math.min(MAX_W, props.cols, Math.round(w + (ev.clientX - startX) / colPx))),
      h: Math.max(1, Math.min(MAX_H, Math.round(h + (ev.clientY - startY) / ROW_PX))),
    });
    const onMove = (ev: PointerEvent) => setPreview(sizeAt(ev));
    const onUp = (ev: PointerEvent) => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      const size = sizeAt(ev);
      setPreview(null);
      if (edit && (size.w !== panel.w || size.h !== panel.h)) edit.change(resizePanel(edit.layout, section.id, panel, size.w, size.h));
    };
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
  };

  const grip = (
    <button type="button" class="icon-btn panel-grip" draggable aria-label={`Drag ${title}`} title="Drag to move"
      onDragStart={(e) => {
        props.dragged.current = { section: section.id, panel };
        e.dataTransfer?.setData("text/plain", panel.id);
        if (cell.current) e.dataTransfer?.setDragImage(cell.current, 20, 20);
      }}
      onDragEnd={() => (props.dragged.current = null)}>
      ⠿
    </button>
  );
  const menu = edit && (
    <>
      {grip}
      <PanelMenu {...props} edit={edit} title={title} />
    </>
  );
  return (
    <div class="panel-cell" ref={cell} data-panel={panel.id} data-w={w} data-h={h}
      style={{ gridColumn: `span ${w}` }}
      onDragOver={(e) => props.dragged.current && e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        e.stopPropagation();
        props.onDropHere();
      }}>
      {panel.type === "line" ? (
        <ChartPanel
          metric={keys[0] ?? panel.autoKey ?? ""}
          keys={panel.autoKey !== null ? undefined : keys}
          own={panel.autoKey !== null ? undefined : panel.settings}
          title={title}
          specs={props.specs}
          data={props.data}
          settings={props.settings}
          onZoom={props.onZoom}
          onFullScreen={() => props.onFullScreen(panel.autoKey ?? `panel:${panel.id}`)}
          syncKey={props.syncKey}
          height={h * ROW_PX}
          labelOf={labelOf}
          menu={menu}
        />
      ) : isFieldPanel(panel.type) ? (
        <FieldPanel type={panel.type} settings={panel.settings} height={h * ROW_PX} frame={{ title, menu }}
          onOptions={edit && ((options) => edit.change(updatePanel(edit.layout, section.id, panel, { settings: { ...panel.settings, options } })))} />
      ) : panel.type === "markdown" ? (
        <section class="panel text-panel" aria-label={title}>
          <header class="panel-head"><h3 class="panel-title">{title}</h3>{menu}</header>
          <div class="text-panel-body" style={{ height: `${h * ROW_PX}px` }}>
            <Markdown text={panel.settings.text ?? ""} />
          </div>
        </section>
      ) : isKind(panel.type) ? (
        <KindPanel type={panel.type} settings={panel.settings} title={title} menu={menu} specs={props.specs}
          entity={props.data.entity} project={props.data.project} height={h * ROW_PX} runInfo={props.runInfo} />
      ) : (
        <section class="panel" aria-label={title}>
          <header class="panel-head"><h3 class="panel-title">{title}</h3>{menu}</header>
          <p class="muted pad">This version of cairn does not draw {panel.type} panels yet.</p>
        </section>
      )}
      {edit && <span class="panel-resize" aria-hidden="true" onPointerDown={onResizeStart} />}
    </div>
  );
}
