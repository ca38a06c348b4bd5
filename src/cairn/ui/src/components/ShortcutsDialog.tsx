/** The list of keyboard shortcuts (`?`): a modal that Escape, its close button or a click
 * outside closes, returning focus to where it was. */
import { useEffect, useRef } from "preact/hooks";
import { SHORTCUTS } from "../lib/shortcuts";
import { Icon } from "./Icon";

export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    close.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" || e.key === "?") {
        e.preventDefault();
        onClose();
      }
    };
    document.addEventListener("keydown", onKey, true);
    return () => {
      document.removeEventListener("keydown", onKey, true);
      before?.focus?.();
    };
  }, []);
  return (
    <div class="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div class="modal shortcuts" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts">
        <div class="modal-head">
          <h2>Keyboard shortcuts</h2>
          <button type="button" class="icon-btn" ref={close} aria-label="Close shortcuts" onClick={onClose}>
            <Icon name="close" size={14} />
          </button>
        </div>
        <table class="shortcut-table">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.keys.join(" ")}>
                <td>
                  {s.keys.map((k, i) => (
                    <span key={k}>
                      {i > 0 && <span class="muted"> then </span>}
                      <kbd>{k}</kbd>
                    </span>
                  ))}
                </td>
                <td>{s.does}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class="muted small">Shortcuts wait while you type in a field.</p>
      </div>
    </div>
  );
}
