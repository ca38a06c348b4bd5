/** A full-screen overlay for one panel: Escape or the close button leaves it, and focus
 * returns to where it was. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { Icon } from "./Icon";

export function FullScreen({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    close.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    document.addEventListener("keydown", onKey);
    document.body.classList.add("no-scroll");
    return () => {
      document.removeEventListener("keydown", onKey);
      document.body.classList.remove("no-scroll");
      before?.focus?.();
    };
  }, []);
  return (
    <div class="fullscreen" role="dialog" aria-modal="true" aria-label={`${title} (full screen)`}>
      <div class="fullscreen-bar">
        <h2>{title}</h2>
        <button type="button" class="icon-btn" ref={close} aria-label="Close full screen" onClick={onClose}>
          <Icon name="close" size={16} />
        </button>
      </div>
      <div class="fullscreen-body">{children}</div>
    </div>
  );
}
