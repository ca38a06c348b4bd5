"""The environment snapshot in the store: kept in the run's metadata, cut to a size."""

from __future__ import annotations

from pathlib import Path

from cairn.records import Record, RunRef
from cairn.store.registry import open_store

REF = RunRef("e", "p", "r")


def test_an_oversized_environment_is_cut_to_what_fits(cairn_root: Path) -> None:
    store = open_store(cairn_root)
    try:
        store.apply_records([
            Record(REF, "s", 1, "run", {"name": "n", "at": 1.0}),
            Record(REF, "s", 2, "environment", {"host": "h", "args": ["x" * 300_000],
                                                "python": "3.11"})])
        row = store.get_run(REF)
        assert row is not None
        assert row.meta["environment"] == {"host": "h", "python": "3.11"}
    finally:
        store.close()
