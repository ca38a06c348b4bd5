/** Keyboard shortcuts for the whole app: `/` focuses the page's search box, `g` then a key
 * goes to a page, `?` lists the shortcuts. None fires while the user types in a field or
 * holds Ctrl, Alt or Meta. (Escape is each dialog's and menu's own: they close on it.) */
import { useEffect, useRef } from "preact/hooks";
import { navigate, paths, type Route } from "../router";

/** How long after `g` its second key still counts. */
export const CHORD_MS = 1500;

export interface GoTarget {
  key: string;
  label: string;
  /** The page's address, or null where it needs a project and none is open. */
  href: (project: { entity: string; project: string } | null) => string | null;
  /** Focus the runs table's search once there. */
  focusSearch?: boolean;
}

export const GO_TARGETS: readonly GoTarget[] = [
  { key: "p", label: "Projects", href: () => paths.projects() },
  { key: "w", label: "Workspace (charts and runs)", href: (p) => p && paths.workspace(p.entity, p.project) },
  { key: "r", label: "Runs table (its search focused)", href: (p) => p && paths.workspace(p.entity, p.project), focusSearch: true },
  { key: "s", label: "Sweeps", href: (p) => p && paths.sweeps(p.entity, p.project) },
  { key: "a", label: "Artifacts", href: (p) => p && paths.artifacts(p.entity, p.project) },
  { key: "l", label: "Alerts", href: (p) => p && paths.alerts(p.entity, p.project) },
];

export const SHORTCUTS: readonly { keys: string[]; does: string }[] = [
  { keys: ["/"], does: "Search runs (focus the page's search box)" },
  ...GO_TARGETS.map((t) => ({ keys: ["g", t.key], does: `Go to ${t.label.charAt(0).toLowerCase()}${t.label.slice(1)}` })),
  { keys: ["?"], does: "Show these shortcuts" },
  { keys: ["Esc"], does: "Close a dialog, menu or full-screen panel; leave a field" },
];

const TEXT_INPUTS = new Set(["checkbox", "radio", "button", "submit", "reset", "color", "range", "file", "image"]);

/** True when keys typed now go into a field, not to shortcuts. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return !TEXT_INPUTS.has(target.type);
  return false;
}

export function focusSearch(): boolean {
  const boxes = [...document.querySelectorAll<HTMLInputElement>('[data-shortcut="search"]')];
  const box = boxes.find((b) => b.offsetParent !== null) ?? boxes[0];
  if (!box) return false;
  box.focus();
  box.select();
  return true;
}

/** Install the shortcuts while the app is mounted; `onHelp` opens the list. */
export function useShortcuts(route: Route, onHelp: () => void): void {
  const state = useRef({ route, onHelp, gAt: 0 });
  state.current.route = route;
  state.current.onHelp = onHelp;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const s = state.current;
      if (e.key === "Escape" && isTyping(e.target) && !e.defaultPrevented) {
        (e.target as HTMLElement).blur();
        return;
      }
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      const chord = Date.now() - s.gAt < CHORD_MS;
      s.gAt = 0;
      if (chord) {
        const target = GO_TARGETS.find((t) => t.key === e.key.toLowerCase());
        const r = s.route;
        const href = target?.href("entity" in r ? { entity: r.entity, project: r.project } : null);
        if (target && href) {
          e.preventDefault();
          navigate(href);
          if (target.focusSearch) requestAnimationFrame(() => requestAnimationFrame(() => focusSearch()));
        }
        return;
      }
      if (e.key === "g") {
        s.gAt = Date.now();
      } else if (e.key === "/") {
        if (focusSearch()) e.preventDefault();
      } else if (e.key === "?") {
        e.preventDefault();
        s.onHelp();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
}
