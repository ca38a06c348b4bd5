/** A button that opens a panel below it; Escape or a click outside closes it. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

interface Props {
  label: ComponentChildren;
  ariaLabel: string;
  children: (close: () => void) => ComponentChildren;
  class?: string;
  align?: "left" | "right";
}

export function Popover({ label, ariaLabel, children, class: cls, align = "left" }: Props) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        setOpen(false);
        button.current?.focus();
      }
    };
    document.addEventListener("mousedown", onDown);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);
  return (
    <div class={`popover ${cls ?? ""}`} ref={root}>
      <button
        type="button"
        class="btn"
        ref={button}
        aria-expanded={open}
        aria-haspopup="dialog"
        aria-label={ariaLabel}
        onClick={() => setOpen(!open)}
      >
        {label}
      </button>
      {open && (
        <div class={`popover-panel popover-${align}`} role="dialog" aria-label={ariaLabel}>
          {children(() => setOpen(false))}
        </div>
      )}
    </div>
  );
}
