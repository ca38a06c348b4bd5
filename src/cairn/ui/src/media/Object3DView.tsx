/** A 3D object (mesh or point cloud) in a viewer with orbit controls; three.js loads the
 * first time one is shown. */
import { useMounted } from "../lib/useMounted";
import { apiFetch } from "../api/http";
import { mediaApi, type MediaRef } from "../api/media";

export function Object3DView({ object }: { object: MediaRef }) {
  const { el, error, ready } = useMounted(
    () =>
      Promise.all([import("./three/viewer"), apiFetch(mediaApi.blobUrl(object.sha256 ?? "")).then((r) => r.arrayBuffer())]).then(
        ([{ mountViewer }, bytes]) => (target) => mountViewer(target, bytes, object.format ?? ""),
      ),
    [object.sha256],
  );
  return (
    <figure class="media-figure">
      <div ref={el} class="media-3d" role="img" aria-label={`3D ${object.format ?? "object"}${object.caption ? `: ${object.caption}` : ""}`} aria-busy={!ready}>
        {error && <div class="panel-error" role="alert">cannot show the 3D object: {error}</div>}
      </div>
      <figcaption>
        {object.caption ? `${object.caption} · ` : ""}
        {object.format}
        {object.points !== undefined ? `, ${object.points.toLocaleString()} points` : ""} · drag to turn, wheel to zoom
      </figcaption>
    </figure>
  );
}
