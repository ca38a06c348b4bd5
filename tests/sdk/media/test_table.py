"""cairn.Table: wandb's constructors and methods, media cells, the 10,000-row history cap."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.sdk.media.conftest import LogOne

import cairn
from cairn.sdk.media.stored import MediaFile


def test_rows_columns_and_methods() -> None:
    table = cairn.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]])
    table.add_data(3, "z")
    table.add_column("c", [True, False, None], optional=True)
    assert table.get_column("a") == [1, 2, 3]
    assert table.get_column("c") == [True, False, None]
    assert table.get_column("a", convert_to="numpy").tolist() == [1, 2, 3]
    assert cairn.Table().columns == ["Input", "Output", "Expected"]
    frame = pd.DataFrame({"x": [1.5, 2.5], "y": ["p", "q"]})
    from_frame = cairn.Table(dataframe=frame)
    assert from_frame.columns == ["x", "y"]
    assert from_frame.data == [[1.5, "p"], [2.5, "q"]]
    assert cairn.Table(columns=["m", "n"], data=np.eye(2)).data == [[1.0, 0.0], [0.0, 1.0]]


def test_a_column_keeps_one_kind_unless_mixed_types_are_allowed() -> None:
    table = cairn.Table(columns=["a", "b"], data=[[1, None], [2.5, "x"]])
    with pytest.raises(ValueError, match="column 'b' holds string values"):
        table.add_data(3, 4)
    assert table.data == [[1, None], [2.5, "x"]]  # the refused row left nothing behind
    with pytest.raises(ValueError, match="holds number values"):
        table.add_column("c", [1, "two"])
    assert table.columns == ["a", "b"]
    mixed = cairn.Table(columns=["m"], data=[[1], ["x"], [True]], allow_mixed_types=True)
    assert mixed.get_column("m") == [1, "x", True]


def test_round_trip_with_media_cells_and_non_finite_numbers(log_one: LogOne) -> None:
    pixels = np.full((4, 6, 3), 9, dtype=np.uint8)
    table = cairn.Table(columns=["id", "image", "score"],
                        data=[[0, cairn.Image(pixels, caption="zero"), 0.5],
                              [1, None, math.nan], [2, None, math.inf]])
    got = log_one({"preds": table})["preds"]
    assert got["_type"] == "table-file"
    assert (got["nrows"], got["ncols"], got["columns"]) == (3, 3, ["id", "image", "score"])
    back = got.table()
    assert back.columns == ["id", "image", "score"]
    cell = back.data[0][1]
    assert isinstance(cell, MediaFile)
    assert cell.caption == "zero"
    assert np.array_equal(np.asarray(cell.image()), pixels)
    assert back.get_column("score") == [0.5, None, "Infinity"]


def test_a_logged_table_carries_wandbs_log_mode(log_one: LogOne) -> None:
    got = log_one({"default": cairn.Table(columns=["x"], data=[[1], [2]]),
                   **{mode: cairn.Table(columns=["x"], data=[[1], [2]], log_mode=mode)
                      for mode in ("IMMUTABLE", "MUTABLE", "INCREMENTAL")}})
    # wandb 0.31 stored log_mode "IMMUTABLE" for a table made without one, and the mode
    # given otherwise, next to _type, sha256, size, path, ncols and nrows (and its
    # artifact paths); cairn adds columns
    modes = ("default", "IMMUTABLE", "MUTABLE", "INCREMENTAL")
    assert {k: got[k]["log_mode"] for k in modes} == {
        "default": "IMMUTABLE", "IMMUTABLE": "IMMUTABLE", "MUTABLE": "MUTABLE",
        "INCREMENTAL": "INCREMENTAL"}
    assert {k: got["default"][k] for k in ("_type", "ncols", "nrows")} == {
        "_type": "table-file", "ncols": 1, "nrows": 2}


@pytest.mark.parametrize("mode", ["bogus", "immutable", None])
def test_a_log_mode_wandb_does_not_know_is_refused(mode: Any) -> None:
    # wandb 0.31 refuses these too (an AssertionError naming the allowed modes)
    with pytest.raises(ValueError, match="log_mode must be one of IMMUTABLE, MUTABLE, "
                                         "INCREMENTAL"):
        cairn.Table(columns=["x"], log_mode=mode)


def _logged_twice(table: cairn.Table) -> list[MediaFile]:
    run = cairn.init(project="media")
    run.log({"t": table})
    table.add_data(2)
    run.log({"t": table})
    run.finish()
    return [r["t"] for r in cairn.Api().run(run.path).scan_history(keys=["t"])]


def test_an_immutable_table_logged_again_stores_what_it_held_when_first_logged() -> None:
    # wandb 0.31 warns at the change: later logs "will have no effect"
    with pytest.warns(UserWarning, match="log_mode='IMMUTABLE'.* has been logged"):
        first, again = _logged_twice(cairn.Table(columns=["n"], data=[[1]]))
    # wandb 0.31 stored the first log's file again (its nrows said 2, the file held one
    # row); cairn's nrows describes the stored table
    assert again.digest == first.digest
    assert again.table().data == [[1]]
    assert (again["nrows"], again["log_mode"]) == (1, "IMMUTABLE")


def test_a_mutable_table_is_a_snapshot_at_each_log() -> None:
    first, again = _logged_twice(cairn.Table(columns=["n"], data=[[1]], log_mode="MUTABLE"))
    assert [first.table().data, again.table().data] == [[[1]], [[1], [2]]]
    assert [first["nrows"], again["nrows"]] == [1, 2]


def test_an_incremental_table_stores_the_rows_added_since_each_log() -> None:
    table = cairn.Table(columns=["x"], data=[[1]], log_mode="INCREMENTAL")
    run = cairn.init(project="media")
    run.log({"inc": table})
    table.add_data(2)
    run.log({"inc": table})
    run.log({"inc": table})  # nothing added since
    run.finish()
    stored = cairn.Api().run(run.path)
    first, second, again = (r["inc"] for r in stored.scan_history(keys=["inc"]))
    # What wandb 0.31 stored for the same calls: _type incremental-table-file,
    # increment_num 0, 1, 1; nrows the whole table's 1, 2, 2; each file only the new
    # rows ([[1]], then [[2]]); previous_increments_paths [] then the first's path; the
    # third log the second's value again
    assert [(r["_type"], r["increment_num"], r["nrows"], r["log_mode"])
            for r in (first, second, again)] == [
        ("incremental-table-file", 0, 1, "INCREMENTAL"),
        ("incremental-table-file", 1, 2, "INCREMENTAL"),
        ("incremental-table-file", 1, 2, "INCREMENTAL")]
    assert [first.json()["data"], second.json()["data"]] == [[[1]], [[2]]]
    assert first["previous_increments_paths"] == []
    assert second["previous_increments_paths"] == [first["path"]]
    assert again.digest == second.digest
    assert stored.file(first["path"]).digest == first.digest
    # read back as wandb's Table reads one: the whole table
    assert [first.table().data, second.table().data] == [[[1]], [[1], [2]]]


def test_a_chart_of_an_incremental_table_reads_back_every_row() -> None:
    table = cairn.Table(columns=["x", "y"], data=[[0, 0]], log_mode="INCREMENTAL")
    run = cairn.init(project="media")
    run.log({"line": cairn.plot.line(table, "x", "y")})
    table.add_data(1, 1)
    run.log({"line": cairn.plot.line(table, "x", "y")})
    run.finish()
    last = list(cairn.Api().run(run.path).scan_history(keys=["line"]))[-1]["line"]
    assert last["table"]["_type"] == "incremental-table-file"
    assert last.table().data == [[0, 0], [1, 1]]


def test_an_incremental_table_takes_no_new_columns() -> None:
    table = cairn.Table(columns=["x"], data=[[1]], log_mode="INCREMENTAL")
    # wandb 0.31 raises wandb.Error ("not supported for tables with log_mode=...")
    with pytest.raises(cairn.Error, match="add_column is not supported with "
                                          "log_mode='INCREMENTAL'"):
        table.add_column("y", [2])
    assert table.columns == ["x"]


def test_more_than_10000_rows_are_cut_with_a_warning() -> None:
    table = cairn.Table(columns=["i"], data=[[i] for i in range(10_005)])
    run = cairn.init(project="media")
    with pytest.warns(UserWarning, match=r"'big' has 10005 rows; history keeps the first 10000"):
        run.log({"big": table})
    run.finish()
    got = next(cairn.Api().run(run.path).scan_history(keys=["big"]))["big"]
    assert got["nrows"] == 10_000
    assert got.table().get_column("i")[-1] == 9_999
    assert len(table.data) == 10_005


def test_a_bad_dataframe_logged_directly_names_the_key() -> None:
    run = cairn.init(project="media")
    with pytest.raises(ValueError, match=r"under key 'df'.*column 'a'"):
        run.log({"df": pd.DataFrame({"a": [object()]})})
    run.finish()


def test_a_dataframe_logged_directly_becomes_a_table(log_one: LogOne) -> None:
    got = log_one({"df": pd.DataFrame({"a": [1, 2]})})["df"]
    assert got.table().data == [[1], [2]]


@pytest.mark.parametrize(("make", "fragment"), [
    (lambda: cairn.Table(columns=["a", "b"], data=[[1]]), "a row needs 2 values"),
    (lambda: cairn.Table(columns=["a", "a"]), "must be unique"),
    (lambda: cairn.Table(columns="ab"), "columns must be a list"),
    (lambda: cairn.Table(columns=["a"], data=[[object()]]), "column 'a'"),
    (lambda: cairn.Table(columns=["a"], data=np.zeros((2, 2, 2))), "must be 2-D"),
    (lambda: cairn.Table(columns=["a"], data=[[1]]).add_column("b", [1, 2]), "has 2 values"),
    (lambda: cairn.Table(columns=["a"]).get_column("zz"), "no column 'zz'"),
    (lambda: cairn.Table(columns=["a"], data=[[1], ["x"]]),
     "column 'a' holds number values; got a string"),
    (lambda: cairn.Table(columns=["a"], data=[[1]]).add_column("b", [None]),
     "column 'b' does not take None"),
    (lambda: cairn.Table(columns=["a"], data=[[None]], optional=[False]), "does not take None"),
    (lambda: cairn.Table(columns=["a", "b"], optional=[True]), "1 flags for 2 columns"),
])
def test_bad_input_is_refused(make: Any, fragment: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fragment)):
        make()


def test_an_artifact_keeps_a_whole_table_and_its_media() -> None:
    pixels = np.full((4, 4, 3), 77, dtype=np.uint8)
    table = cairn.Table(columns=["i", "img"],
                        data=[[i, cairn.Image(pixels) if i == 0 else None]
                              for i in range(10_500)])
    run = cairn.init(project="media")
    artifact = cairn.Artifact("preds", type="predictions")
    artifact.add(table, "preds")
    run.log_artifact(artifact)
    run.finish()
    stored = cairn.Api().artifact(f"{run.entity}/media/preds:latest")
    got = stored.get("preds")  # a cairn.Table, as wandb's Artifact.get returns
    assert isinstance(got, cairn.Table)
    assert len(got.data) == 10_500  # no history cap here
    assert np.array_equal(np.asarray(got.data[0][1].image()), pixels)
    media = sorted(e for e in stored.manifest.entries if e.startswith("media/"))
    assert len(media) == 2  # the table's JSON and the image in its first cell


def test_media_set_in_the_summary_are_stored_as_references() -> None:
    run = cairn.init(project="media")
    run.summary["best"] = cairn.Table(columns=["a"], data=[[1], [2]])
    run.summary.update({"sample": cairn.Image(np.zeros((2, 3), dtype=np.uint8))})
    run.summary["plain"] = np.float32(0.5)
    run.finish()
    summary = cairn.Api().run(run.path).summary
    assert summary["best"]["_type"] == "table-file"
    assert summary["best"]["nrows"] == 2
    assert (summary["sample"]["width"], summary["sample"]["height"]) == (3, 2)
    assert summary["plain"] == 0.5
    with cairn.Api().blobs.open(summary["best"]["sha256"]) as stream:
        assert b'"data":[[1],[2]]' in stream.read()
