"""Helpers for the fault tests: replaying WALs, reading a run back, child processes,
read-only folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cairn.records import Record, RunRef
from cairn.sinks.handoffs import wait_for_handoffs
from cairn.store.base import ApplyResult, RunRow
from cairn.store.registry import open_store
from cairn.wal.reader import WalReader


def wal_records(path: Path) -> list[Record]:
    reader = WalReader(path)
    records = reader.read()
    assert reader.skipped_frames == 0, f"{path}: damaged frames"
    return records


def wal_steps(path: Path, key: str) -> list[int]:
    """Steps of ``key`` in the history records of a WAL file, in order."""
    from cairn.records import decode_history

    steps: list[int] = []
    for record in wal_records(path):
        if record.kind == "history":
            numeric, _ = decode_history(record.body)
            if key in numeric:
                steps.extend(numeric[key].steps)
    return steps


def sync(root: Path) -> list[ApplyResult]:
    """Apply every WAL under ``root/runs`` to the store (what ``cairn sync`` does), once
    this process's finished runs have reached it (``finish()`` leaves them to the applier
    process)."""
    wait_for_handoffs()
    store = open_store(root)
    try:
        return [store.apply_records(wal_records(path))
                for path in sorted(root.glob("runs/*/*.cairn"))]
    finally:
        store.close()


@dataclass
class StoredRun:
    row: RunRow
    series: dict[str, tuple[list[int], list[float]]]


def stored_run(root: Path, path: str, heartbeat_timeout: float = 60.0) -> StoredRun | None:
    """A run as the store holds it: its row and every numeric series (once this process's
    finished runs have reached the store)."""
    wait_for_handoffs()
    store = open_store(root, heartbeat_timeout=heartbeat_timeout)
    try:
        row = store.get_run(RunRef(*path.split("/")))
        if row is None:
            return None
        series = {}
        for info in store.list_series(row.pk):
            if info.kind != "o":
                steps, values, _ = store.read_series(row.pk, info.key)
                series[info.key] = (steps.tolist(), values.tolist())
        return StoredRun(row, series)
    finally:
        store.close()


def child(code: str, **popen: Any) -> subprocess.Popen[str]:
    """Run ``code`` in a new interpreter (this one), with this process's environment
    (the autouse fixture's ``CAIRN_DIR``)."""
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ), **popen)


@contextmanager
def recorded_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Every warning, from any thread, while the block runs (nothing is raised)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def cairn_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    import cairn

    return [str(w.message) for w in caught if issubclass(w.category, cairn.CairnWarning)]


@contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Make files and folders unwritable for real. As root, where permission bits do not
    stop writes, with the immutable attribute (``chattr +i``); otherwise with ``chmod``."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in paths}
        for p in paths:
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("running as root without chattr: cannot make a folder read-only")
    done: list[Path] = []
    try:
        for p in paths:
            result = subprocess.run([chattr, "+i", str(p)], capture_output=True, check=False)
            if result.returncode != 0:
                pytest.skip(f"chattr +i does not work here: {result.stderr.decode().strip()}")
            done.append(p)
        probe = paths[0] / ".probe" if paths[0].is_dir() else paths[0]
        try:
            with probe.open("a"):
                pass
        except OSError:
            pass
        else:
            pytest.skip("the immutable attribute does not stop writes here")
        yield
    finally:
        for p in done:
            subprocess.run([chattr, "-i", str(p)], check=False)


class Kit:
    """The helpers above, for the test modules (which cannot import this conftest)."""

    wal_records = staticmethod(wal_records)
    wal_steps = staticmethod(wal_steps)
    sync = staticmethod(sync)
    stored_run = staticmethod(stored_run)
    child = staticmethod(child)
    recorded_warnings = staticmethod(recorded_warnings)
    cairn_warnings = staticmethod(cairn_warnings)
    read_only = staticmethod(read_only)


@pytest.fixture
def kit() -> type[Kit]:
    return Kit
