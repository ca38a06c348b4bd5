"""Run files: names that stay inside the run, content as blobs, read back through Api."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import cairn
from cairn.cli.main import cli


def test_save_file_round_trips_through_api(tmp_path: Path, cairn_root: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("first")
    run = cairn.init(project="p")
    run._save_file(source, "notes.txt", "live")
    source.write_text("second version")
    run._save_file(source, "notes.txt", "live")
    run._save_file(source, "sub/copy.txt")
    run.finish()
    api_run = cairn.Api().run(run.path)
    files = {f.name: f for f in api_run.files()}
    assert sorted(files) == ["notes.txt", "sub/copy.txt"]
    notes = files["notes.txt"]
    assert (notes.size, notes.policy) == (len("second version"), "live")
    with notes.open() as f:
        assert f.read() == b"second version"
    out = notes.download(tmp_path / "restore")
    assert out.read_text() == "second version"
    with pytest.raises(FileExistsError, match="replace=True"):
        notes.download(tmp_path / "restore")
    assert notes.download(tmp_path / "restore", exist_ok=True) == out
    assert api_run.file("sub/copy.txt").digest == notes.digest  # same content, one blob
    stored = [p for p in (cairn_root / "blobs" / "sha256").rglob("*") if p.is_file()]
    assert len(stored) == 2  # "first" and "second version": the copy costs nothing
    with pytest.raises(cairn.errors.NotFoundError, match="no file"):
        api_run.file("missing.txt")


def test_bad_names_and_policies_raise_at_once(tmp_path: Path) -> None:
    source = tmp_path / "f.txt"
    source.write_text("x")
    run = cairn.init(project="p")
    with pytest.raises(ValueError, match="escapes"):
        run._save_file(source, "../f.txt")
    with pytest.raises(ValueError, match="policy"):
        run._save_file(source, "f.txt", "sometimes")
    run.finish()
    assert cairn.Api().run(run.path).files() == []


def test_offline_blobs_stay_in_the_run_folder_until_sync(tmp_path: Path,
                                                         cairn_root: Path) -> None:
    source = tmp_path / "model.bin"
    source.write_bytes(os.urandom(3000))
    run = cairn.init(project="p", mode="offline")
    run._save_file(source, "model.bin")
    run.finish()
    run_folder = run.wal_path.parent
    assert len([p for p in (run_folder / "blobs").rglob("*") if p.is_file()]) == 1
    assert not (cairn_root / "blobs").exists()
    result = CliRunner().invoke(cli, ["sync", str(run_folder)])
    assert result.exit_code == 0, result.output
    got = cairn.Api().run(run.path).file("model.bin")
    with got.open() as f:
        assert f.read() == source.read_bytes()


def test_sync_warns_about_blobs_that_are_gone(tmp_path: Path) -> None:
    source = tmp_path / "f.bin"
    source.write_bytes(b"data")
    run = cairn.init(project="p", mode="offline")
    run._save_file(source, "f.bin")
    run.finish()
    run_folder = run.wal_path.parent
    for blob in [p for p in (run_folder / "blobs").rglob("*") if p.is_file()]:
        blob.chmod(0o644)
        blob.unlink()
    result = CliRunner().invoke(cli, ["sync", str(run_folder)])
    assert result.exit_code == 0, result.output
    assert "1 referenced blob missing" in result.output
    assert cairn.Api().run(run.path).file("f.bin").size == 4  # the record is kept
