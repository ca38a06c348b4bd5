"""``cairn.Molecule``: a molecule's structure file (PDB, SDF, mmCIF, ...), stored as it is."""

from __future__ import annotations

import io
import os
from typing import Any

from cairn.sdk.media.base import Encoder, Media, check_caption, read_source

MOLECULE_FORMATS = frozenset({"pdb", "pqr", "mmcif", "mcif", "cif", "sdf", "sd", "gro",
                              "mol2", "mmtf"})
"""The structure files wandb's ``Molecule`` takes."""
RDKIT_FORMATS = frozenset({"mol", "sdf"})
_NEEDS_RDKIT = "Molecule.{}() needs RDKit (pip install rdkit)"


class Molecule(Media):
    """wandb's ``Molecule(data_or_path, caption=None, file_type=None)``: a path or an open
    file (text or bytes) of one of ``MOLECULE_FORMATS`` (an open file without a name
    needs ``file_type``). Stored as the file's bytes (``molecule-file``); the UI lists it
    with its format and offers it for download."""

    _type = "molecule-file"

    def __init__(self, data_or_path: Any, caption: str | None = None, **kwargs: Any) -> None:
        file_type = kwargs.pop("file_type", None)
        if kwargs:
            raise TypeError(f"Molecule() got an unexpected keyword argument "
                            f"{sorted(kwargs)[0]!r}")
        self._caption = check_caption(caption, "Molecule")
        if hasattr(data_or_path, "read") and file_type is None and \
                not isinstance(getattr(data_or_path, "name", None), str):
            raise ValueError("Molecule: an open file needs file_type= (e.g. 'pdb')")
        if hasattr(data_or_path, "seek"):
            data_or_path.seek(0)
        self._bytes, self._format = read_source(data_or_path, "Molecule", MOLECULE_FORMATS,
                                                file_type)
        if not self._bytes.strip():
            raise ValueError("Molecule: the structure file is empty")
        self._held = len(self._bytes)

    @classmethod
    def from_rdkit(cls, data_or_path: Any, caption: str | None = None,
                   convert_to_3d_and_optimize: bool = True,
                   mmff_optimize_molecule_max_iterations: int = 200) -> Molecule:
        """An RDKit molecule (or a ``.mol``/``.sdf`` file RDKit reads, its first
        molecule), as PDB; with 3D coordinates embedded and MMFF-optimised unless
        ``convert_to_3d_and_optimize`` is False, as wandb does."""
        chem, all_chem = _rdkit("from_rdkit")
        if isinstance(data_or_path, str | os.PathLike):
            path = os.fspath(data_or_path)
            extension = path.rsplit(".", 1)[-1].lower()
            if extension not in RDKIT_FORMATS:
                raise ValueError(f"Molecule.from_rdkit: {path!r} is not a .mol or .sdf file")
            if extension == "sdf":
                molecule = next(iter(chem.SDMolSupplier(path)), None)
            else:
                molecule = chem.MolFromMolFile(path)
            if molecule is None:
                raise ValueError(f"Molecule.from_rdkit: RDKit could not read {path!r}")
        elif isinstance(data_or_path, chem.rdchem.Mol):
            molecule = data_or_path
        else:
            raise TypeError(f"Molecule.from_rdkit: expected a path or an rdkit Mol; got "
                            f"{type(data_or_path).__name__}")
        if convert_to_3d_and_optimize:
            molecule = chem.AddHs(molecule)
            all_chem.EmbedMolecule(molecule)
            all_chem.MMFFOptimizeMolecule(molecule,
                                          maxIters=mmff_optimize_molecule_max_iterations)
        return cls(io.StringIO(chem.MolToPDBBlock(molecule)), caption=caption,
                   file_type="pdb")

    @classmethod
    def from_smiles(cls, data: str, caption: str | None = None, sanitize: bool = True,
                    convert_to_3d_and_optimize: bool = True,
                    mmff_optimize_molecule_max_iterations: int = 200) -> Molecule:
        """A SMILES string, through RDKit (see :meth:`from_rdkit`)."""
        chem, _ = _rdkit("from_smiles")
        molecule = chem.MolFromSmiles(data, sanitize=sanitize)
        if molecule is None:
            raise ValueError(f"Molecule.from_smiles: RDKit cannot parse {data[:80]!r}")
        return cls.from_rdkit(molecule, caption, convert_to_3d_and_optimize,
                              mmff_optimize_molecule_max_iterations)

    def _encode(self, encoder: Encoder) -> dict[str, Any]:
        ref = {"_type": self._type, **encoder.put_bytes(self._bytes), "format": self._format}
        if self._caption is not None:
            ref["caption"] = self._caption
        return ref


def _rdkit(method: str) -> tuple[Any, Any]:
    try:
        from rdkit import Chem  # type: ignore[import-not-found, unused-ignore]
        from rdkit.Chem import AllChem  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise ImportError(_NEEDS_RDKIT.format(method)) from None
    return Chem, AllChem
