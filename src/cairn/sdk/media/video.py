"""``cairn.Video``: frames from arrays (gif with Pillow; mp4/webm with imageio-ffmpeg) or
video files."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from cairn.sdk.media.base import Encoder, Media, check_caption, check_size, read_source

VIDEO_FORMATS = frozenset({"gif", "mp4", "webm", "ogg"})
_MAX_FRAMES = 100_000


class Video(Media):
    """wandb's ``Video(data_or_path, caption=None, fps=None, format=None)``.

    Arrays are time x channels x height x width, or batch x time x … (the batch is tiled
    into a grid), uint8 or floats in [0, 1]. Encoded in the writer thread: gif with Pillow;
    mp4 and webm need ``pip install 'cairn[video]'`` (imageio-ffmpeg, which ships ffmpeg).
    """

    _type = "video-file"

    def __init__(self, data_or_path: Any, caption: str | None = None, fps: int | None = None,
                 format: str | None = None) -> None:
        self._caption = check_caption(caption, "Video")
        self._bytes: bytes | None = None
        self._frames: Any = None
        self.width: int | None = None
        self.height: int | None = None
        if isinstance(data_or_path, str) or hasattr(data_or_path, "__fspath__") or \
                hasattr(data_or_path, "read"):
            self._bytes, self._format = read_source(data_or_path, "Video", VIDEO_FORMATS)
            self._held = len(self._bytes)
            self.fps = fps
            return
        fmt = (format or "gif").lower()
        if fmt not in VIDEO_FORMATS - {"ogg"}:
            raise ValueError(f"Video: unsupported format {format!r}; use gif, mp4 or webm")
        if fps is not None and (isinstance(fps, bool) or not isinstance(fps, int | float)
                                or not 0 < fps <= 1000):
            raise ValueError(f"Video: fps must be a number from 1 to 1000; got {fps!r}")
        self._format = fmt
        self.fps = fps or 4
        self._frames = _frames(data_or_path)
        self.height, self.width = (int(n) for n in self._frames.shape[1:3])
        self._held = int(self._frames.nbytes)
        if fmt != "gif":
            _ffmpeg()  # fail now, not in the writer thread

    def _encode(self, encoder: Encoder) -> dict[str, Any]:
        if self._bytes is None:
            self._bytes = _encode_frames(self._frames, self._format, float(self.fps or 4))
            self._frames = None
            check_size(len(self._bytes), "Video")
        ref: dict[str, Any] = {"_type": self._type, **encoder.put_bytes(self._bytes),
                               "format": self._format}
        for name in ("width", "height", "fps"):
            if getattr(self, name) is not None:
                ref[name] = getattr(self, name)
        if self._caption is not None:
            ref["caption"] = self._caption
        return ref


def _frames(data: Any) -> Any:
    """time x height x width x 3 uint8 frames (a batch tiled into a grid)."""
    import numpy as np

    from cairn.sdk.media.arrays import as_array, to_uint8

    array = as_array(data, "Video")
    if array.ndim == 4:
        array = array[np.newaxis]
    if array.ndim != 5:
        raise ValueError(f"Video: expected time x channels x height x width (or batch x …); "
                         f"got shape {tuple(array.shape)}")
    b, t, c, h, w = array.shape
    if c not in (1, 3, 4):
        raise ValueError(f"Video: frames need 1, 3 or 4 channels; got {c} (shape "
                         f"{tuple(array.shape)}: is it time x channels x height x width?)")
    if t > _MAX_FRAMES:
        raise ValueError(f"Video: {t} frames; the most is {_MAX_FRAMES}")
    cols = int(np.ceil(np.sqrt(b)))
    rows = int(np.ceil(b / cols))
    if rows * cols > b:
        array = np.concatenate([array, np.zeros((rows * cols - b, t, c, h, w), array.dtype)])
    grid = array.reshape(rows, cols, t, c, h, w).transpose(2, 0, 4, 1, 5, 3)
    grid = grid.reshape(t, rows * h, cols * w, c)
    frames = to_uint8(grid)
    if c == 1:
        frames = np.repeat(frames, 3, axis=3)
    return np.ascontiguousarray(frames[..., :3])


def _ffmpeg() -> Any:
    try:
        import imageio_ffmpeg
    except ImportError as exc:
        raise ValueError("Video: mp4 and webm need imageio-ffmpeg: pip install "
                         "'cairn[video]' (or log format='gif')") from exc
    return imageio_ffmpeg


def _encode_frames(frames: Any, fmt: str, fps: float) -> bytes:
    if fmt == "gif":
        from cairn.sdk.media.image import pil

        images = [pil().fromarray(f) for f in frames]
        gif = io.BytesIO()
        images[0].save(gif, format="GIF", save_all=True, append_images=images[1:],
                       duration=max(1, round(1000 / fps)), loop=0)
        return gif.getvalue()
    import numpy as np

    # yuv420p (what browsers play) needs even sides: pad with black instead of letting
    # ffmpeg rescale the frames.
    h, w = frames.shape[1:3]
    if h % 2 or w % 2:
        frames = np.pad(frames, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)))
    codec = "libx264" if fmt == "mp4" else "libvpx-vp9"
    with tempfile.TemporaryDirectory(prefix="cairn-video-") as tmp:
        out = Path(tmp) / f"video.{fmt}"
        writer = _ffmpeg().write_frames(
            str(out), (frames.shape[2], frames.shape[1]), fps=fps, codec=codec,
            pix_fmt_out="yuv420p", macro_block_size=1, ffmpeg_log_level="error")
        writer.send(None)  # start ffmpeg
        try:
            for frame in frames:
                writer.send(np.ascontiguousarray(frame))
        finally:
            writer.close()
        return out.read_bytes()
