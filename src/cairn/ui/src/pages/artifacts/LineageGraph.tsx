/** The lineage of a version: runs and artifact versions linked by logging and using, laid
 * out left to right. Drag to pan, wheel (or the buttons) to zoom; a node opens its page. */
import { useEffect, useRef, useState } from "preact/hooks";
import { artifactsApi, type LineageNode } from "../../api/artifacts";
import { ErrorBanner } from "../../components/ErrorBanner";
import { useAsync } from "../../lib/useAsync";
import { onLinkClick, paths } from "../../router";
import { layoutLineage, NODE_H, NODE_W } from "./lineageLayout";

interface Props {
  entity: string;
  project: string;
  name: string;
  version: string;
}

function href(n: LineageNode): string {
  return n.kind === "run"
    ? paths.run(n.entity, n.project, n.run_id ?? "")
    : paths.artifacts(n.entity, n.project, n.name, n.version) + "?view=lineage";
}

function label(n: LineageNode): [string, string] {
  return n.kind === "run" ? [n.name || (n.run_id ?? ""), `run · ${n.state ?? ""}`] : [`${n.name}:${n.version ?? ""}`, n.type ?? "artifact"];
}

export function LineageGraph({ entity, project, name, version }: Props) {
  const graph = useAsync((s) => artifactsApi.lineage(entity, project, name, version, s), [entity, project, name, version]);
  const [view, setView] = useState({ x: 24, y: 24, k: 1 });
  const drag = useRef<{ x: number; y: number; vx: number; vy: number } | null>(null);
  const svg = useRef<SVGSVGElement>(null);
  const placed = graph.data ? layoutLineage(graph.data.nodes, graph.data.edges) : [];
  const width = Math.max(0, ...placed.map((p) => p.x + NODE_W));
  const height = Math.max(0, ...placed.map((p) => p.y + NODE_H));
  // The whole graph in view at first (never enlarged past 1:1).
  const fit = () => {
    const box = svg.current?.getBoundingClientRect();
    if (!box || !width) return setView({ x: 24, y: 24, k: 1 });
    const k = Math.min(1, (box.width - 48) / width, (box.height - 48) / height);
    setView({ x: 24, y: 24, k: Math.max(0.2, Math.round(k * 100) / 100) });
  };
  useEffect(fit, [graph.data, width, height]);
  if (graph.error !== undefined) return <ErrorBanner error={graph.error} onRetry={graph.reload} />;
  if (!graph.data) return <div class="loading-block" aria-label="loading" />;
  const at = new Map(placed.map((p) => [p.node.id, p]));
  const zoom = (factor: number, cx = 0, cy = 0) =>
    setView((v) => {
      const k = Math.min(4, Math.max(0.2, v.k * factor));
      return { k, x: cx - ((cx - v.x) * k) / v.k, y: cy - ((cy - v.y) * k) / v.k };
    });
  return (
    <div class="lineage">
      <div class="lineage-tools">
        <button type="button" class="btn btn-small" aria-label="Zoom in" onClick={() => zoom(1.25)}>+</button>
        <button type="button" class="btn btn-small" aria-label="Zoom out" onClick={() => zoom(0.8)}>−</button>
        <button type="button" class="btn btn-small" onClick={fit}>Fit</button>
        <span class="muted">
          {graph.data.nodes.length} nodes · drag to pan, wheel to zoom
        </span>
      </div>
      <svg
        ref={svg}
        class="lineage-canvas"
        role="img"
        aria-label="Lineage graph"
        data-zoom={view.k.toFixed(2)}
        onWheel={(e) => {
          e.preventDefault();
          const box = (e.currentTarget as SVGSVGElement).getBoundingClientRect();
          zoom(e.deltaY < 0 ? 1.1 : 1 / 1.1, e.clientX - box.left, e.clientY - box.top);
        }}
        onPointerDown={(e) => {
          if ((e.target as Element).closest("a")) return;
          drag.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
          (e.currentTarget as SVGSVGElement).setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (d) setView((v) => ({ ...v, x: d.vx + e.clientX - d.x, y: d.vy + e.clientY - d.y }));
        }}
        onPointerUp={() => (drag.current = null)}
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class="lineage-arrow" />
          </marker>
        </defs>
        <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
          {graph.data.edges.map((e) => {
            const a = at.get(e.from);
            const b = at.get(e.to);
            if (!a || !b) return null;
            const x1 = a.x + NODE_W;
            const y1 = a.y + NODE_H / 2;
            const x2 = b.x;
            const y2 = b.y + NODE_H / 2;
            const mid = (x1 + x2) / 2;
            return <path key={`${e.from}-${e.to}`} class="lineage-edge" d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`} marker-end="url(#arrow)" />;
          })}
          {placed.map(({ node, x, y }) => {
            const [title, sub] = label(node);
            const link = href(node);
            return (
              <a key={node.id} href={link} aria-label={`${node.kind} ${title}`} onClick={(e) => onLinkClick(e as unknown as MouseEvent, link)}>
                <g class={`lineage-node lineage-${node.kind}${node.id === graph.data?.root ? " lineage-root" : ""}`} transform={`translate(${x},${y})`}>
                  <rect width={NODE_W} height={NODE_H} rx={node.kind === "run" ? 22 : 6} />
                  <text x={12} y={18} class="lineage-title">
                    {title.length > 22 ? `${title.slice(0, 21)}…` : title}
                  </text>
                  <text x={12} y={34} class="lineage-sub">
                    {sub}
                  </text>
                </g>
              </a>
            );
          })}
        </g>
      </svg>
    </div>
  );
}
