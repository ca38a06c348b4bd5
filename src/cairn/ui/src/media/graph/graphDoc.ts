/** A logged graph (`cairn.Graph`, wandb's graph JSON `{format, nodes, edges}`) read into
 * what the viewer draws. Everything in it is someone's data: names and shapes become text,
 * never markup, and a graph too big to lay out in the browser is cut at MAX_NODES. */

export const MAX_NODES = 1500;
const MAX_LABEL = 48;

export interface GraphNode {
  id: string;
  label: string;
  /** The node's class and output shape, e.g. "Linear · [8, 32]". */
  detail: string;
}

export interface ParsedGraph {
  nodes: GraphNode[];
  edges: [string, string][];
  /** Nodes left out (past MAX_NODES). */
  dropped: number;
}

type Loose = Record<string, unknown>;

function shortText(v: unknown): string {
  const s = typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v);
  return s.length > MAX_LABEL ? `${s.slice(0, MAX_LABEL - 1)}…` : s;
}

function nodeId(v: unknown): string | null {
  return typeof v === "string" || typeof v === "number" ? String(v) : null;
}

export function parseGraph(doc: unknown, maxNodes = MAX_NODES): ParsedGraph {
  const raw = doc && typeof doc === "object" && !Array.isArray(doc) ? (doc as Loose) : {};
  const rawNodes = Array.isArray(raw.nodes) ? raw.nodes : [];
  const nodes: GraphNode[] = [];
  const known = new Set<string>();
  let dropped = 0;
  for (const n of rawNodes) {
    if (!n || typeof n !== "object") continue;
    const node = n as Loose;
    const id = nodeId(node.id) ?? nodeId(node.name);
    if (id === null || known.has(id)) continue;
    if (nodes.length >= maxNodes) {
      dropped++;
      continue;
    }
    known.add(id);
    const detail = shortText(
      [shortText(node.class_name), node.output_shape !== undefined ? shortText(node.output_shape) : ""].filter(Boolean).join(" · "),
    );
    nodes.push({ id, label: shortText(node.name ?? id) || id, detail });
  }
  const edges: [string, string][] = [];
  for (const e of Array.isArray(raw.edges) ? raw.edges : []) {
    if (!Array.isArray(e)) continue;
    const a = nodeId(e[0]);
    const b = nodeId(e[1]);
    if (a !== null && b !== null && known.has(a) && known.has(b) && a !== b) edges.push([a, b]);
  }
  return { nodes, edges, dropped };
}
