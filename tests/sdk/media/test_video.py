"""cairn.Video: frame arrays encoded to gif in the writer thread; files byte for byte."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import PIL.Image
import pytest
from tests.sdk.media.conftest import LogOne

import cairn


def test_frames_become_an_animated_gif(log_one: LogOne) -> None:
    frames = np.zeros((6, 3, 8, 10), dtype=np.uint8)
    for t in range(6):
        frames[t, 0] = t * 40
    got = log_one({"v": cairn.Video(frames, fps=5, caption="run")})["v"]
    assert (got["format"], got["width"], got["height"], got["fps"]) == ("gif", 10, 8, 5)
    with PIL.Image.open(io.BytesIO(got.read_bytes())) as gif:
        assert gif.n_frames == 6
        gif.seek(3)
        assert np.asarray(gif.convert("RGB"))[0, 0, 0] == pytest.approx(120, abs=8)


def test_a_batch_is_tiled_into_a_grid(log_one: LogOne) -> None:
    batch = np.zeros((4, 2, 1, 5, 5), dtype=np.float32)
    got = log_one({"v": cairn.Video(batch)})["v"]
    assert (got["width"], got["height"], got["fps"]) == (10, 10, 4)


def test_a_video_file_is_stored_as_is(log_one: LogOne, tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42 not really a video")
    got = log_one({"v": cairn.Video(str(path))})["v"]
    assert got["format"] == "mp4"
    assert got.read_bytes() == path.read_bytes()


@pytest.mark.parametrize(("make", "fragment"), [
    (lambda: cairn.Video(np.zeros((3, 5, 4, 4))), "need 1, 3 or 4 channels; got 5"),
    (lambda: cairn.Video(np.zeros((4, 4))), "time x channels x height x width"),
    (lambda: cairn.Video(np.zeros((2, 3, 4, 4)), format="avi"), "unsupported format 'avi'"),
    (lambda: cairn.Video(np.zeros((2, 3, 4, 4)), fps=0), "fps must be"),
    (lambda: cairn.Video("/missing.gif"), "cannot read"),
])
def test_bad_input_is_refused(make: Any, fragment: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fragment)):
        make()


@pytest.mark.parametrize(("fmt", "magic"), [("mp4", b"ftyp"), ("webm", b"\x1aE\xdf\xa3")])
def test_mp4_and_webm_with_ffmpeg(log_one: LogOne, fmt: str, magic: bytes, tmp_path: Path) -> None:
    ffmpeg = pytest.importorskip("imageio_ffmpeg", reason="mp4/webm need cairn[video]")
    frames = np.random.default_rng(4).integers(0, 255, (6, 3, 15, 21), dtype=np.uint8)
    got = log_one({"v": cairn.Video(frames, fps=8, format=fmt)})["v"]
    assert (got["format"], got["width"], got["height"], got["fps"]) == (fmt, 21, 15, 8)
    assert magic in got.read_bytes()[:40]
    path = str(got.download(tmp_path))
    assert ffmpeg.count_frames_and_secs(path)[0] == 6
    probe = subprocess.run([ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", path],
                           capture_output=True, text=True, check=False).stderr
    assert re.search(r"Video: .* 22x16\b", probe), probe  # padded to even sides (yuv420p)
