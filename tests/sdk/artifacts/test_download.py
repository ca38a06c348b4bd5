"""The transfer progress bar, where downloads may write, and how they copy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cairn.sdk.artifacts.download import _copy_file, safe_destination
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


@pytest.mark.parametrize("where", ["same disk", "another filesystem"])
def test_copy_file_copies_every_byte(tmp_path: Path, where: str) -> None:
    folder = tmp_path
    if where == "another filesystem":  # copy_file_range refuses: the fallback copies
        shm = Path("/dev/shm")
        if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
            pytest.skip("no second filesystem at /dev/shm")
        folder = shm
    data = os.urandom(3 << 20) + b"tail"
    source = folder / f"cairn-copy-test-{os.getpid()}"
    source.write_bytes(data)
    try:
        _copy_file(source, tmp_path / "copy")
        assert (tmp_path / "copy").read_bytes() == data
        with pytest.raises(FileExistsError):  # never over an existing file
            _copy_file(source, tmp_path / "copy")
        (tmp_path / "empty-source").write_bytes(b"")
        _copy_file(tmp_path / "empty-source", tmp_path / "empty")
        assert (tmp_path / "empty").read_bytes() == b""
    finally:
        source.unlink()
