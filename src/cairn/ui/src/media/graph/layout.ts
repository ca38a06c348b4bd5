/** Layered layout of a logged graph with dagre (loaded on demand as its own chunk):
 * nodes in ranks from inputs to outputs, edges as polylines. */
import { graphlib, layout } from "@dagrejs/dagre";
import type { ParsedGraph } from "./graphDoc";

export interface PlacedNode {
  id: string;
  label: string;
  detail: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PlacedGraph {
  nodes: PlacedNode[];
  edges: { x: number; y: number }[][];
  width: number;
  height: number;
}

const CHAR_PX = 7;
const NODE_H = 42;

export function layoutGraph(graph: ParsedGraph): PlacedGraph {
  const g = new graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 24, ranksep: 36, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) {
    const chars = Math.max(n.label.length, n.detail.length);
    g.setNode(n.id, { width: Math.min(360, Math.max(72, chars * CHAR_PX + 20)), height: NODE_H });
  }
  for (const [a, b] of graph.edges) g.setEdge(a, b);
  layout(g);
  const nodes = graph.nodes.map((n) => {
    const at = g.node(n.id);
    return { ...n, x: at.x, y: at.y, w: at.width, h: at.height };
  });
  const edges = g.edges().map((e) => (g.edge(e).points ?? []).map((p: { x: number; y: number }) => ({ x: p.x, y: p.y })));
  const label = g.graph();
  return { nodes, edges, width: Math.max(1, label.width ?? 1), height: Math.max(1, label.height ?? 1) };
}
