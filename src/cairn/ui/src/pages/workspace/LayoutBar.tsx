/** The layout's controls above the panels: add a section, undo and redo, back to automatic
 * panels, named views (open, save, rename, delete, set default) and "copy link", which
 * carries the query string and the layout itself, so the link shows exactly this view. */
import { useEffect, useState } from "preact/hooks";
import { workspaceApi, type SavedView } from "../../api/workspace";
import { Icon } from "../../components/Icon";
import { Popover } from "../../components/Popover";
import { addSection, cleanLayout, type Layout } from "../../charts/layout";
import { navigate } from "../../router";
import type { WorkspaceLayoutState } from "./useLayout";

/** Query parameters that carry a layout or name a view: not part of a view's own query. */
export const LAYOUT_PARAM = "ly";
export const VIEW_PARAM = "view";

export function encodeLayout(layout: Layout): string {
  const bytes = new TextEncoder().encode(JSON.stringify(layout));
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeLayout(param: string): Layout | null {
  try {
    const text = atob(param.replace(/-/g, "+").replace(/_/g, "/"));
    const value: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(text, (c) => c.charCodeAt(0))));
    return cleanLayout(value);
  } catch {
    // not a layout: ignored
  }
  return null;
}

/** The view's own query string: the current one without layout or view parameters. */
export function viewQuery(search: string): string {
  const p = new URLSearchParams(search);
  p.delete(LAYOUT_PARAM);
  p.delete(VIEW_PARAM);
  return p.toString();
}

export function linkTo(layout: Layout | null): string {
  const p = new URLSearchParams(viewQuery(location.search));
  if (layout) p.set(LAYOUT_PARAM, encodeLayout(layout));
  const q = p.toString();
  return `${location.origin}${location.pathname}${q ? `?${q}` : ""}`;
}

interface Props {
  entity: string;
  project: string;
  state: WorkspaceLayoutState;
  /** The layout edits start from (the saved one, or the automatic one). */
  base: Layout;
  /** Show a saved view: its layout and its query. */
  onOpen: (view: SavedView) => void;
}

function ViewsPanel({ entity, project, state, onOpen, close }: Omit<Props, "base"> & { close: () => void }) {
  const [views, setViews] = useState<SavedView[] | null>(null);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<number | null>(null);
  const reload = () =>
    workspaceApi.views(entity, project).then(setViews, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  useEffect(() => {
    void reload();
  }, [entity, project]);
  const run = (p: Promise<unknown>) =>
    p.then(
      () => {
        setError(null);
        return reload();
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  const saveNew = (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return;
    void run(workspaceApi.createView(entity, project, name.trim(), { layout: state.layout, query: viewQuery(location.search) })).then(() => setName(""));
  };
  return (
    <div class="views-panel">
      <form class="views-save" onSubmit={saveNew}>
        <input class="input" aria-label="Name of the new view" placeholder="Save this view as…" value={name} maxLength={100}
          onInput={(e) => setName(e.currentTarget.value)} />
        <button type="submit" class="btn btn-primary" disabled={!name.trim()}>Save view</button>
      </form>
      {error && <p class="form-error" role="alert">{error}</p>}
      {views === null ? (
        <p class="muted">Loading views…</p>
      ) : views.length === 0 ? (
        <p class="muted">No saved views yet.</p>
      ) : (
        <ul class="views-list" aria-label="Saved views">
          {views.map((v) => (
            <li key={v.id} data-view={v.name}>
              {renaming === v.id ? (
                <input class="input" aria-label={`New name of view ${v.name}`} value={v.name} autoFocus maxLength={100}
                  onKeyDown={(e) => {
                    if (e.key === "Escape") setRenaming(null);
                    if (e.key === "Enter") {
                      const next = e.currentTarget.value.trim();
                      setRenaming(null);
                      if (next && next !== v.name) void run(workspaceApi.changeView(entity, project, v.id, { name: next }));
                    }
                  }} />
              ) : (
                <button type="button" class="btn-plain view-open" aria-label={`Open view ${v.name}`}
                  onClick={() => {
                    close();
                    onOpen(v);
                  }}>
                  {v.name}
                  {v.default && <span class="count">default</span>}
                </button>
              )}
              <span class="view-actions">
                <button type="button" class="btn-plain" aria-label={`Update view ${v.name} to this view`} title="Save the current view under this name"
                  onClick={() => void run(workspaceApi.changeView(entity, project, v.id, { state: { layout: state.layout, query: viewQuery(location.search) } }))}>
                  Update
                </button>
                <button type="button" class="btn-plain" aria-label={`Rename view ${v.name}`} onClick={() => setRenaming(v.id)}>Rename</button>
                <button type="button" class="btn-plain" aria-pressed={v.default}
                  aria-label={v.default ? `Stop opening with view ${v.name}` : `Open with view ${v.name} by default`}
                  onClick={() => void run(workspaceApi.changeView(entity, project, v.id, { default: !v.default }))}>
                  {v.default ? "★" : "☆"}
                </button>
                <button type="button" class="btn-plain" aria-label={`Delete view ${v.name}`}
                  onClick={() => void run(workspaceApi.deleteView(entity, project, v.id))}>×</button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The link, made when the popover opens (so it carries the view as it is then), and put
 * on the clipboard where the browser allows it. */
function LinkBox({ layout }: { layout: Layout | null }) {
  const [url] = useState(() => linkTo(layout));
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    navigator.clipboard?.writeText(url).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  }, [url]);
  return (
    <div class="copy-link">
      <p>{copied ? "Copied: this link opens exactly this view." : "This link opens exactly this view:"}</p>
      <input class="input" readOnly aria-label="Link to this view" value={url} onFocus={(e) => e.currentTarget.select()} />
    </div>
  );
}

function CopyLink({ layout }: { layout: Layout | null }) {
  return (
    <Popover label="Copy link" ariaLabel="Copy a link to this view" align="right">
      {() => <LinkBox layout={layout} />}
    </Popover>
  );
}

export function LayoutBar(props: Props) {
  const { state, base } = props;
  const [adding, setAdding] = useState(false);
  return (
    <div class="toolbar layout-bar" role="toolbar" aria-label="Layout">
      {adding ? (
        <input class="input" aria-label="Name of the new section" placeholder="Section name, then Enter" autoFocus maxLength={200}
          onKeyDown={(e) => {
            if (e.key === "Escape") setAdding(false);
            if (e.key === "Enter" && e.currentTarget.value.trim()) {
              state.change(addSection(base, e.currentTarget.value.trim())[0]);
              setAdding(false);
            }
          }}
          onBlur={() => setAdding(false)} />
      ) : (
        <button type="button" class="btn" aria-label="Add a section" onClick={() => setAdding(true)}>
          <Icon name="plus" size={12} /> Section
        </button>
      )}
      <button type="button" class="btn" aria-label="Undo layout change" title="Undo (Ctrl+Z)" disabled={!state.canUndo} onClick={state.undo}>
        Undo
      </button>
      <button type="button" class="btn" aria-label="Redo layout change" title="Redo (Ctrl+Shift+Z)" disabled={!state.canRedo} onClick={state.redo}>
        Redo
      </button>
      <button type="button" class="btn" aria-label="Reset layout" title="Back to automatic panels" disabled={state.layout === null}
        onClick={() => state.change(null)}>
        <Icon name="reset" size={12} /> Automatic
      </button>
      <span class="layout-status muted" aria-live="polite">{state.saving ? "Saving…" : ""}</span>
      <Popover label="Views" ariaLabel="Saved views" align="right">
        {(close) => <ViewsPanel {...props} close={close} />}
      </Popover>
      <CopyLink layout={state.layout} />
    </div>
  );
}

/** Open a saved view: its layout (an undoable change) and its query string. */
export function openView(state: WorkspaceLayoutState, view: SavedView): void {
  state.change(view.state.layout === null ? null : cleanLayout(view.state.layout));
  navigate(`${location.pathname}${view.state.query ? `?${view.state.query}` : ""}`);
}
