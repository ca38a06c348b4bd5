from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from cairn.cli.export import write_csv

if TYPE_CHECKING:
    from tests.cli.conftest import Invoke, LoggedRun, MakeRun

USER_KEYS = ["acc", "loss", "note", "ok", "spiky"]


@pytest.fixture
def logged(make_run: MakeRun) -> LoggedRun:
    return make_run(mode="local", steps=6)


def _same(value: Any, expected: Any) -> bool:
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(value, float) and math.isnan(value)
    return bool(value == expected) and type(value) is type(expected)


def _check_rows(rows: list[dict[str, Any]], logged: LoggedRun) -> None:
    assert [r["_step"] for r in rows] == list(range(len(logged.rows)))
    for row, expected in zip(rows, logged.rows, strict=True):
        for key, value in expected.items():
            assert _same(row[key], value), (key, row[key], value)
        assert row["_runtime"] >= 0
        assert row["_timestamp"] > 1e9


def _csv_value(text: str, key: str) -> Any:
    if key in ("_step", "acc"):
        return int(text)
    if key == "ok":
        return {"True": True, "False": False}[text]
    return text if key == "note" else float(text)


def test_csv_round_trip(invoke: Invoke, logged: LoggedRun, tmp_path: Path) -> None:
    out = tmp_path / "history.csv"
    result = invoke("export", logged.id, "-o", str(out))
    assert f"exported 6 rows of {logged.path}" in result.stderr
    with out.open(newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["_step", "_runtime", "_timestamp", *USER_KEYS]
        rows = [{k: _csv_value(v, k) for k, v in row.items()} for row in reader]
    _check_rows(rows, logged)


def test_jsonl_round_trip_to_stdout(invoke: Invoke, logged: LoggedRun) -> None:
    out = invoke("export", logged.path, "--format", "jsonl", "-o", "-").stdout
    _check_rows([json.loads(line) for line in out.splitlines()], logged)


def test_parquet_round_trip(invoke: Invoke, logged: LoggedRun, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "history.parquet"
    invoke("export", logged.id, "-o", str(out))
    table = pq.read_table(out)
    assert table.column_names == ["_step", "_runtime", "_timestamp", *USER_KEYS]
    assert [str(t) for t in table.schema.types] == [
        "int64", "double", "double", "int64", "double", "string", "bool", "double"]
    _check_rows(table.to_pylist(), logged)


def test_parquet_keeps_a_numeric_column_with_none_numeric(
        invoke: Invoke, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    import cairn

    run = cairn.init(project="gaps")
    for value in (1.5, None, 2.5):
        run.log({"x": value})
    run.finish()
    out = tmp_path / "gaps.parquet"
    invoke("export", run.id, "-o", str(out), "--keys", "x")
    table = pq.read_table(out)
    assert str(table.schema.field("x").type) == "double"
    assert table.column("x").to_pylist() == [1.5, None, 2.5]


def test_keys_select_columns_and_steps(invoke: Invoke, logged: LoggedRun) -> None:
    out = invoke("export", logged.id, "-f", "csv", "-o", "-", "--keys", "_step,loss, acc").stdout
    rows = list(csv.reader(out.splitlines()))
    assert rows[0] == ["_step", "loss", "acc"]
    assert [int(r[2]) for r in rows[1:]] == [r["acc"] for r in logged.rows]


def test_unknown_key_and_unknown_run(invoke: Invoke, logged: LoggedRun,
                                     tmp_path: Path) -> None:
    result = invoke("export", logged.id, "-o", "-", "--keys", "los", code=1)
    assert f"Error: run {logged.path} has no metric 'los' (it has: _runtime" in result.stderr
    result = invoke("export", "ghost", "-o", str(tmp_path / "x.csv"), code=1)
    assert result.stderr.startswith("Error: no run 'ghost' in")
    assert not (tmp_path / "x.csv").exists()


def test_format_from_the_file_name(invoke: Invoke, logged: LoggedRun,
                                   tmp_path: Path) -> None:
    invoke("export", logged.id, "-o", str(tmp_path / "h.ndjson"))
    first = json.loads((tmp_path / "h.ndjson").read_text().splitlines()[0])
    assert first["_step"] == 0
    result = invoke("export", logged.id, "-o", str(tmp_path / "h.txt"), code=2)
    assert "cannot tell the format from" in result.stderr


def test_parquet_without_pyarrow_says_how_to_install(
        invoke: Invoke, logged: LoggedRun, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    result = invoke("export", logged.id, "-o", str(tmp_path / "h.parquet"), code=1)
    assert result.stderr.strip() == (
        "Error: Parquet export needs pyarrow: pip install 'cairn[parquet]'")


def test_unwritable_destination_is_one_line(invoke: Invoke, logged: LoggedRun,
                                            tmp_path: Path) -> None:
    target = tmp_path / "missing" / "h.csv"
    result = invoke("export", logged.id, "-o", str(target), code=1)
    assert result.stderr.strip().startswith(f"Error: cannot write {target}:")
    assert not list(tmp_path.glob("**/*partial*"))


def test_csv_is_streamed(tmp_path: Path) -> None:
    """Rows are written as they come: the writer never holds the whole history."""
    written: list[int] = []

    class Sink:
        def write(self, text: str) -> int:
            written.append(len(text))
            return len(text)

    def rows() -> Any:
        for step in range(3):
            yield {"_step": step, "v": step * 1.5}
            assert len(written) == step + 2  # header and every earlier row already out

    assert write_csv(rows(), ["_step", "v"], Sink()) == 3  # type: ignore[arg-type]
