"""cairn.Audio: arrays as 16-bit WAV with the sample rate, files byte for byte."""

from __future__ import annotations

import io
import re
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.sdk.media.conftest import LogOne

import cairn


def test_array_round_trips_as_wav(log_one: LogOne) -> None:
    samples = np.sin(np.arange(1600) / 8).astype(np.float32) * 0.5
    got = log_one({"a": cairn.Audio(samples, sample_rate=16_000, caption="tone")})["a"]
    assert (got["format"], got["sample_rate"], got["channels"]) == ("wav", 16_000, 1)
    assert got["duration"] == pytest.approx(0.1)
    assert got.caption == "tone"
    with wave.open(io.BytesIO(got.read_bytes())) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16_000, 1, 2)
        back = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32767
    assert np.allclose(back, samples, atol=1e-4)


def test_stereo_and_a_wav_file(log_one: LogOne, tmp_path: Path) -> None:
    stereo = np.zeros((2, 400), dtype=np.int16)
    path = tmp_path / "clip.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x01" * 800)
    row = log_one({"s": cairn.Audio(stereo, sample_rate=8000), "f": cairn.Audio(path)})
    assert row["s"]["channels"] == 2
    assert row["f"].read_bytes() == path.read_bytes()
    assert (row["f"]["sample_rate"], row["f"]["duration"]) == (8000, 0.1)


@pytest.mark.parametrize(("make", "fragment"), [
    (lambda: cairn.Audio(np.zeros(10)), "sample_rate is required"),
    (lambda: cairn.Audio(np.zeros(10), sample_rate=0), "sample_rate must be"),
    (lambda: cairn.Audio(np.zeros((3, 3, 3)), sample_rate=10), "samples x channels"),
    (lambda: cairn.Audio("/missing.wav"), "cannot read '/missing.wav'"),
    (lambda: cairn.Audio("song.xyz"), "unsupported format 'xyz'"),
])
def test_bad_input_is_refused(make: Any, fragment: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fragment)):
        make()
