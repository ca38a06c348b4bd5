"""cairn.restore: a run's saved file brought back, an existing copy kept unless replace."""

from __future__ import annotations

from pathlib import Path

import pytest

import cairn


def test_restore_brings_a_file_back(tmp_path: Path) -> None:
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "weights.txt").write_text("trained")
    run = cairn.init(project="p")
    run.save(str(tmp_path / "w" / "weights.txt"), base_path=str(tmp_path / "w"), policy="now")
    run.finish()
    with cairn.restore("weights.txt", run_path=run.path, root=tmp_path / "back") as fh:
        assert fh.read() == "trained"
    (tmp_path / "back" / "weights.txt").write_text("local edit")
    with cairn.restore("weights.txt", run_path=run.path, root=tmp_path / "back") as fh:
        assert fh.read() == "local edit"  # an existing copy is used unless replace
    with cairn.restore("weights.txt", run_path=run.path, root=tmp_path / "back",
                       replace=True) as fh:
        assert fh.read() == "trained"
    assert cairn.restore("missing.txt", run_path=run.path, root=tmp_path) is None
    with pytest.raises(ValueError, match="escapes"):
        cairn.restore("../../etc/passwd", run_path=run.path, root=tmp_path)


def test_restore_without_a_run_needs_run_path() -> None:
    with pytest.raises(cairn.UsageError, match="run_path"):
        cairn.restore("x.txt")
