/** A draggable divider that sets the width of the pane before it (mouse, touch or arrow
 * keys); the width is remembered. */
import { useEffect, useState } from "preact/hooks";

const STEP = 24;

function stored(key: string, fallback: number): number {
  try {
    const v = Number(localStorage.getItem(key));
    return Number.isFinite(v) && v > 0 ? v : fallback;
  } catch {
    return fallback;
  }
}

export function usePaneWidth(key: string, fallback: number, min: number, max: number): [number, (w: number) => void] {
  const [width, setWidth] = useState(() => stored(key, fallback));
  const clamp = (w: number) => Math.round(Math.min(Math.max(w, min), Math.min(max, window.innerWidth - 320)));
  const set = (w: number) => {
    const c = clamp(w);
    setWidth(c);
    try {
      localStorage.setItem(key, String(c));
    } catch {
      // not remembered
    }
  };
  return [clamp(width), set];
}

/** Dragging a width: call the returned function with a pointerdown's x; until the pointer
 * is released, each move sets `width` plus how far the pointer went. */
export function useWidthDrag(width: number, onWidth: (w: number) => void): (x: number) => void {
  const [drag, setDrag] = useState<{ x: number; w: number } | null>(null);
  useEffect(() => {
    if (!drag) return;
    const move = (e: PointerEvent) => onWidth(drag.w + e.clientX - drag.x);
    const up = () => setDrag(null);
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    document.body.classList.add("resizing");
    return () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      document.body.classList.remove("resizing");
    };
  }, [drag]);
  return (x: number) => setDrag({ x, w: width });
}

export function Splitter({ width, onWidth, label }: { width: number; onWidth: (w: number) => void; label: string }) {
  const startDrag = useWidthDrag(width, onWidth);
  return (
    <div
      class="splitter"
      role="separator"
      aria-orientation="vertical"
      aria-label={label}
      aria-valuenow={width}
      tabIndex={0}
      onPointerDown={(e) => {
        e.preventDefault();
        startDrag(e.clientX);
      }}
      onKeyDown={(e) => {
        if (e.key === "ArrowLeft") onWidth(width - STEP);
        if (e.key === "ArrowRight") onWidth(width + STEP);
      }}
    />
  );
}
