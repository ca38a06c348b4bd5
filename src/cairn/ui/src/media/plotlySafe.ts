/** A logged plotly figure made safe to draw in the app's own page: plotly.js fetches
 * whatever URLs a figure names (layout images, image traces, map styles and their tile
 * sources, GeoJSON given by URL), which would let a logged figure make the viewer's
 * browser call any address. Those values are dropped unless they are ``data:`` URIs, and
 * maps get the blank built-in style (the others load tiles from the internet). */

const URL_KEYS = new Set(["source", "geojson", "style", "sourcetiles"]);
const BLANK_MAP_STYLE = "white-bg";

function isData(value: unknown): boolean {
  return typeof value === "string" && value.trim().toLowerCase().startsWith("data:");
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (!value || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (URL_KEYS.has(key)) {
      if (typeof inner === "string" && !isData(inner)) continue;
      if (Array.isArray(inner) && inner.some((v) => typeof v === "string" && !isData(v))) continue;
    }
    out[key] = strip(inner);
  }
  return out;
}

export interface PlotlyFigure {
  data?: unknown[];
  layout?: Record<string, unknown>;
}

export function safeFigure(figure: PlotlyFigure): { data: unknown[]; layout: Record<string, unknown> } {
  const data = (strip(figure.data ?? []) as unknown[]) ?? [];
  const layout = (strip(figure.layout ?? {}) as Record<string, unknown>) ?? {};
  const mapKeys = new Set(Object.keys(layout).filter((k) => /^(mapbox|map)\d*$/.test(k)));
  for (const trace of data) {
    const t = trace as { type?: unknown; subplot?: unknown };
    if (typeof t.type === "string" && /(mapbox|map)$/.test(t.type)) {
      mapKeys.add(typeof t.subplot === "string" ? t.subplot : t.type.endsWith("mapbox") ? "mapbox" : "map");
    }
  }
  for (const key of mapKeys) {
    const sub = layout[key];
    layout[key] = { ...(sub && typeof sub === "object" ? (sub as Record<string, unknown>) : {}), style: BLANK_MAP_STYLE };
  }
  return { data, layout };
}

/** plotly.js options: geo maps would load their outlines from a CDN; point them at a
 * path of this server that does not exist instead (the map draws without them). */
export const SAFE_CONFIG = { topojsonURL: "/api/v1/no-topojson/", mapboxAccessToken: "" };
