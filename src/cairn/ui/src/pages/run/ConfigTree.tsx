/** A nested config as a collapsible tree (native <details>: keyboard and screen-reader ready). */
import type { Json } from "../../api/types";
import { formatValue } from "../../lib/format";

function isObject(v: Json): v is { [key: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function Node({ name, value, depth }: { name: string; value: Json; depth: number }) {
  if (isObject(value) && Object.keys(value).length) {
    return (
      <li>
        <details open={depth < 2}>
          <summary>
            <span class="tree-key">{name}</span>
            <span class="muted small"> {Object.keys(value).length} keys</span>
          </summary>
          <Tree obj={value} depth={depth + 1} />
        </details>
      </li>
    );
  }
  return (
    <li class="tree-leaf">
      <span class="tree-key">{name}</span>
      <span class={`tree-value v-${value === null ? "null" : typeof value}`}>{formatValue(value)}</span>
    </li>
  );
}

export function Tree({ obj, depth = 0 }: { obj: { [key: string]: Json }; depth?: number }) {
  const keys = Object.keys(obj).sort();
  if (!keys.length) return <p class="muted small">Empty.</p>;
  return (
    <ul class="tree" role={depth === 0 ? "tree" : "group"}>
      {keys.map((k) => (
        <Node key={k} name={k} value={obj[k] ?? null} depth={depth} />
      ))}
    </ul>
  );
}

/** The config tree, or a note when the run has none. */
export function ConfigTree({ config }: { config: { [key: string]: Json } }) {
  return Object.keys(config).length ? <Tree obj={config} /> : <p class="muted small">No config.</p>;
}
