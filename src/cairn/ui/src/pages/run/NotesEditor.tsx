/** The run's notes: rendered Markdown + LaTeX (sanitised), edited in a textarea. */
import { useState } from "preact/hooks";
import { Markdown } from "../../components/Markdown";

export function NotesEditor({ notes, onSave }: { notes: string; onSave: (notes: string) => Promise<void> }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(notes);
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    try {
      await onSave(text);
      setEditing(false);
    } finally {
      setBusy(false);
    }
  };
  if (!editing) {
    return (
      <div class="notes">
        {notes.trim() ? <Markdown text={notes} /> : <p class="muted small">No notes. Markdown and $\LaTeX$ are welcome.</p>}
        <button type="button" class="btn btn-small" onClick={() => { setText(notes); setEditing(true); }}>
          Edit notes
        </button>
      </div>
    );
  }
  return (
    <div class="notes notes-editing">
      <textarea
        class="input notes-input"
        aria-label="Notes (Markdown)"
        rows={8}
        value={text}
        autoFocus
        disabled={busy}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") setEditing(false);
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void save();
        }}
      />
      <div class="notes-preview" aria-label="Preview">
        <Markdown text={text} />
      </div>
      <div class="row-actions">
        <button type="button" class="btn btn-small btn-primary" disabled={busy} onClick={() => void save()}>
          Save notes
        </button>
        <button type="button" class="btn btn-small" onClick={() => setEditing(false)}>
          Cancel
        </button>
        <span class="muted small">Ctrl+Enter saves · Escape cancels</span>
      </div>
    </div>
  );
}
