/** The user's saved layout of a project's workspace: loaded from the store, changed by
 * pure edits (`charts/layout.ts`), saved shortly after each change with the version it
 * was read at (a save from a stale tab is refused, and the newer layout is loaded), with
 * undo and redo (buttons, Ctrl+Z, Ctrl+Shift+Z or Ctrl+Y). */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { workspaceApi } from "../../api/workspace";
import { ApiError, isAbort } from "../../api/client";
import { cleanLayout, LayoutHistory, type Layout } from "../../charts/layout";

const SAVE_DELAY_MS = 300;

export interface WorkspaceLayoutState {
  /** The saved layout (null: automatic panels only), once loaded. */
  layout: Layout | null;
  loaded: boolean;
  /** A save or load failed, or another tab saved first: what happened, for a banner. */
  notice: string | null;
  saving: boolean;
  change: (next: Layout | null) => void;
  undo: () => void;
  redo: () => void;
  canUndo: boolean;
  canRedo: boolean;
  dismiss: () => void;
}

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
}

export function useWorkspaceLayout(entity: string, project: string): WorkspaceLayoutState {
  const [layout, setLayout] = useState<Layout | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [, setTick] = useState(0);
  const history = useRef(new LayoutHistory());
  const version = useRef(0);
  const current = useRef<Layout | null>(null);
  const pending = useRef(false);
  const inFlight = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const show = (next: Layout | null) => {
    current.current = next;
    setLayout(next);
  };

  const load = useCallback(
    (signal?: AbortSignal) =>
      workspaceApi.layout(entity, project, signal).then(
        (stored) => {
          version.current = stored.version;
          show(cleanLayout(stored.layout));
          setLoaded(true);
        },
        (err: unknown) => {
          if (isAbort(err)) return;
          setLoaded(true);
          setNotice(`Could not load the saved layout: ${err instanceof Error ? err.message : String(err)}`);
        },
      ),
    [entity, project],
  );

  useEffect(() => {
    const ctl = new AbortController();
    history.current = new LayoutHistory();
    setLoaded(false);
    show(null);
    void load(ctl.signal);
    return () => ctl.abort();
  }, [load]);

  const flush = useCallback(async () => {
    if (inFlight.current) {
      pending.current = true;
      return;
    }
    inFlight.current = true;
    setSaving(true);
    try {
      do {
        pending.current = false;
        const next = current.current;
        if (next === null) {
          await workspaceApi.resetLayout(entity, project);
          version.current = 0;
        } else {
          const saved = await workspaceApi.saveLayout(entity, project, next, version.current);
          version.current = saved.version;
        }
      } while (pending.current);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setNotice("The layout was changed in another tab or window; its newer version is shown. Make your change again.");
        await load();
      } else {
        setNotice(`The layout was not saved: ${err instanceof Error ? err.message : String(err)}`);
      }
    } finally {
      inFlight.current = false;
      setSaving(false);
    }
  }, [entity, project, load]);

  const schedule = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      void flush();
    }, SAVE_DELAY_MS);
  };
  // A change not saved yet when the page goes away (reload, close) is sent at once.
  useEffect(() => {
    const onHide = () => {
      if (!timer.current && !pending.current) return;
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
      const next = current.current;
      const sent = next === null
        ? workspaceApi.resetLayout(entity, project, true)
        : workspaceApi.saveLayout(entity, project, next, version.current, true);
      sent.catch(() => undefined);
    };
    window.addEventListener("pagehide", onHide);
    return () => window.removeEventListener("pagehide", onHide);
  }, [entity, project]);
  useEffect(() => () => {
    if (timer.current) {
      clearTimeout(timer.current);
      void flush();
    }
  }, [flush]);

  const change = (next: Layout | null) => {
    history.current.push(current.current);
    show(next);
    setTick((t) => t + 1);
    schedule();
  };
  const step = (found: Layout | null | undefined) => {
    if (found === undefined) return;
    show(found);
    setTick((t) => t + 1);
    schedule();
  };
  const undo = () => step(history.current.undo(current.current));
  const redo = () => step(history.current.redo(current.current));

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || typing(e.target)) return;
      const key = e.key.toLowerCase();
      if (key === "z" && !e.shiftKey) undo();
      else if ((key === "z" && e.shiftKey) || key === "y") redo();
      else return;
      e.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  });

  return {
    layout,
    loaded,
    notice,
    saving,
    change,
    undo,
    redo,
    canUndo: history.current.canUndo,
    canRedo: history.current.canRedo,
    dismiss: () => setNotice(null),
  };
}
