/** A logged molecule (`cairn.Molecule`: PDB, SDF, mmCIF, …) in a 3D viewer; 3Dmol.js loads
 * the first time one is shown, and the file stays offered for download. */
import { apiFetch } from "../api/http";
import { mediaApi, type MediaRef } from "../api/media";
import { useMounted } from "../lib/useMounted";

export function MoleculeView({ molecule }: { molecule: MediaRef }) {
  const format = molecule.format ?? "";
  const { el, error, ready } = useMounted(
    () =>
      Promise.all([
        import("./molecule/viewer"),
        apiFetch(mediaApi.blobUrl(molecule.sha256 ?? "")).then((r) => {
          if (!r.ok) throw new Error(`${r.status} ${r.statusText}`);
          return r.arrayBuffer();
        }),
      ]).then(([{ mountMolecule }, bytes]) => (target: HTMLElement) => mountMolecule(target, bytes, format)),
    [molecule.sha256, format],
  );
  return (
    <figure class="media-figure media-molecule" data-type="molecule-file">
      <div ref={el} class="media-3d media-mol" role="img" aria-busy={!ready}
        aria-label={`molecule (${format})${molecule.caption ? `: ${molecule.caption}` : ""}`}>
        {error && <div class="panel-error" role="alert">cannot show the molecule: {error}</div>}
      </div>
      <figcaption>
        {molecule.caption ? `${molecule.caption} · ` : ""}
        {format} · drag to turn, wheel to zoom ·{" "}
        {molecule.sha256 && <a href={mediaApi.blobUrl(molecule.sha256)} download={`molecule.${format || "txt"}`}>download</a>}
      </figcaption>
    </figure>
  );
}
