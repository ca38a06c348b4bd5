"""What a cairn run leaves on disk: the embedded store and the run's folder.

The run's WAL is compacted by the applier after ``finish()`` has returned
(``wal_retention``, ``cairn/wal/compact.py``), so the folder is measured once that is done
(or after ``wait`` seconds, for a WAL that stays whole: under 1 MiB, or ``keep``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _manifest(wal: Path) -> dict[str, Any] | None:
    """The compaction manifest of the WAL; ``{}`` when it was deleted."""
    from cairn.wal.reader import WalReader

    if not wal.exists():
        return {}  # wal_retention = "delete"
    reader = WalReader(wal)
    reader.read(max_records=1)
    return reader.compacted


def run_disk(run: Any, points: int, wait: float = 10.0) -> dict[str, Any]:
    """Bytes of the store (``cairn.db`` and its ``-wal``) and of the run's folder, and
    both per point, after the run's WAL is compacted."""
    from cairn.wal.compact import COMPACT_FROM

    started = time.perf_counter()
    wal = Path(run.wal_path)
    if wal.exists() and wal.stat().st_size < COMPACT_FROM:
        wait = 0.0  # stays whole
    manifest = _manifest(wal)
    while manifest is None and time.perf_counter() - started < wait:
        time.sleep(0.05)
        manifest = _manifest(wal)
    root = Path(run.settings.root)
    store = _size(root / "cairn.db") + _size(root / "cairn.db-wal")
    folder = sum(_size(p) for p in wal.parent.rglob("*") if p.is_file())
    return {"store_bytes": store, "run_folder_bytes": folder,
            "run_wal_bytes": _size(wal), "wal_compacted": manifest is not None,
            "run_wal_bytes_before": (manifest or {}).get("bytes", _size(wal)),
            "compaction_wait_s": time.perf_counter() - started,
            # on the embedded store only (None on a database backend)
            "disk_bytes_per_point": (store + folder) / points if store else None,
            "run_folder_share": folder / store if store else None}
