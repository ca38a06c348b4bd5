/** A logged graph (`cairn.Graph`: a model's layers and their connections) drawn as a
 * layered graph (dagre, loaded on demand) in SVG: drag to pan, wheel to zoom, "Fit" to see
 * it whole. Names and shapes are someone's data: they are drawn as text, never markup. */
import { useEffect, useRef, useState } from "preact/hooks";
import { mediaApi, type MediaRef } from "../api/media";
import { useAsync } from "../lib/useAsync";
import { parseGraph } from "./graph/graphDoc";
import type { PlacedGraph } from "./graph/layout";

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const fit = (g: PlacedGraph): Box => ({ x: 0, y: 0, w: g.width, h: g.height });

export function GraphView({ graph }: { graph: MediaRef }) {
  const laid = useAsync(
    async (s) => {
      const [doc, { layoutGraph }] = await Promise.all([mediaApi.blobJson<unknown>(graph.sha256 ?? "", s), import("./graph/layout")]);
      const parsed = parseGraph(doc);
      return { placed: layoutGraph(parsed), dropped: parsed.dropped };
    },
    [graph.sha256],
  );
  const [box, setBox] = useState<Box | null>(null);
  const svg = useRef<SVGSVGElement>(null);
  const drag = useRef<{ x: number; y: number; box: Box } | null>(null);
  const placed = laid.data?.placed;
  useEffect(() => setBox(placed ? fit(placed) : null), [placed]);
  // Wheel zoom needs a non-passive listener (the page must not scroll meanwhile).
  useEffect(() => {
    const el = svg.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = el.getBoundingClientRect();
      setBox((b) => {
        if (!b) return b;
        const k = Math.exp(Math.sign(e.deltaY) * 0.15);
        const fx = (e.clientX - rect.left) / rect.width;
        const fy = (e.clientY - rect.top) / rect.height;
        const w = b.w * k;
        const h = b.h * k;
        return { x: b.x + (b.w - w) * fx, y: b.y + (b.h - h) * fy, w, h };
      });
    };
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => el.removeEventListener("wheel", onWheel);
  }, [placed, box === null]);
  if (laid.error) return <div class="panel-error" role="alert">cannot show the graph: {String(laid.error)}</div>;
  if (!placed || !box) return <div class="loading-block" aria-label="loading" />;
  const onDown = (e: PointerEvent) => {
    drag.current = { x: e.clientX, y: e.clientY, box };
    (e.currentTarget as Element).setPointerCapture(e.pointerId);
  };
  const onMove = (e: PointerEvent) => {
    const d = drag.current;
    const el = svg.current;
    if (!d || !el) return;
    // the viewBox is fitted into the element ("meet"): the larger ratio is the scale
    const rect = el.getBoundingClientRect();
    const scale = Math.max(d.box.w / Math.max(1, rect.width), d.box.h / Math.max(1, rect.height));
    setBox({ ...d.box, x: d.box.x - (e.clientX - d.x) * scale, y: d.box.y - (e.clientY - d.y) * scale });
  };
  return (
    <figure class="media-figure media-graph" data-type="graph-file" data-nodes={placed.nodes.length} data-edges={placed.edges.length}>
      <svg ref={svg} class="media-graph-svg" style={{ height: `${Math.round(Math.min(560, Math.max(160, placed.height + 8)))}px` }} viewBox={`${box.x} ${box.y} ${box.w} ${box.h}`} role="img"
        aria-label={`graph of ${placed.nodes.length} nodes${graph.caption ? `: ${graph.caption}` : ""}`}
        onPointerDown={onDown} onPointerMove={onMove} onPointerUp={() => (drag.current = null)}>
        <defs>
          <marker id="graph-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L8,4 L0,8 z" class="graph-arrow" />
          </marker>
        </defs>
        {placed.edges.map((points, i) => (
          <polyline key={i} class="graph-edge" points={points.map((p) => `${p.x},${p.y}`).join(" ")} marker-end="url(#graph-arrow)" />
        ))}
        {placed.nodes.map((n) => (
          <g key={n.id} class="graph-node" transform={`translate(${n.x - n.w / 2},${n.y - n.h / 2})`}>
            <rect width={n.w} height={n.h} rx={5} />
            <text x={n.w / 2} y={n.detail ? 17 : n.h / 2 + 4} text-anchor="middle" class="graph-label">{n.label}</text>
            {n.detail && <text x={n.w / 2} y={33} text-anchor="middle" class="graph-detail">{n.detail}</text>}
            <title>{`${n.label}${n.detail ? `\n${n.detail}` : ""}`}</title>
          </g>
        ))}
      </svg>
      <figcaption>
        {graph.caption ? `${graph.caption} · ` : ""}
        {placed.nodes.length} nodes, {placed.edges.length} edges
        {laid.data?.dropped ? ` (${laid.data.dropped} more not drawn)` : ""} · drag to pan, wheel to zoom{" "}
        <button type="button" class="btn btn-small" onClick={() => setBox(fit(placed))}>Fit</button>
      </figcaption>
    </figure>
  );
}
