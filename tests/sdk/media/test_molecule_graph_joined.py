"""cairn.Molecule, cairn.Graph and cairn.JoinedTable: checked when built, stored as files
that read back (and that the media index lists)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import cairn
from cairn.sdk.media import Edge, Node

PDB = """HETATM    1  C1  UNL     1       0.000   0.000   0.000  1.00  0.00           C
HETATM    2  O1  UNL     1       1.200   0.000   0.000  1.00  0.00           O
END
"""


def test_molecule_from_files(tmp_path: Path) -> None:
    pdb = tmp_path / "co.pdb"
    pdb.write_text(PDB)
    run = cairn.init(project="media")
    with pdb.open() as named:
        run.log({"path": cairn.Molecule(pdb, caption="carbon monoxide"),
                 "open": cairn.Molecule(io.StringIO(PDB), file_type="pdb"),
                 "named": cairn.Molecule(named)})
    run.finish()
    row = next(cairn.Api().run(run.path).scan_history())
    for key in ("path", "open", "named"):
        assert (row[key]["_type"], row[key]["format"]) == ("molecule-file", "pdb")
        assert row[key].text() == PDB
    assert row["path"].caption == "carbon monoxide"
    assert row["path"].name.startswith("media/molecule/")


def test_molecule_refuses_what_it_cannot_show(tmp_path: Path) -> None:
    xyz = tmp_path / "m.xyz"
    xyz.write_text("1\n\nC 0 0 0\n")
    with pytest.raises(ValueError, match="unsupported format 'xyz'"):
        cairn.Molecule(xyz)
    with pytest.raises(ValueError, match="needs file_type"):
        cairn.Molecule(io.StringIO(PDB))
    with pytest.raises(ValueError, match="cannot read"):
        cairn.Molecule(tmp_path / "missing.pdb")
    empty = tmp_path / "empty.sdf"
    empty.write_text("")
    with pytest.raises(ValueError, match="empty"):
        cairn.Molecule(empty)


def test_molecule_from_rdkit_and_smiles(tmp_path: Path) -> None:
    chem = pytest.importorskip("rdkit.Chem")
    ethanol = chem.MolFromSmiles("CCO")
    sdf = tmp_path / "ethanol.sdf"
    with chem.SDWriter(str(sdf)) as writer:
        writer.write(ethanol)
    run = cairn.init(project="media")
    run.log({"smiles": cairn.Molecule.from_smiles("CCO", convert_to_3d_and_optimize=False),
             "mol": cairn.Molecule.from_rdkit(ethanol),
             "sdf": cairn.Molecule.from_rdkit(str(sdf), convert_to_3d_and_optimize=False)})
    run.finish()
    row = next(cairn.Api().run(run.path).scan_history())
    for key in ("smiles", "mol", "sdf"):
        assert row[key]["format"] == "pdb"
        assert row[key].text().count("HETATM") >= 3
    assert row["mol"].text().count("HETATM") == 9  # hydrogens added for the 3D embedding
    with pytest.raises(ValueError, match="cannot parse"):
        cairn.Molecule.from_smiles("not a molecule (")
    with pytest.raises(ValueError, match=r"not a \.mol or \.sdf"):
        cairn.Molecule.from_rdkit(str(tmp_path / "x.pdb"))


def test_graph_round_trips_as_wandbs_graph_json() -> None:
    graph = cairn.Graph(format="torch")
    first = graph.add_node(id="fc1", name="fc1", class_name="Linear", num_parameters=[12, 4])
    second = graph.add_node(Node(id="act", name="act", class_name="Tanh"))
    edge = graph.add_edge(first, second)
    assert isinstance(edge, Edge)
    assert graph["act"] is second
    with pytest.raises(ValueError, match="not both"):
        graph.add_node(first, name="x")
    run = cairn.init(project="media")
    run.log({"graph": graph})
    run.finish()
    stored = next(cairn.Api().run(run.path).scan_history())["graph"]
    assert (stored["_type"], stored["nodes"], stored["edges"]) == ("graph-file", 2, 1)
    assert stored.json() == {
        "format": "torch", "edges": [["fc1", "act"]],
        "nodes": [{"name": "fc1", "id": "fc1", "class_name": "Linear",
                   "num_parameters": [12, 4]},
                  {"name": "act", "id": "act", "class_name": "Tanh"}]}


def test_joined_table_stores_both_tables_and_the_key() -> None:
    left = cairn.Table(columns=["id", "image"], data=[[1, "a"], [2, "b"]])
    right = cairn.Table(columns=["key", "label"], data=[[1, "cat"], [2, "dog"]])
    joined = cairn.JoinedTable(left, right, ["id", "key"])
    left.add_data(3, "c")  # after the join: not part of what is logged
    run = cairn.init(project="media")
    run.log({"joined": joined, "by_name": cairn.JoinedTable("t1.table.json",
                                                             "t2.table.json", "id")})
    run.finish()
    api = cairn.Api()
    stored = next(api.run(run.path).scan_history())
    doc = stored["joined"].json()
    assert doc["join_key"] == ["id", "key"]
    assert doc["table1"]["nrows"] == 2
    assert stored["joined"]["table2"] == doc["table2"]["sha256"]
    assert stored["by_name"].json() == {"table1": "t1.table.json", "table2": "t2.table.json",
                                        "join_key": "id"}


def test_joined_table_checks_its_arguments() -> None:
    left = cairn.Table(columns=["id"], data=[[1]])
    with pytest.raises(ValueError, match="join_key must be"):
        cairn.JoinedTable(left, left, ["a", "b", "c"])
    with pytest.raises(ValueError, match="table2 has no column 'nope'"):
        cairn.JoinedTable(left, left, ["id", "nope"])
    with pytest.raises(ValueError, match="table1 must be a Table"):
        cairn.JoinedTable(42, left, "id")  # type: ignore[arg-type]


def test_the_media_index_lists_the_new_types() -> None:
    from cairn.server.media import media_type

    for kind in ("molecule-file", "graph-file", "joined-table"):
        assert media_type({"_type": kind, "sha256": "0" * 64}) == kind
    assert json.dumps(cairn.Graph().to_json()) == '{"format": "keras", "nodes": [], "edges": []}'
