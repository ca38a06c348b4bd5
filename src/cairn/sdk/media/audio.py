"""``cairn.Audio``: sound from arrays (written as 16-bit WAV with the stdlib) or files."""

from __future__ import annotations

import io
import wave
from typing import Any

from cairn.sdk.media.base import Encoder, Media, check_caption, read_source

AUDIO_FORMATS = frozenset({"wav", "mp3", "ogg", "flac", "m4a", "webm"})
_MAX_SAMPLE_RATE = 1_000_000


class Audio(Media):
    """wandb's ``Audio(data_or_path, sample_rate=None, caption=None)``.

    Arrays are samples (x channels), floats in [-1, 1] or int16; ``sample_rate`` is
    required for them. Files (wav, mp3, ogg, flac, m4a, webm) are stored byte for byte.
    """

    _type = "audio-file"

    def __init__(self, data_or_path: Any, sample_rate: int | None = None,
                 caption: str | None = None) -> None:
        self._caption = check_caption(caption, "Audio")
        self.sample_rate = sample_rate
        self._samples: Any = None
        self._bytes: bytes | None = None
        self.channels: int | None = None
        self.duration: float | None = None
        if isinstance(data_or_path, str) or hasattr(data_or_path, "__fspath__") or \
                hasattr(data_or_path, "read"):
            self._bytes, self._format = read_source(data_or_path, "Audio", AUDIO_FORMATS)
            if self._format == "wav":
                self._read_wav_header()
            self._held = len(self._bytes)
            return
        if sample_rate is None:
            raise ValueError("Audio: sample_rate is required for array data")
        if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or \
                not 0 < sample_rate <= _MAX_SAMPLE_RATE:
            raise ValueError(f"Audio: sample_rate must be a whole number of Hz from 1 to "
                             f"{_MAX_SAMPLE_RATE}; got {sample_rate!r}")
        import numpy as np

        from cairn.sdk.media.arrays import as_array

        samples = as_array(data_or_path, "Audio")
        if samples.ndim == 2 and samples.shape[0] < samples.shape[1] and samples.shape[0] <= 8:
            samples = samples.T  # channels x samples (torchaudio's layout)
        if samples.ndim not in (1, 2) or (samples.ndim == 2 and samples.shape[1] > 8):
            raise ValueError(f"Audio: expected samples or samples x channels (at most 8); got "
                             f"shape {tuple(samples.shape)}")
        if samples.dtype.kind == "f":
            samples = np.clip(np.nan_to_num(samples), -1.0, 1.0)
            samples = np.rint(samples * 32767).astype("<i2")
        else:
            samples = np.clip(samples, -32768, 32767).astype("<i2")
        self._samples = samples
        self._held = int(samples.nbytes)
        self._format = "wav"
        self.channels = 1 if samples.ndim == 1 else int(samples.shape[1])
        self.duration = samples.shape[0] / sample_rate

    def _read_wav_header(self) -> None:
        assert self._bytes is not None
        try:
            with wave.open(io.BytesIO(self._bytes)) as w:
                self.sample_rate = w.getframerate()
                self.channels = w.getnchannels()
                self.duration = w.getnframes() / max(1, w.getframerate())
        except (wave.Error, EOFError) as exc:
            raise ValueError(f"Audio: not a readable WAV file ({exc})") from exc

    def _encode(self, encoder: Encoder) -> dict[str, Any]:
        if self._bytes is None:
            out = io.BytesIO()
            with wave.open(out, "wb") as w:
                w.setnchannels(self.channels or 1)
                w.setsampwidth(2)
                w.setframerate(int(self.sample_rate or 1))
                w.writeframes(self._samples.tobytes())
            self._bytes, self._samples = out.getvalue(), None
        ref: dict[str, Any] = {"_type": self._type, **encoder.put_bytes(self._bytes),
                               "format": self._format}
        for name in ("sample_rate", "channels", "duration"):
            if getattr(self, name) is not None:
                ref[name] = getattr(self, name)
        if self._caption is not None:
            ref["caption"] = self._caption
        return ref
