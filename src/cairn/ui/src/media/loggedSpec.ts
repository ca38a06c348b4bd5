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
