/** Colours the user chose for runs, per project, kept in the browser (localStorage) so they
 * survive reloads and show in every tab of the project. */
import { useCallback, useEffect, useState } from "preact/hooks";
import { validColor } from "./colors";

/** A project keeps at most this many chosen colours (the oldest choices go first). */
const MAX_CHOSEN = 2000;

const storageKey = (entity: string, project: string) => `cairn.colors.${entity}/${project}`;

function read(key: string): Map<string, string> {
  const out = new Map<string, string>();
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(key) ?? "{}");
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      for (const [id, c] of Object.entries(parsed as Record<string, unknown>)) {
        const color = validColor(c);
        if (color) out.set(id, color);
      }
    }
  } catch {
    // Unreadable (hand-edited, or storage off): no chosen colours.
  }
  return out;
}

export function useRunColors(entity: string, project: string): [ReadonlyMap<string, string>, (id: string, color: string | null) => void] {
  const key = storageKey(entity, project);
  const [chosen, setChosen] = useState(() => read(key));
  useEffect(() => {
    setChosen(read(key));
    const onStorage = (e: StorageEvent) => {
      if (e.key === key) setChosen(read(key));
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, [key]);
  const set = useCallback(
    (id: string, color: string | null) => {
      const next = read(key);
      next.delete(id);
      const valid = color === null ? null : validColor(color);
      if (valid) next.set(id, valid);
      while (next.size > MAX_CHOSEN) next.delete(next.keys().next().value!);
      try {
        localStorage.setItem(key, JSON.stringify(Object.fromEntries(next)));
      } catch {
        // Storage full or off: the colour holds for this page only.
      }
      setChosen(next);
    },
    [key],
  );
  return [chosen, set];
}
