/** Light and dark themes: the URL's `theme` wins, then the last choice (localStorage), then
 * the system's prefers-color-scheme. The theme is `data-theme` on <html>; CSS does the rest. */
import { useEffect, useState } from "preact/hooks";
import { setQuery, useQuery } from "./router";

export type Theme = "light" | "dark";
const STORAGE_KEY = "cairn.theme";

function stored(): Theme | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === "light" || v === "dark" ? v : null;
  } catch {
    return null;
  }
}

function systemTheme(): Theme {
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function resolveTheme(param: string | null): Theme {
  if (param === "light" || param === "dark") return param;
  return stored() ?? systemTheme();
}

/** The theme in force, kept on <html>, following the system when nothing was chosen. */
export function useTheme(): [Theme, (t: Theme) => void] {
  const param = useQuery().get("theme");
  const [system, setSystem] = useState(systemTheme);
  const theme = param === "light" || param === "dark" ? param : stored() ?? system;
  // Set during render, not in an effect: children's effects (charts reading the theme's
  // colours) run before their parent's.
  document.documentElement.dataset.theme = theme;
  useEffect(() => {
    const mq = window.matchMedia?.("(prefers-color-scheme: dark)");
    if (!mq) return;
    const on = () => setSystem(mq.matches ? "dark" : "light");
    mq.addEventListener("change", on);
    return () => mq.removeEventListener("change", on);
  }, []);
  const set = (t: Theme) => {
    try {
      localStorage.setItem(STORAGE_KEY, t);
    } catch {
      // storage unavailable (private mode): the URL still carries it
    }
    setQuery({ theme: t });
  };
  return [theme, set];
}

/** A CSS custom property of the current theme (charts draw on canvas, not with CSS). */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
