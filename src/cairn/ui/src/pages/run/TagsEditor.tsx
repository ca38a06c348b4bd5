/** A run's tags: remove with ×, add by typing and Enter. */
import { useState } from "preact/hooks";
import { Icon } from "../../components/Icon";

export function TagsEditor({ tags, onSave }: { tags: readonly string[]; onSave: (tags: string[]) => Promise<void> }) {
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const save = async (next: string[]) => {
    setBusy(true);
    try {
      await onSave(next);
    } finally {
      setBusy(false);
    }
  };
  const add = () => {
    const t = text.trim();
    if (!t || tags.includes(t)) return;
    setText("");
    void save([...tags, t]);
  };
  return (
    <div class="tags-editor" aria-busy={busy}>
      {tags.map((t) => (
        <span class="tag" key={t}>
          {t}
          <button type="button" class="tag-remove" aria-label={`Remove tag ${t}`} disabled={busy} onClick={() => void save(tags.filter((x) => x !== t))}>
            <Icon name="close" size={10} />
          </button>
        </span>
      ))}
      <input
        class="input tag-input"
        placeholder="Add tag"
        aria-label="Add tag"
        value={text}
        disabled={busy}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            add();
          }
        }}
      />
    </div>
  );
}
