"""The transfer progress bar and where downloads may write."""

from __future__ import annotations

from pathlib import Path

import pytest

from cairn.sdk.artifacts.download import safe_destination
from cairn.sdk.artifacts.progress import TransferProgress


def test_progress_bar_reports_share_size_and_rate(capsys: pytest.CaptureFixture[str]) -> None:
    progress = TransferProgress("data:v0", 200_000_000, enabled=True)
    progress.advance(100_000_000)
    progress.advance(100_000_000)
    progress.close()
    err = capsys.readouterr().err
    assert "\rdata:v0  100%  200/200 MB" in err
    assert "MB/s" in err
    assert err.endswith("\n")


def test_progress_bar_is_silent_when_disabled(capsys: pytest.CaptureFixture[str]) -> None:
    progress = TransferProgress("data:v0", 10, enabled=False)
    progress.advance(10)
    progress.close()
    assert capsys.readouterr().err == ""


def test_safe_destination(tmp_path: Path) -> None:
    assert safe_destination(tmp_path, "a/b.txt") == tmp_path / "a" / "b.txt"
    with pytest.raises(ValueError, match="escapes"):
        safe_destination(tmp_path, "../b.txt")
    (tmp_path / "target.txt").write_text("x")
    (tmp_path / "link.txt").symlink_to(tmp_path / "target.txt")
    with pytest.raises(ValueError, match="is a symlink"):
        safe_destination(tmp_path, "link.txt")
