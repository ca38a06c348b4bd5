/** A 3D object (mesh or point cloud) in a viewer with orbit controls; three.js loads the
 * first time one is shown. */
import { useEffect, useRef, useState } from "preact/hooks";
import { mediaApi, type MediaRef } from "../api/media";

export function Object3DView({ object }: { object: MediaRef }) {
  const el = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    let dispose: (() => void) | null = null;
    let cancelled = false;
    setError(null);
    setReady(false);
    Promise.all([import("./three/viewer"), fetch(mediaApi.blobUrl(object.sha256 ?? "")).then((r) => r.arrayBuffer())])
      .then(([{ mountViewer }, bytes]) => (el.current && !cancelled ? mountViewer(el.current, bytes, object.format ?? "") : null))
      .then((d) => {
        if (cancelled) d?.();
        else {
          dispose = d;
          setReady(true);
        }
      })
      .catch((e: unknown) => !cancelled && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      cancelled = true;
      dispose?.();
    };
  }, [object.sha256]);
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
