"""``cairn import tensorboard LOGDIR``: TensorBoard event files into cairn runs.

Each folder under LOGDIR that holds event files (``events.out.tfevents.*``) is one run,
as TensorBoard shows it; each of its event files is a session of the run, so a run that
went on writing new files imports them on the next import. Events are read with
TensorBoard's protobuf classes (``pip install 'cairn[import-tensorboard]'``); records are
checked by their CRC-32C. Both the summaries most writers still emit (``simple_value``,
``histo``, ``image``) and today's tensor summaries are read.

    scalars       numeric history, at the event's step, stamped with its wall time
    histograms    ``histogram`` values (bins and counts; more than 512 buckets are merged)
    images        ``image-file`` media, the encoded bytes as blobs
    text          strings
    PR curves     wandb's chart of precision against recall, as the mirror logs them
    hparams       the session's hyperparameters become the run's config

Other plugins (audio, graphs, meshes) are counted and left out.

Event files only grow, so each import reads a file from where the last one ended: its
records are numbered by that byte offset (``read_to``), a file of the same size is skipped
without being read, and what a file gained (later steps, earlier ones, hparams) is added
by step. Files imported before this numbering are read once more in whole under it.
"""

from __future__ import annotations

import functools
import hashlib
import math
import mmap
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.importers.base import ImportedRun, ImportTotals, SourceError, run_id_from
from cairn.importers.wandb_log import LogDamage
from cairn.records import RunRef

if TYPE_CHECKING:
    from cairn.backend import Backend
    from cairn.store.progress import SessionProgress

EVENT_FILE = "events.out.tfevents.*"
MAX_BUCKETS = 512
OFFSET_BASE = 2**62
OFFSET_BLOCK = 2**16
"""A part of an event file imported at once is numbered by the byte offset where it ends
(``read_to``); its records take at most ``OFFSET_BLOCK`` numbers."""
_IMAGE_FORMATS = {b"\x89PNG": "png", b"\xff\xd8\xff": "jpg", b"GIF8": "gif"}


@dataclass
class LogRun:
    """One folder of event files: one run."""

    folder: Path
    name: str
    files: list[Path]

    @property
    def run_id(self) -> str:
        """Stable for the folder and its first event file (a folder emptied and reused
        for another experiment becomes another run)."""
        key = f"{self.folder.resolve()}\0{self.files[0].name}"
        return run_id_from("tb-" + hashlib.sha256(key.encode()).hexdigest()[:16])


def find_log_runs(logdir: Path) -> list[LogRun]:
    """Every folder at or under ``logdir`` holding event files, named by its path there."""
    if not logdir.is_dir():
        raise SourceError(f"{logdir}: no such folder (give the LOGDIR that TensorBoard "
                          "was started with)")
    folders: dict[Path, list[Path]] = {}
    for path in sorted(logdir.rglob(EVENT_FILE)):
        if path.is_file():
            folders.setdefault(path.parent, []).append(path)
    if not folders:
        raise SourceError(f"no TensorBoard event files ({EVENT_FILE}) in {logdir} or "
                          "below it")
    runs = []
    for folder, files in folders.items():
        relative = folder.relative_to(logdir).as_posix()
        runs.append(LogRun(folder, logdir.resolve().name if relative == "." else relative,
                           files))
    return runs


@functools.cache
def require_tensorboard() -> None:
    """``SourceError`` naming what to install when tensorboard is missing."""
    try:
        import tensorboard.compat.proto.event_pb2  # noqa: F401
    except ImportError as exc:
        raise SourceError("reading TensorBoard event files needs the tensorboard package; "
                          "install it with pip install 'cairn[import-tensorboard]'") from exc


@functools.cache
def _masked_crc() -> Callable[[bytes], int]:
    """TFRecord's masked CRC-32C, by google-crc32c (C) where installed, else TensorBoard's
    own pure-Python one (correct, many times slower)."""
    try:
        from google_crc32c import value as crc32c
    except ImportError:
        from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

        return masked_crc32c  # type: ignore[no-any-return]

    def masked(data: bytes) -> int:
        crc = int(crc32c(data))
        return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF

    return masked


def tf_records(path: Path, damage: LogDamage) -> Iterator[bytes]:
    """The records of a TFRecord file (``length (8) | masked crc of length (4) | data |
    masked crc of data (4)``, little-endian), each checked; reading stops at the first
    damaged or cut-off record, which ``damage`` notes."""
    for body, _ in tf_records_from(path, damage, 0):
        yield body


def tf_records_from(path: Path, damage: LogDamage, start: int) -> Iterator[tuple[bytes, int]]:
    """The records of a TFRecord file from offset ``start`` on, each with the offset where
    it ends (where reading goes on when the file has grown)."""
    crc = _masked_crc()
    with path.open("rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size <= start:
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            at = start
            while at < size:
                if at + 12 > size:
                    damage.torn = True
                    return
                header = data[at:at + 8]
                if crc(header) != int.from_bytes(data[at + 8:at + 12], "little"):
                    damage.damaged_blocks += 1
                    return
                end = at + 12 + int.from_bytes(header, "little") + 4
                if end > size:
                    damage.torn = True
                    return
                body = data[at + 12:end - 4]
                if crc(body) != int.from_bytes(data[end - 4:end], "little"):
                    damage.damaged_blocks += 1
                    return
                yield body, end
                at = end


def histogram(buckets: Any) -> dict[str, Any] | None:
    """A ``[k, 3]`` array of (left edge, right edge, count) as a cairn histogram."""
    if getattr(buckets, "ndim", 0) != 2 or buckets.shape[0] == 0 or buckets.shape[1] != 3:
        return None
    group = math.ceil(buckets.shape[0] / MAX_BUCKETS)
    lefts = [float(v) for v in buckets[::group, 0]]
    counts = [float(buckets[i:i + group, 2].sum()) for i in range(0, buckets.shape[0], group)]
    values: list[float | int] = [int(c) if c.is_integer() else c for c in counts]
    return {"_type": "histogram", "values": values,
            "bins": [*lefts, float(buckets[-1, 1])]}


def float32(value: float) -> float:
    """A float32 as the shortest decimal that reads back as it (0.1, not
    0.10000000149011612), as TensorBoard shows it."""
    import numpy as np

    return float(str(np.float32(value)))


def histo_buckets(histo: Any) -> Any:
    """A legacy ``HistogramProto`` as ``[k, 3]`` (left edge, right edge, count), as
    TensorBoard's ``data_compat`` turns it: the first bucket starts at ``min``, the last
    ends at ``max``."""
    import numpy as np

    limits = list(histo.bucket_limit)
    if not limits:
        return np.zeros((0, 3))
    lefts = [histo.min, *limits[:-1]]
    rights = [*limits[:-1], histo.max]
    return np.column_stack([lefts, rights, list(histo.bucket)])


def scalar(array: Any) -> float:
    """A scalar tensor's value; a float32 as the shortest decimal that reads back as it
    (0.1, not 0.10000000149011612), as TensorBoard shows it."""
    value = array.item()
    if array.dtype.itemsize == 4 and array.dtype.kind == "f":
        return float(str(array.astype("float32")))
    return float(value)


@dataclass
class _FileState:
    rows: dict[int, tuple[float, dict[str, Any]]] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    first: float = math.inf
    last: float = 0.0
    skipped: Counter[str] = field(default_factory=Counter)

    def put(self, step: int, at: float, key: str, value: Any) -> None:
        row = self.rows.get(step)
        if row is None:
            self.rows[step] = (at, {key: value})
        else:
            row[1][key] = value


class _EventFile:
    """Reads one event file into ``_FileState``."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.state = _FileState()
        self.plugins: dict[str, str] = {}
        self.earlier: Callable[[], dict[str, str]] | None = None
        """The plugins named before the part read (read when a tag's is needed)."""

    def value(self, step: int, at: float, value: Any) -> None:
        """One summary value. The summaries writers still use most (``simple_value``,
        ``histo``, ``image``: tensorboardX, PyTorch) are read as they are, which is many
        times faster than TensorBoard's own conversion to tensors; tensors are read by
        their plugin, which only the first value of a tag names."""
        kind = value.WhichOneof("value")
        tag = value.tag
        if value.metadata.plugin_data.plugin_name == "hparams":  # metadata, maybe no value
            self._hparams(value.metadata.plugin_data.content)
        elif kind == "simple_value":
            self.state.put(step, at, tag, float32(value.simple_value))
        elif kind == "histo":
            self._put(step, at, tag, histogram(histo_buckets(value.histo)))
        elif kind == "image":
            image = value.image
            self.state.put(step, at, tag, self._image(image.encoded_image_string,
                                                      (image.width, image.height)))
        elif kind == "tensor":
            plugin = value.metadata.plugin_data.plugin_name
            if plugin:
                self.plugins[tag] = plugin
            else:
                if tag not in self.plugins and self.earlier is not None:
                    self.plugins = {**self.earlier(), **self.plugins}
                    self.earlier = None
                plugin = self.plugins.get(tag, "")
            self._tensor(step, at, tag, plugin, value)
        else:
            self.state.skipped[kind or "unknown"] += 1

    def _put(self, step: int, at: float, tag: str, value: Any) -> None:
        if value is not None:
            self.state.put(step, at, tag, value)

    def _tensor(self, step: int, at: float, tag: str, plugin: str, value: Any) -> None:
        from tensorboard.util import tensor_util

        if plugin not in ("scalars", "histograms", "images", "text", "pr_curves"):
            self.state.skipped[plugin or "unknown"] += 1
            return
        array = tensor_util.make_ndarray(value.tensor)
        if plugin == "pr_curves":
            self.state.put(step, at, tag, self._pr_curve(array, tag))
        elif plugin == "scalars":
            self.state.put(step, at, tag, scalar(array))
        elif plugin == "histograms":
            self._put(step, at, tag, histogram(array))
        elif plugin == "images":
            images = [self._image(blob, array) for blob in array.reshape(-1)[2:]]
            if images:
                self.state.put(step, at, tag, images[0] if len(images) == 1 else
                               _separated(images))
        else:
            texts = [b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b)
                     for b in array.reshape(-1)]
            self.state.put(step, at, tag.removesuffix("/text_summary"),
                           texts[0] if len(texts) == 1 else texts)

    def _pr_curve(self, data: Any, tag: str) -> dict[str, Any]:
        """As the mirror logs it (wandb's chart of precision against recall), its table
        and spec as blobs."""
        from cairn.integration.tensorboard_summary import pr_curve_chart
        from cairn.sdk.media.base import Encoder

        encoded: dict[str, Any] = pr_curve_chart(data, tag)._for_history(tag)._encode(
            Encoder(lambda: self.backend.blobs))
        return encoded

    def _image(self, data: bytes, size: Any) -> dict[str, Any]:
        """An encoded image as a blob; ``size`` is (width, height), as numbers or as the
        text an image tensor holds."""
        info = self.backend.blobs.put_bytes(bytes(data))
        fmt = next((f for magic, f in _IMAGE_FORMATS.items() if data.startswith(magic)), "png")
        return {"_type": "image-file", "sha256": info.digest, "size": info.size,
                "format": fmt, "width": int(size[0]), "height": int(size[1])}

    def _hparams(self, content: bytes) -> None:
        self.state.config.update(session_hparams(content))


def session_hparams(content: bytes) -> dict[str, Any]:
    """The hyperparameters of an hparams plugin's ``session_start_info`` (none for its
    other messages); whole numbers as ints (hparams store numbers as doubles)."""
    from tensorboard.plugins.hparams import plugin_data_pb2

    data = plugin_data_pb2.HParamsPluginData.FromString(content)
    if data.WhichOneof("data") != "session_start_info":
        return {}
    found: dict[str, Any] = {}
    for name, value in data.session_start_info.hparams.items():
        kind = value.WhichOneof("kind")
        number = None if kind in (None, "null_value") else getattr(value, kind)
        if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
            number = int(number)
        found[name] = number
    return found


def _separated(images: list[dict[str, Any]]) -> dict[str, Any]:
    from cairn.sdk.media.image import separated

    return separated(images)


def _read_file(path: Path, backend: Backend, totals: ImportTotals, start: int,
               size: int) -> tuple[_FileState, int]:
    """The events of ``path`` from byte ``start`` to at most ``size``, and the offset where
    the last whole one ends (a record still being written is read next time)."""
    from google.protobuf.message import DecodeError
    from tensorboard.compat.proto import event_pb2

    reader = _EventFile(backend)
    if start:  # tensor summaries name their plugin only at a tag's first value
        reader.earlier = functools.partial(_plugins_before, path, start)
    state = reader.state
    damage = LogDamage()
    records, end = 0, start
    for raw, at_end in tf_records_from(path, damage, start):
        if at_end > size:  # written since the file was measured: left for next time
            break
        try:
            event = event_pb2.Event.FromString(raw)
        except DecodeError:  # a record whose CRC matched, but that is no Event
            damage.damaged_blocks += 1
            break
        records, end = records + 1, at_end
        at = float(event.wall_time)
        state.first = min(state.first, at)
        state.last = max(state.last, at)
        if event.HasField("summary"):
            for value in event.summary.value:
                reader.value(int(event.step), at, value)
    if records == 0 and start == 0 and (damage.damaged_blocks or damage.torn):
        raise SourceError(f"{path}: not a readable TensorBoard event file (damaged from "
                          "its first record)")
    if damage.damaged_blocks or damage.torn:
        what = "damaged" if damage.damaged_blocks else "cut off"
        totals.warnings.append(f"{path}: {what} after {records} records (at byte {end:,}); "
                               "the events before it were imported")
    return state, end


def _plugins_before(path: Path, end: int) -> dict[str, str]:
    """The plugin each tag names in the first ``end`` bytes of ``path``."""
    from tensorboard.compat.proto import event_pb2

    plugins: dict[str, str] = {}
    for raw, at_end in tf_records_from(path, LogDamage(), 0):
        if at_end > end:
            break
        event = event_pb2.Event.FromString(raw)
        for value in event.summary.value:
            name = value.metadata.plugin_data.plugin_name
            if name:
                plugins.setdefault(value.tag, name)
    return plugins


def _first_wall_time(path: Path) -> float:
    from tensorboard.compat.proto import event_pb2

    for raw, _ in tf_records_from(path, LogDamage(), 0):
        return float(event_pb2.Event.FromString(raw).wall_time)
    return 0.0


def read_to(progress: SessionProgress) -> int:
    """The byte offset up to which earlier imports of a file applied every record: each
    import of a file's new part numbers its records ``OFFSET_BASE + end * OFFSET_BLOCK +
    k`` by the offset ``end`` where that part ends, its last record at ``k = OFFSET_BLOCK -
    1``; a part whose last record is missing (an import stopped half way) is read again
    from where the part before it ended."""
    seq = progress.mark
    while seq >= OFFSET_BASE:
        end = (seq - OFFSET_BASE) // OFFSET_BLOCK
        base = OFFSET_BASE + end * OFFSET_BLOCK
        if progress.holds(base + OFFSET_BLOCK - 1):
            return end
        seq = base - 1
        for first, last in sorted(progress.gaps or [], reverse=True):
            if first <= seq <= last:
                seq = first - 1
    return 0


def import_log_run(log_run: LogRun, backend: Backend, totals: ImportTotals, *,
                   entity: str, project: str) -> None:
    """Import one folder of event files as one run, a session per event file. A file is
    read from where its last import ended (event files only grow): a file that did not
    grow is not read again, and what it gained (later steps, earlier ones, hparams) is
    added by step."""
    ref = RunRef(entity, project, log_run.run_id)
    for path in log_run.files:
        session = f"tensorboard:{path.name}"
        try:
            size = path.stat().st_size
            start = read_to(backend.store.applied_progress(ref, session))
            if start == size and size:
                totals.held.add(ref)
                continue
            if start > size:
                totals.warnings.append(f"{path}: shorter than when it was imported "
                                       f"({size:,} bytes, {start:,} imported); skipped")
                continue
            state, end = _read_file(path, backend, totals, start, size)
        except SourceError as exc:
            totals.failed += 1
            totals.errors.append(str(exc))
            continue
        except Exception as exc:  # a damaged file: protobuf or record errors of any kind
            totals.failed += 1
            totals.errors.append(f"{path}: not a readable TensorBoard event file "
                                 f"({type(exc).__name__}: {exc})")
            continue
        if end == start:  # nothing whole since: no events, or one still being written
            if start == 0:
                totals.warnings.append(f"{path}: holds no events; skipped")
            else:
                totals.held.add(ref)
            continue
        _import_part(log_run, path, state, backend, totals, ref, start, end)


def _import_part(log_run: LogRun, path: Path, state: _FileState, backend: Backend,
                 totals: ImportTotals, ref: RunRef, start: int, end: int) -> None:
    """The records of the part ``[start, end)`` of an event file."""
    base = OFFSET_BASE + end * OFFSET_BLOCK
    run = ImportedRun(backend, ref, f"tensorboard:{path.name}", totals, str(path),
                      numbered_from=base - 1)
    if start == 0:
        run.start(state.first, name=log_run.name, framework="tensorboard")
    else:
        run.resume(_first_wall_time(path))
    config = state.config
    if config and start:  # the config record replaces the run's: keep what it had
        stored = backend.store.get_run(ref)
        config = {**(stored.config if stored is not None else {}), **config}
    if config:
        run.config(config)
    for step in sorted(state.rows):
        at, data = state.rows[step]
        run.row(step, at, data)
    run.number_next(base + OFFSET_BLOCK - 1)  # the part's last record: it is whole
    run.finish(state.last if math.isfinite(state.last) else 0.0, 0, "finished")
    run.close()
    if state.skipped:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(state.skipped.items()))
        totals.warnings.append(f"{path}: left out values cairn does not import ({kinds})")
