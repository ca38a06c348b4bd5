/** The only URLs the 3D viewer may load: ``data:`` URIs and the ``blob:`` URLs three.js
 * makes for a glb's embedded images. A logged glTF naming ``https://…`` (or any other
 * URL) in ``buffers[].uri`` or ``images[].uri`` would otherwise make the viewer fetch it. */
export function embeddedOnly(url: string): string {
  const lower = url.trim().toLowerCase();
  if (lower.startsWith("data:") || lower.startsWith("blob:")) return url;
  throw new Error(`the file refers to an external resource (${url.slice(0, 80)}); only embedded data is shown`);
}
