"""MediaFile: a stored media reference read back through Api, with its bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import cairn
from cairn.sdk.media.stored import MediaFile


def test_media_files_are_the_stored_dicts_with_their_bytes(tmp_path: Path) -> None:
    run = cairn.init(project="media")
    run.log({"img": cairn.Image(np.zeros((2, 3), dtype=np.uint8)), "n": 1})
    run.log({"img": cairn.Image(np.ones((2, 3), dtype=np.uint8)), "n": 2})
    run.finish()
    stored = cairn.Api().run(run.path)
    frame = stored.history(keys=["img"])
    assert all(isinstance(v, MediaFile) for v in frame["img"])
    first, second = (r["img"] for r in stored.scan_history(keys=["img"]))
    assert isinstance(first, dict)
    assert first.name.startswith("media/images/")
    assert first.name.endswith(".png")
    path = first.download(tmp_path)
    assert path.read_bytes() == first.read_bytes()
    path.write_bytes(b"changed")
    assert first.download(tmp_path, replace=True).read_bytes() == first.read_bytes()
    assert first.digest != second.digest
    with pytest.raises(ValueError, match="this is a image-file, not a table-file"):
        first.table()
    with pytest.raises(KeyError, match="no mask group"):
        first.mask("truth")
    assert stored.summary["img"]["sha256"] == second.digest


def test_a_medium_s_path_resolves_through_run_file_as_in_wandb(tmp_path: Path) -> None:
    run = cairn.init(project="media")
    run.log({"img": cairn.Image(np.full((2, 2), 3, dtype=np.uint8))})
    run.finish()
    stored = cairn.Api().run(run.path)
    img = next(stored.scan_history(keys=["img"]))["img"]
    assert img["path"] == f"media/images/{img.digest}.png"
    file = stored.file(img["path"])
    assert (file.name, file.digest, file.size) == (img["path"], img.digest, img["size"])
    assert file.download(tmp_path).read_bytes() == img.read_bytes()
    with pytest.raises(cairn.errors.NotFoundError):
        stored.file(f"media/images/{'0' * 64}.png")  # no such blob


def test_a_hostile_reference_cannot_name_a_path_outside_root(tmp_path: Path) -> None:
    ref = MediaFile({"_type": "image-file", "sha256": "../../etc/passwd",
                     "format": "png/../../../x"}, blobs=lambda: None)
    assert ref.name == "media/images/unknown.bin"
