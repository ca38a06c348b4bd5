/** The molecule viewer: 3Dmol.js, loaded on demand as its own chunk. A structure file of
 * one of wandb's formats is parsed by 3Dmol (as data: nothing in it is shown as markup or
 * fetched), drawn as sticks and balls (small molecules) or as a cartoon (proteins), with
 * 3Dmol's own controls (drag to turn, wheel to zoom, right-drag to pan). */
import { createViewer } from "3dmol";

/** Above this many atoms a structure is drawn as a cartoon (a protein), below as sticks. */
const CARTOON_ATOMS = 800;

/** 3Dmol's name of each stored format (wandb's `Molecule` file types). */
export const VIEWER_FORMATS: Record<string, string> = {
  pdb: "pdb", pqr: "pqr", mmcif: "cif", mcif: "mcif", cif: "cif", sdf: "sdf", sd: "sdf",
  gro: "gro", mol2: "mol2", mmtf: "mmtf",
};

export async function mountMolecule(el: HTMLElement, bytes: ArrayBuffer, format: string): Promise<() => void> {
  const kind = VIEWER_FORMATS[format];
  if (!kind) throw new Error(`no viewer for the format ${JSON.stringify(format)}`);
  // mmtf is binary; every other format is text.
  const data = kind === "mmtf" ? new Uint8Array(bytes) : new TextDecoder().decode(bytes);
  const viewer = createViewer(el, { backgroundColor: "white", antialias: true });
  // keepH: hydrogens are drawn as logged (3Dmol drops them from PDB files by default)
  const model = viewer.addModel(data as never, kind, { keepH: true });
  const atoms = model.selectedAtoms({}).length;
  if (!atoms) {
    viewer.clear();
    throw new Error(`the ${format} file holds no atoms 3Dmol could read`);
  }
  if (atoms > CARTOON_ATOMS) {
    viewer.setStyle({}, { cartoon: { color: "spectrum" } });
    viewer.addStyle({ hetflag: true }, { stick: { radius: 0.15 } });
  } else {
    viewer.setStyle({}, { stick: { radius: 0.14 }, sphere: { scale: 0.25 } });
  }
  viewer.zoomTo();
  viewer.render();
  el.dataset.atoms = String(atoms);
  return () => {
    viewer.clear();
    el.querySelectorAll("canvas").forEach((c) => c.remove());
    delete el.dataset.atoms;
  };
}
