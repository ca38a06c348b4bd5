"""A damaged store file: ``cairn ui`` and ``cairn sync`` say so and what to do, and doing
it (move the file aside, ``cairn sync``) brings the runs back from their WALs."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from tests.store.conftest import Writer

import cairn
from cairn.records import RunRef
from cairn.server import serve
from cairn.store.sqlite import SqliteStore

if TYPE_CHECKING:
    from tests.cli.conftest import Invoke, MakeRun


def _damage(db: Path) -> None:
    """Overwrite the contents of three leaf pages of the runs table, keeping the header
    and schema readable (pages chosen by what they hold, not where they lie: the file's
    layout changes with every migration)."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = int(conn.execute("PRAGMA page_size").fetchone()[0])
    leaves = [int(n) for (n,) in conn.execute(
        "SELECT pageno FROM dbstat WHERE name = 'runs' AND pagetype = 'leaf' "
        "ORDER BY pageno")]
    conn.close()
    assert len(leaves) >= 3, leaves
    data = bytearray(db.read_bytes())
    middle = len(leaves) // 2
    for number in leaves[middle - 1:middle + 2]:
        start = (number - 1) * page  # pages are numbered from 1
        data[start + 100:start + page - 100] = b"\xff" * (page - 200)
    db.write_bytes(data)


def _fill(db: Path, runs: int = 300) -> None:
    store = SqliteStore(db)
    try:
        records = []
        for i in range(runs):
            w = Writer(RunRef("me", "filler", f"f{i}"))
            records += [w.run(), w.config({"k": i, "pad": "x" * 200}), w.finish()]
        store.apply_records(records)
    finally:
        store.close()


def test_a_damaged_store_is_reported_with_what_to_do(invoke: Invoke, make_run: MakeRun,
                                                     cairn_root: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[object] = []
    monkeypatch.setattr(serve, "make_server", served.append)  # never serve
    logged = make_run()  # offline: its WAL stays under runs/
    invoke("sync")
    db = cairn_root / "cairn.db"
    _fill(db)
    healthy = SqliteStore(db)
    assert healthy.check_integrity() == []
    assert healthy.check_integrity(full=True) == []
    healthy.close()
    _damage(db)

    for args in (("ui", "--port", "0"), ("sync",)):
        result = invoke(*args, code=1)
        assert result.stderr.startswith(f"Error: the store {db} is damaged, so it is not used")
        assert "cairn sync" in result.stderr
        assert ".recover" in result.stderr
        assert "Traceback" not in result.stderr
    assert served == []

    # What the message says to do works: the WAL files rebuild the runs.
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{db}{suffix}").exists():
            Path(f"{db}{suffix}").rename(f"{db}{suffix}.damaged")
    invoke("sync")
    api = cairn.Api(root=cairn_root)
    try:
        assert list(api.run(logged.id).series("loss")[1]) == [r["loss"] for r in logged.rows]
    finally:
        api.close()
