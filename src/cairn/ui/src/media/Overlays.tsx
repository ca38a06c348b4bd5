/** Box and mask overlays on an image, with the classes a viewer can switch off. */
import { useEffect, useRef } from "preact/hooks";
import { mediaApi, type Box, type MediaRef } from "../api/media";
import { paletteColor } from "../lib/colors";

export interface ClassInfo {
  id: number;
  name: string;
  color: string;
}

/** Every class named in the boxes and masks of ``refs`` (by id, first name wins). */
export function classesOf(refs: MediaRef[]): ClassInfo[] {
  const found = new Map<number, string>();
  for (const ref of refs) {
    for (const group of [...Object.values(ref.boxes ?? {}), ...Object.values(ref.masks ?? {})]) {
      for (const [id, name] of Object.entries(group.class_labels ?? {})) {
        if (!found.has(Number(id))) found.set(Number(id), name);
      }
    }
    for (const group of Object.values(ref.boxes ?? {})) {
      for (const box of group.box_data) if (!found.has(box.class_id)) found.set(box.class_id, String(box.class_id));
    }
  }
  return [...found.entries()].sort((a, b) => a[0] - b[0]).map(([id, name]) => ({ id, name, color: paletteColor(id) }));
}

function rect(box: Box, w: number, h: number): { x: number; y: number; width: number; height: number } {
  const p = box.position;
  const sx = box.domain === "pixel" ? 1 : w;
  const sy = box.domain === "pixel" ? 1 : h;
  if (p.middle) {
    const bw = (p.width ?? 0) * sx;
    const bh = (p.height ?? 0) * sy;
    return { x: p.middle[0] * sx - bw / 2, y: p.middle[1] * sy - bh / 2, width: bw, height: bh };
  }
  return { x: (p.minX ?? 0) * sx, y: (p.minY ?? 0) * sy, width: ((p.maxX ?? 0) - (p.minX ?? 0)) * sx, height: ((p.maxY ?? 0) - (p.minY ?? 0)) * sy };
}

export function BoxLayer({ image, hidden, colors }: { image: MediaRef; hidden: Set<number>; colors: Map<number, string> }) {
  const w = image.width ?? 1;
  const h = image.height ?? 1;
  const groups = Object.entries(image.boxes ?? {});
  if (!groups.length) return null;
  return (
    <svg class="media-boxes" viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" aria-hidden="true">
      {groups.flatMap(([group, spec]) =>
        spec.box_data
          .filter((b) => !hidden.has(b.class_id))
          .map((b, i) => {
            const r = rect(b, w, h);
            const color = colors.get(b.class_id) ?? "#e8590c";
            const label = b.box_caption ?? spec.class_labels[String(b.class_id)] ?? String(b.class_id);
            return (
              <g key={`${group}-${i}`} class="media-box" data-class={b.class_id}>
                <rect x={r.x} y={r.y} width={r.width} height={r.height} fill="none" stroke={color} stroke-width={Math.max(1, w / 150)} vector-effect="non-scaling-stroke" />
                <text x={r.x + 2} y={r.y + Math.max(8, h / 20)} fill={color} font-size={Math.max(8, h / 20)}>{label}</text>
              </g>
            );
          }),
      )}
    </svg>
  );
}

/** One mask group drawn in its classes' colours (hidden classes transparent). */
export function MaskLayer({ digest, hidden, colors }: { digest: string; hidden: Set<number>; colors: Map<number, string> }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const hiddenKey = [...hidden].sort().join(",");
  useEffect(() => {
    const img = new Image();
    let cancelled = false;
    img.onload = () => {
      const c = canvas.current;
      if (cancelled || !c) return;
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const ctx = c.getContext("2d");
      if (!ctx) return;
      ctx.drawImage(img, 0, 0);
      const data = ctx.getImageData(0, 0, c.width, c.height);
      const px = data.data;
      const rgb = new Map<number, [number, number, number]>();
      for (const [id, hex] of colors) {
        const n = Number.parseInt(hex.slice(1), 16);
        rgb.set(id, [(n >> 16) & 255, (n >> 8) & 255, n & 255]);
      }
      for (let i = 0; i < px.length; i += 4) {
        const id = px[i] ?? 0;
        const color = hidden.has(id) ? undefined : rgb.get(id) ?? (id ? [255, 0, 255] : undefined);
        if (!color || (id === 0 && !rgb.has(0))) {
          px[i + 3] = 0;
          continue;
        }
        px[i] = color[0];
        px[i + 1] = color[1];
        px[i + 2] = color[2];
        px[i + 3] = 110;
      }
      ctx.putImageData(data, 0, 0);
    };
    img.src = mediaApi.blobUrl(digest, "png");
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [digest, hiddenKey]);
  return <canvas ref={canvas} class="media-mask" aria-hidden="true" />;
}

export function ClassToggles({ classes, hidden, onToggle }: { classes: ClassInfo[]; hidden: Set<number>; onToggle: (id: number) => void }) {
  if (!classes.length) return null;
  return (
    <div class="media-classes" role="group" aria-label="Classes">
      {classes.map((c) => (
        <button
          type="button"
          key={c.id}
          class={hidden.has(c.id) ? "btn btn-small btn-toggle" : "btn btn-small btn-toggle on"}
          aria-pressed={!hidden.has(c.id)}
          onClick={() => onToggle(c.id)}
        >
          <span class="swatch" style={{ background: c.color }} aria-hidden="true" />
          {c.name}
        </button>
      ))}
    </div>
  );
}
