/** What a logged Vega spec may not say, removed before it reaches vega-embed. */

/** The spec without `usermeta.embedOptions`: vega-embed merges those over the options it
 * is given, so a logged spec could turn on the actions menu (whose "View Source" writes
 * the spec into a window that can reach this one), turn code generation back on
 * (`ast: false`) or bring its own loader. */
export function withoutEmbedOptions(spec: Record<string, unknown>): Record<string, unknown> {
  const usermeta = spec.usermeta;
  if (usermeta === null || typeof usermeta !== "object" || Array.isArray(usermeta)) return spec;
  const { embedOptions: _dropped, ...rest } = usermeta as Record<string, unknown>;
  return { ...spec, usermeta: rest };
}

/** The Vega-Lite major version the app bundles. */
export const BUNDLED_VEGA_LITE = "v6";
const VEGA_LITE_SCHEMA = /^https:\/\/vega\.github\.io\/schema\/vega-lite\/v(\d+)(?:\.[\d.]+)?\.json$/;

/** A spec written for an older Vega-Lite (runs logged before the app moved to v6, or by
 * wandb, whose specs say v4 or v5) named as the bundled version: what those specs use draws
 * the same under v6, and the chart does not warn about a version mismatch it does not have. */
export function withBundledSchema(spec: Record<string, unknown>): Record<string, unknown> {
  const schema = spec.$schema;
  if (typeof schema !== "string") return spec;
  const m = VEGA_LITE_SCHEMA.exec(schema);
  if (!m || Number(m[1]) >= 6 || Number(m[1]) < 4) return spec;
  return { ...spec, $schema: `https://vega.github.io/schema/vega-lite/${BUNDLED_VEGA_LITE}.json` };
}
