"""Run folders that ``init(dir=...)`` placed outside the cairn folder's ``runs/``.

Each is noted, one absolute path a line, in ``<cairn folder>/placed-runs`` (appended in
one write, so processes starting at once do not mix their lines), so that ``cairn sync``
and ``cairn gc`` find their WALs as they find those under ``runs/``. A folder deleted
since is skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

PLACED_FILE = "placed-runs"


def note_placed(root: Path, run_dir: Path) -> None:
    """Remember ``run_dir`` in ``root`` unless it lies under ``root/runs`` anyway (best
    effort: a read-only cairn folder leaves the run unnoted, not failed)."""
    folder = run_dir.absolute()
    runs = (root / "runs").absolute()
    if folder.parent == runs:
        return
    line = f"{folder}\n".encode()
    if b"\0" in line or line.count(b"\n") != 1:
        return  # a name a line cannot hold: only an explicit path reaches it
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(root / PLACED_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError:
        return


def placed_run_folders(root: Path) -> list[Path]:
    """The noted run folders that still exist, each once, in the order they were noted."""
    try:
        text = (root / PLACED_FILE).read_text(errors="replace")
    except OSError:
        return []
    seen: dict[str, Path] = {}
    for line in text.splitlines():
        if line and line not in seen and os.path.isabs(line):
            path = Path(line)
            if path.is_dir():
                seen[line] = path
    return list(seen.values())
