/** Layered layout of a lineage graph: each node in the column after the furthest of its
 * inputs (data flows left to right), nodes of a column stacked in a stable order. */

export interface Placed<N> {
  node: N;
  x: number;
  y: number;
  layer: number;
}

export const NODE_W = 170;
export const NODE_H = 44;
const GAP_X = 80;
const GAP_Y = 26;

export function layoutLineage<N extends { id: string }>(nodes: N[], edges: { from: string; to: string }[]): Placed<N>[] {
  const layer = new Map(nodes.map((n) => [n.id, 0]));
  // Longest-path layering; at most |nodes| rounds, so a cycle cannot loop forever.
  for (let round = 0; round < nodes.length; round++) {
    let moved = false;
    for (const e of edges) {
      const from = layer.get(e.from);
      const to = layer.get(e.to);
      if (from !== undefined && to !== undefined && to < from + 1) {
        layer.set(e.to, from + 1);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const columns = new Map<number, N[]>();
  for (const n of nodes) {
    const l = layer.get(n.id) ?? 0;
    columns.set(l, [...(columns.get(l) ?? []), n]);
  }
  const placed: Placed<N>[] = [];
  for (const [l, column] of columns) {
    column.forEach((node, i) => placed.push({ node, layer: l, x: l * (NODE_W + GAP_X), y: i * (NODE_H + GAP_Y) }));
  }
  return placed;
}
