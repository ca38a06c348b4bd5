/** A flat key/value table (summary, metadata), with a filter box when it is long. */
import { useState } from "preact/hooks";
import type { Json } from "../../api/types";
import { flatten } from "../../lib/flatten";
import { formatDuration, formatTime, formatValue } from "../../lib/format";

/** `_timestamp` and `_runtime` read as a time and a duration. */
function display(key: string, v: Json): string {
  if (typeof v === "number" && key === "_timestamp") return formatTime(v);
  if (typeof v === "number" && key === "_runtime") return formatDuration(v);
  return formatValue(v);
}

export function KeyValues({ obj, label }: { obj: { [key: string]: Json }; label: string }) {
  const [search, setSearch] = useState("");
  const entries = [...flatten(obj).entries()].sort(([a], [b]) => a.localeCompare(b));
  const shown = entries.filter(([k]) => k.toLowerCase().includes(search.toLowerCase()));
  if (!entries.length) return <p class="muted small">Nothing logged yet.</p>;
  return (
    <>
      {entries.length > 12 && (
        <input class="input kv-search" type="search" placeholder={`Filter ${label}`} aria-label={`Filter ${label}`} value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
      )}
      <table class="kv" aria-label={label}>
        <tbody>
          {shown.map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>{display(k, v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
