"""``cairn import tensorboard LOGDIR``: TensorBoard event files into cairn runs.

Each folder under LOGDIR that holds event files (``events.out.tfevents.*``) is one run,
as TensorBoard shows it; each of its event files is a session of the run, so a run that
went on writing new files imports them on the next import. Events are read with
TensorBoard's own loader (``pip install 'cairn[import-tensorboard]'``), which also brings
older summaries (``simple_value``, ``histo``, ``image``) to today's tensor form.

    scalars       numeric history, at the event's step, stamped with its wall time
    histograms    ``histogram`` values (bins and counts; more than 512 buckets are merged)
    images        ``image-file`` media, the encoded bytes as blobs
    text          strings
    hparams       the session's hyperparameters become the run's config

Other plugins (audio, PR curves, graphs, meshes) are counted and left out.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.importers.base import ImportedRun, ImportTotals, SourceError, run_id_from
from cairn.records import RunRef

if TYPE_CHECKING:
    from cairn.backend import Backend

EVENT_FILE = "events.out.tfevents.*"
MAX_BUCKETS = 512
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
def loader() -> Any:
    """TensorBoard's event file loader, counting the records it read (its reader stops
    quietly at the first damaged record; the count tells how far it got)."""
    try:
        from tensorboard import data_compat, dataclass_compat
        from tensorboard.backend.event_processing import event_file_loader
    except ImportError as exc:
        raise SourceError("reading TensorBoard event files needs the tensorboard package; "
                          "install it with pip install 'cairn[import-tensorboard]'") from exc

    class CountingLoader(event_file_loader.EventFileLoader):  # type: ignore[misc]
        records = 0

        def Load(self) -> Iterator[Any]:
            # EventFileLoader.Load, with a count of the records read
            for event in event_file_loader.LegacyEventFileLoader.Load(self):
                self.records += 1
                event = data_compat.migrate_event(event)
                yield from dataclass_compat.migrate_event(event, self._initial_metadata)

    return CountingLoader


def framed_records(path: Path) -> tuple[int, bool]:
    """How many records the file's framing holds (each ``length (8) | crc (4) | data |
    crc (4)``), and whether it ends exactly where the last one does."""
    size = path.stat().st_size
    count = at = 0
    with path.open("rb") as f:
        while at + 12 <= size:
            f.seek(at)
            length = int.from_bytes(f.read(8), "little")
            if at + 16 + length > size:
                return count, False
            at += 16 + length
            count += 1
    return count, at == size


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

    def value(self, step: int, at: float, value: Any) -> None:
        from tensorboard.util import tensor_util

        plugin = value.metadata.plugin_data.plugin_name
        tag = value.tag
        if plugin == "hparams":
            self._hparams(value.metadata.plugin_data.content)
            return
        if not value.HasField("tensor"):
            self.state.skipped[plugin or value.WhichOneof("value") or "unknown"] += 1
            return
        array = tensor_util.make_ndarray(value.tensor)
        if plugin == "scalars":
            self.state.put(step, at, tag, scalar(array))
        elif plugin == "histograms":
            hist = histogram(array)
            if hist is not None:
                self.state.put(step, at, tag, hist)
        elif plugin == "images":
            images = [self._image(blob, array) for blob in array.reshape(-1)[2:]]
            if images:
                self.state.put(step, at, tag, images[0] if len(images) == 1 else
                               _separated(images))
        elif plugin == "text":
            texts = [b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b)
                     for b in array.reshape(-1)]
            self.state.put(step, at, tag.removesuffix("/text_summary"),
                           texts[0] if len(texts) == 1 else texts)
        else:
            self.state.skipped[plugin or "unknown"] += 1

    def _image(self, data: bytes, array: Any) -> dict[str, Any]:
        info = self.backend.blobs.put_bytes(bytes(data))
        fmt = next((f for magic, f in _IMAGE_FORMATS.items() if data.startswith(magic)), "png")
        return {"_type": "image-file", "sha256": info.digest, "size": info.size,
                "format": fmt, "width": int(array[0]), "height": int(array[1])}

    def _hparams(self, content: bytes) -> None:
        from tensorboard.plugins.hparams import plugin_data_pb2

        data = plugin_data_pb2.HParamsPluginData.FromString(content)
        if data.WhichOneof("data") != "session_start_info":
            return
        for name, value in data.session_start_info.hparams.items():
            kind = value.WhichOneof("kind")
            self.state.config[name] = None if kind in (None, "null_value") else \
                getattr(value, kind)
        for name, number in self.state.config.items():
            if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
                self.state.config[name] = number  # hparams store every number as a double


def _separated(images: list[dict[str, Any]]) -> dict[str, Any]:
    from cairn.sdk.media.image import separated

    return separated(images)


def _read_file(path: Path, backend: Backend, totals: ImportTotals) -> _FileState:
    reader = _EventFile(backend)
    state = reader.state
    loader_ = loader()(str(path))
    for event in loader_.Load():
        at = float(event.wall_time)
        state.first = min(state.first, at)
        state.last = max(state.last, at)
        if event.HasField("summary"):
            for value in event.summary.value:
                reader.value(int(event.step), at, value)
    framed, clean = framed_records(path)
    if loader_.records == 0 and (framed or not clean):
        raise SourceError(f"{path}: not a readable TensorBoard event file (damaged from "
                          "its first record)")
    if loader_.records < framed or not clean:
        totals.warnings.append(f"{path}: damaged or cut off after {loader_.records} "
                               "records; the events before it were imported")
    return state


def import_log_run(log_run: LogRun, backend: Backend, totals: ImportTotals, *,
                   entity: str, project: str) -> None:
    """Import one folder of event files as one run, a session per event file."""
    ref = RunRef(entity, project, log_run.run_id)
    for path in log_run.files:
        try:
            state = _read_file(path, backend, totals)
        except SourceError as exc:
            totals.failed += 1
            totals.errors.append(str(exc))
            continue
        except Exception as exc:  # a damaged file: protobuf or record errors of any kind
            totals.failed += 1
            totals.errors.append(f"{path}: not a readable TensorBoard event file "
                                 f"({type(exc).__name__}: {exc})")
            continue
        if not math.isfinite(state.first):
            totals.warnings.append(f"{path}: holds no events; skipped")
            continue
        run = ImportedRun(backend, ref, f"tensorboard:{path.name}", totals, str(path))
        run.start(state.first, name=log_run.name, framework="tensorboard")
        if state.config:
            run.config(state.config)
        for step in sorted(state.rows):
            at, data = state.rows[step]
            run.row(step, at, data)
        run.finish(state.last, 0, "finished")
        run.close()
        if state.skipped:
            kinds = ", ".join(f"{n} {k}" for k, n in sorted(state.skipped.items()))
            totals.warnings.append(f"{path}: left out values cairn does not import "
                                   f"({kinds})")
