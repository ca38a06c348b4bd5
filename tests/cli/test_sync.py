from __future__ import annotations

import io
import math
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

import cairn
from cairn.records import Record, RunRef
from cairn.store.blobs import LocalBlobStore
from cairn.store.registry import open_store
from cairn.store.sqlite import SqliteStore
from cairn.wal.reader import read_wal
from cairn.wal.writer import WalWriter

if TYPE_CHECKING:
    from tests.cli.conftest import Invoke, MakeRun


def _loss(root: Path, run_id: str) -> list[float]:
    api = cairn.Api(root=root)
    try:
        return list(api.run(run_id).series("loss")[1])
    finally:
        api.close()


def _damaged_copy(source: Path, target: Path) -> tuple[int, int]:
    """Copy a WAL with one byte flipped inside a record frame in the middle; returns
    (records in the source, frames)."""
    records = read_wal(source)
    run, session = records[0].run, records[0].session
    writer = WalWriter(target, run, session)
    ends = []
    for record in records:
        writer.append_records([record])
        ends.append(writer.size)
    writer.close()
    data = bytearray(target.read_bytes())
    middle = len(ends) // 2
    data[ends[middle - 1] + 14] ^= 0xFF  # inside the payload of record `middle`
    target.write_bytes(bytes(data))
    return len(records), len(ends)


def test_sync_applies_an_offline_run_once(invoke: Invoke, make_run: MakeRun,
                                          cairn_root: Path) -> None:
    logged = make_run()
    assert not (cairn_root / "cairn.db").exists()

    first = invoke("sync")
    assert "read 1 WAL file" in first.stdout
    assert "0 already present" in first.stdout
    assert _loss(cairn_root, logged.id) == [r["loss"] for r in logged.rows]

    second = invoke("sync")
    assert "0 applied" in second.stdout
    assert _loss(cairn_root, logged.id) == [r["loss"] for r in logged.rows]


def test_sync_accepts_a_run_folder_a_wal_file_or_the_cairn_folder(
        invoke: Invoke, make_run: MakeRun, cairn_root: Path) -> None:
    one, two = make_run(), make_run()
    invoke("sync", str(one.wal_path.parent))
    api = cairn.Api(root=cairn_root)
    assert [r.id for r in api.runs()] == [one.id]
    api.close()
    result = invoke("sync", "-v", str(two.wal_path))
    assert two.path in result.stdout
    result = invoke("sync", str(cairn_root))
    assert "read 2 WAL files" in result.stdout
    assert "0 applied" in result.stdout


def test_dry_run_reports_and_writes_nothing(invoke: Invoke, make_run: MakeRun,
                                            cairn_root: Path) -> None:
    make_run(mode="local", project="other")  # a store exists, with another run
    logged = make_run()
    before = (cairn_root / "cairn.db").read_bytes()
    result = invoke("sync", "--dry-run")
    assert "dry run, nothing written" in result.stdout
    assert "would be applied" in result.stdout
    assert "0 would be applied" not in result.stdout
    api = cairn.Api(root=cairn_root)
    assert [r.project for r in api.runs()] == ["other"]
    api.close()
    assert (cairn_root / "cairn.db").read_bytes() == before
    invoke("sync")
    again = invoke("sync", "--dry-run", str(logged.wal_path))
    assert "0 would be applied" in again.stdout


def test_dry_run_without_a_store_creates_none(invoke: Invoke, make_run: MakeRun,
                                              cairn_root: Path) -> None:
    make_run()
    result = invoke("sync", "--dry-run")
    assert "would be applied" in result.stdout
    assert not (cairn_root / "cairn.db").exists()


def test_a_damaged_frame_is_skipped_and_reported(invoke: Invoke, make_run: MakeRun,
                                                 cairn_root: Path, tmp_path: Path) -> None:
    logged = make_run(steps=3)
    damaged = tmp_path / "damaged.cairn"
    total, _ = _damaged_copy(logged.wal_path, damaged)
    result = invoke("sync", str(damaged))
    assert f"read 1 WAL file, {total - 1} records" in result.stdout
    assert "1 damaged frame skipped" in result.stdout
    assert "damaged" in result.stderr
    assert str(damaged) in result.stderr
    api = cairn.Api(root=cairn_root)
    assert api.run(logged.id).state == "finished"  # the records after the damage are kept
    api.close()


def test_a_torn_last_frame_is_reported_and_the_rest_applied(
        invoke: Invoke, make_run: MakeRun, cairn_root: Path) -> None:
    logged = make_run()
    data = logged.wal_path.read_bytes()
    logged.wal_path.write_bytes(data[:-3])  # the finish record is cut off
    result = invoke("sync")
    assert "1 torn tail" in result.stdout
    assert "cut off" in result.stderr
    assert _loss(cairn_root, logged.id) == [r["loss"] for r in logged.rows]


def test_a_file_that_is_not_a_wal_fails_alone(invoke: Invoke, make_run: MakeRun,
                                              cairn_root: Path, tmp_path: Path) -> None:
    logged = make_run()
    bogus = tmp_path / "notes.cairn"
    bogus.write_text("these are not the records you are looking for\n")
    result = invoke("sync", str(bogus), str(logged.wal_path), code=1)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert str(bogus) in errors[0]
    assert "not a cairn WAL" in errors[0]
    assert "1 file unreadable" in result.stdout
    assert _loss(cairn_root, logged.id) == [r["loss"] for r in logged.rows]


def test_sync_of_a_missing_path_is_one_line(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("sync", str(tmp_path / "nope"), code=1)
    assert result.stderr.strip() == f"Error: no such file or folder: {tmp_path / 'nope'}"


def test_nothing_to_sync(invoke: Invoke) -> None:
    assert "nothing to sync" in invoke("sync").stdout


def test_sync_completes_a_killed_run(invoke: Invoke, cairn_root: Path) -> None:
    script = textwrap.dedent("""
        import os, signal, time
        import cairn
        from cairn.wal.reader import read_wal
        run = cairn.init(project="killed", mode="offline", id="killed01")
        for i in range(10):
            run.log({"loss": float(i)})
        deadline = time.time() + 10
        while time.time() < deadline and sum(
                r.body["rows"] for r in read_wal(run.wal_path) if r.kind == "history") < 10:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], env=os.environ.copy(), timeout=60,
                          check=False)
    assert proc.returncode == -signal.SIGKILL
    invoke("sync")
    api = cairn.Api(root=cairn_root)
    run = api.run("killed/killed01")
    assert run.state == "crashed"  # its process is gone and it never finished
    assert list(run.series("loss")[1]) == [float(i) for i in range(10)]
    api.close()


def test_sync_writes_into_the_dir_store(invoke: Invoke, make_run: MakeRun,
                                        tmp_path: Path) -> None:
    logged = make_run()
    other = tmp_path / "elsewhere"
    invoke("--dir", str(other), "sync", str(logged.wal_path))
    store = open_store(other)
    try:
        ref = RunRef(*logged.path.split("/"))
        assert store.get_run(ref) is not None
    finally:
        store.close()


def test_sync_to_another_backend_leaves_the_folder_alone(
        invoke: Invoke, make_run: MakeRun, cairn_root: Path, tmp_path: Path) -> None:
    logged = make_run(mode="offline")
    image = cairn.init(project="proj", mode="offline")
    image.log({"pic": cairn.Image(np.zeros((4, 4, 3), dtype=np.uint8))})
    image.finish()
    target = f"sqlite:///{tmp_path / 'team' / 'runs.db'}"
    blobs = f"file://{tmp_path / 'team-blobs'}"
    result = invoke("sync", "--to", target, "--to-blobs", blobs)
    assert "read 2 WAL files" in result.stdout
    assert not (cairn_root / "cairn.db").exists()
    api = cairn.Api(store=target, blobs=blobs)
    try:
        assert list(api.run(logged.id).series("loss")[1]) == [r["loss"] for r in logged.rows]
        media = next(iter(api.run(image.id).scan_history(keys=["pic"])))["pic"]
        assert LocalBlobStore(tmp_path / "team-blobs").has(media.digest)
    finally:
        api.close()
    again = invoke("sync", "--to", target, "--to-blobs", blobs)
    assert " 0 applied" in again.stdout


def test_sync_to_an_unreachable_server_is_one_clear_line(invoke: Invoke,
                                                         make_run: MakeRun) -> None:
    make_run()
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    result = invoke("sync", "--to", url, code=1)
    assert result.stderr.startswith(f"Error: cannot reach the cairn server {url}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_store_warnings_become_one_line(invoke: Invoke, cairn_root: Path,
                                        tmp_path: Path) -> None:
    ref = RunRef("me", "proj", "future01")
    writer = WalWriter(tmp_path / "future.cairn", ref, "s1")
    writer.append_records([Record(ref, "s1", 1, "run", {"name": "f", "start_time": 1.0}),
                           Record(ref, "s1", 2, "hologram", {"x": math.pi})])
    writer.close()
    result = invoke("sync", str(tmp_path / "future.cairn"))
    assert "2 applied" in result.stdout
    assert any(line.startswith("warning:") and "hologram" in line
               for line in result.stderr.splitlines())


def test_progress_bar_on_a_terminal(make_run: MakeRun,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from cairn.cli.sync import _replay_with_bar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    logged = make_run()
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    results = _replay_with_bar([logged.wal_path], None, dry_run=True)
    assert results[0].applied > 0
    assert "reading WALs" in terminal.getvalue()
    assert "100%" in terminal.getvalue()


# ---- stores damaged by the old skip rule ---------------------------------------------------
LEGACY = RunRef("me", "proj", "legacy1")


def _out_of_order_wal(cairn_root: Path) -> tuple[Path, list[Record]]:
    """A WAL as writers before sequence-ordered finishes wrote it: the last row's media
    (seq 6) were encoded before the finish numbered 5 was released."""
    body = {"name": "legacy", "start_time": 1000.0, "at": 1000.0, "host": "elsewhere",
            "pid": 1}
    records = [Record(LEGACY, "s1", 1, "run", body),
               Record(LEGACY, "s1", 2, "metric", {"name": "loss", "summary": ["mean"]}),
               Record(LEGACY, "s1", 3, "history", _loss_history([0, 1], [1.0, 0.5])),
               Record(LEGACY, "s1", 4, "history", _loss_history([2], [0.25])),
               Record(LEGACY, "s1", 6, "history", {"steps": [], "num": {}, "rows": 0,
                                                   "obj": {"note": [[2, "last"]]},
                                                   "last_step": 2, "at": 1002.0}),
               Record(LEGACY, "s1", 5, "finish", {"exit_code": 0, "state": "finished",
                                                  "at": 1003.0})]
    path = cairn_root / "runs" / "run-20240101_000000-legacy1" / "run-legacy1.cairn"
    path.parent.mkdir(parents=True)
    writer = WalWriter(path, LEGACY, "s1")
    writer.append_records(records)
    writer.close()
    return path, records


def _loss_history(steps: list[int], values: list[float]) -> dict[str, Any]:
    from cairn.records import HistoryBatch, NumericColumn

    batch = HistoryBatch(last_step=steps[-1], rows=len(steps))
    batch.numeric["loss"] = NumericColumn(steps, values, kind="f")
    body = batch.to_body()
    body["at"] = 1000.0 + steps[-1]
    return body


def _apply_as_the_old_rule_did(db: Path, records: list[Record]) -> None:
    """What the old code left: every record above the running high-water mark applied,
    the finish behind the media skipped, and a ``wal_progress`` row without gaps."""
    store = SqliteStore(db)
    mark = 0
    for record in records:
        if record.seq > mark:
            store.apply_records([record])
            mark = record.seq
    store.close()
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE wal_progress DROP COLUMN gaps")  # the schema before gaps
    for later in ("edits", "tombstones"):  # and before migration 0007
        conn.execute(f"DROP TABLE {later}")
    conn.execute("PRAGMA user_version = 5")
    conn.commit()
    conn.close()


def _stored(root: Path) -> tuple[Any, ...]:
    store = SqliteStore(root / "cairn.db")
    try:
        row = store.get_run(LEGACY, with_state=True)
        assert row is not None
        steps, values, _ = store.read_series(row.pk, "loss")
        return (row.state, row.summary, row.summary_state, row.last_step,
                steps.tolist(), values.tolist(), store.read_objects(row.pk))
    finally:
        store.close()


def test_sync_repairs_a_finish_the_old_rule_skipped_once(invoke: Invoke,
                                                         cairn_root: Path) -> None:
    _, records = _out_of_order_wal(cairn_root)
    _apply_as_the_old_rule_did(cairn_root / "cairn.db", records)
    assert _stored(cairn_root)[0] == "crashed"  # running, with no heartbeat for long

    dry = invoke("sync", "--dry-run")
    assert "1 would be applied" in dry.stdout
    assert "1 session kept by an older cairn would be repaired" in dry.stdout
    assert _stored(cairn_root)[0] == "crashed"
    first = invoke("sync")
    assert "1 applied" in first.stdout
    assert "1 session kept by an older cairn repaired" in first.stdout
    repaired = _stored(cairn_root)
    assert repaired[0] == "finished"
    assert repaired[1]["loss"] == {"mean": pytest.approx(1.75 / 3)}

    again = invoke("sync")
    assert "0 applied, 6 already present" in again.stdout
    assert "repaired" not in again.stdout
    assert _stored(cairn_root) == repaired


def test_a_repaired_store_equals_one_that_never_skipped(invoke: Invoke,
                                                        cairn_root: Path,
                                                        tmp_path: Path) -> None:
    path, records = _out_of_order_wal(cairn_root)
    _apply_as_the_old_rule_did(cairn_root / "cairn.db", records)
    invoke("sync")
    clean = tmp_path / "clean"
    invoke("--dir", str(clean), "sync", str(path))
    assert _stored(cairn_root) == _stored(clean)


def test_a_run_deleted_through_the_api_stays_deleted_after_sync(
        invoke: Invoke, make_run: MakeRun, cairn_root: Path) -> None:
    gone = make_run(mode="local")
    kept = make_run(mode="local")
    api = cairn.Api(root=cairn_root)
    try:
        api.run(gone.path).delete()
    finally:
        api.close()
    result = invoke("sync")
    assert "of deleted runs dropped" in result.stdout
    api = cairn.Api(root=cairn_root)
    try:
        assert [r.id for r in api.runs("proj")] == [kept.id]
        (trail,) = api.store.edits(gone.path.split("/")[0], "proj")
        assert (trail.kind, trail.target) == ("run_delete", gone.id)
        assert trail.origin.startswith("api ")
    finally:
        api.close()


def test_sync_of_compacted_wals_says_where_their_history_is(
        invoke: Invoke, make_run: MakeRun, cairn_root: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from cairn.wal import compact

    monkeypatch.setattr(compact, "COMPACT_FROM", 0)
    logged = make_run(mode="local", steps=40,
                      settings={"applier": "thread", "wal_retention": "compact"})
    deadline = time.monotonic() + 30  # compacted beside finish(), on a thread
    while not any(r.kind == "finish" for r in read_wal(logged.wal_path)) or any(
            r.kind == "history" for r in read_wal(logged.wal_path)):
        assert time.monotonic() < deadline, "not compacted"
        time.sleep(0.05)
    again = invoke("sync")  # into the store that applied it: nothing to do, nothing to say
    assert " 0 applied" in again.stdout
    assert "history" not in again.stdout + again.stderr
    target = f"sqlite:///{tmp_path / 'team' / 'runs.db'}"
    result = invoke("sync", "--to", target)
    assert "only in the store that applied them" in result.stdout
    assert f"history records removed once the store {cairn_root} held them" in result.stderr
    api = cairn.Api(store=target)
    try:
        copied = api.run(logged.id)
        assert copied.state == "finished"
        assert copied.config["lr"] == 0.01
    finally:
        api.close()
