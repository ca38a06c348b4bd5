/** The run's name as a heading, renamed in place (Enter saves, Escape cancels). */
import { useState } from "preact/hooks";

export function EditableName({ name, onSave }: { name: string; onSave: (name: string) => Promise<void> }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(name);
  const [busy, setBusy] = useState(false);
  const save = async () => {
    const v = text.trim();
    if (!v || v === name) {
      setEditing(false);
      return;
    }
    setBusy(true);
    try {
      await onSave(v);
      setEditing(false);
    } finally {
      setBusy(false);
    }
  };
  if (!editing) {
    return (
      <div class="name-line">
        <h1 class="run-title">{name}</h1>
        <button type="button" class="btn btn-small" aria-label="Rename run" onClick={() => { setText(name); setEditing(true); }}>
          Rename
        </button>
      </div>
    );
  }
  return (
    <form class="name-line" onSubmit={(e) => { e.preventDefault(); void save(); }}>
      <input
        class="input run-title-input"
        aria-label="Run name"
        value={text}
        autoFocus
        disabled={busy}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => e.key === "Escape" && setEditing(false)}
      />
      <button type="submit" class="btn btn-small btn-primary" disabled={busy}>Save</button>
      <button type="button" class="btn btn-small" onClick={() => setEditing(false)}>Cancel</button>
    </form>
  );
}
