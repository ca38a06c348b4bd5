"""``cairn import wandb``: wandb run folders (``wandb/run-*/run-*.wandb``, offline or
synced) into cairn runs.

A run folder's ``.wandb`` log (``importers/wandb_log.py``) holds protobuf records, read
with the classes of an installed wandb package (``pip install 'cairn[import-wandb]'``):
the run's name, notes, tags, group and job type, its config, history rows (steps and
timestamps), summary, metric definitions, environment, console output, system metrics and
exit. Media in history and summary name files under the folder's ``files/``; they become
blobs, and every file there becomes a run file. The run keeps its wandb id; the folder is
its session, so a resumed run's folders become the sessions of one run.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.importers.base import ImportedRun, ImportTotals, SourceError, run_id_from
from cairn.importers.wandb_log import LogDamage, NotAWandbLog, read_records
from cairn.records import RunRef

if TYPE_CHECKING:
    from cairn.backend import Backend

_SUMMARY_CHOICES = ("min", "max", "mean", "best", "last", "first", "none", "copy")
_GOALS = {1: "minimize", 2: "maximize"}
_DROPPED_PATHS = ("path", "sha256", "size", "artifact_path", "_latest_artifact_path")


def protobuf_module() -> Any:
    """wandb's ``wandb_internal_pb2``; ``SourceError`` when the real wandb is not installed
    (a compatibility package named ``wandb`` has no protobuf classes)."""
    try:
        spec = importlib.util.find_spec("wandb")
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not any((Path(p) / "proto" / "wandb_internal_pb2.py").exists() for p in locations):
        found = "only a package named wandb without wandb's protobuf classes (cairn's " \
            "compatibility package?)" if spec else "no wandb package"
        raise SourceError(f"reading wandb runs needs the real wandb package, and this "
                          f"Python has {found}; install it with "
                          "pip install 'cairn[import-wandb]' (or pip install wandb)")
    from wandb.proto import wandb_internal_pb2

    return wandb_internal_pb2


def find_run_logs(paths: list[Path]) -> list[Path]:
    """The ``.wandb`` logs that ``paths`` name: a log file, a run folder, or a ``wandb/``
    folder (or one holding it) with many run folders; each once, in path order."""
    found: dict[Path, Path] = {}
    for path in paths:
        if path.is_file():
            logs = [path]
        elif path.is_dir():
            # by real path: wandb/latest-run is a link to one of the run folders
            logs = sorted({p.resolve() for p in (*path.glob("*.wandb"),
                                                 *path.glob("*/run-*.wandb"),
                                                 *path.glob("wandb/*/run-*.wandb"))})
            if not logs:
                raise SourceError(f"no wandb run logs (run-<id>.wandb) in {path} or its "
                                  "run folders; give a wandb run folder or a wandb/ folder")
        else:
            raise SourceError(f"{path}: no such file or folder")
        for log in logs:
            real = log.resolve()
            found.setdefault(real, real)
    return list(found.values())


def _path_of(item: Any) -> list[str]:
    return list(item.nested_key) if item.nested_key else [item.key]


def _set(tree: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        child = tree.get(part)
        if not isinstance(child, dict):
            child = tree[part] = {}
        tree = child
    tree[path[-1]] = value


def _remove(tree: dict[str, Any], path: list[str]) -> None:
    for part in path[:-1]:
        child = tree.get(part)
        if not isinstance(child, dict):
            return
        tree = child
    tree.pop(path[-1], None)


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text  # not JSON: keep the text rather than lose the value


def flat(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts as dotted keys, as cairn logs them; a medium (a dict with ``_type``)
    stays whole."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value and "_type" not in value:
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _tree(items: Any) -> dict[str, Any]:
    """The items of a history or summary record as a tree (one JSON parse for all)."""
    texts = [item.value_json for item in items]
    try:
        values = json.loads(f"[{','.join(texts)}]")
    except ValueError:
        values = [_loads(text) for text in texts]
    if len(values) != len(texts):  # a value_json that held several values: parse apart
        values = [_loads(text) for text in texts]
    tree: dict[str, Any] = {}
    for item, value in zip(items, values, strict=True):
        _set(tree, _path_of(item), value)
    return tree


_REMOVED = object()


class _Summary:
    """The run's summary as its records leave it. Records repeat every logged value, so
    values stay JSON text, in the order last set, until the end."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, ...], Any] = {}

    def update(self, record: Any) -> None:
        items = self._items
        for item in record.update:
            path = tuple(item.nested_key) or (item.key,)
            items.pop(path, None)
            items[path] = item.value_json
        for item in record.remove:
            path = tuple(item.nested_key) or (item.key,)
            items.pop(path, None)
            items[path] = _REMOVED

    def tree(self) -> dict[str, Any]:
        tree: dict[str, Any] = {}
        for path, text in self._items.items():
            if text is _REMOVED:
                _remove(tree, list(path))
            else:
                _set(tree, list(path), _loads(text))
        return tree


class _Media:
    """Turns wandb's media values (which name files under ``files/``) into cairn's typed
    references to blobs, storing each file once."""

    def __init__(self, run: ImportedRun, files: Path) -> None:
        self.run = run
        self.files = files
        self._stored: dict[str, tuple[str, int]] = {}
        self.missing: list[str] = []

    def blob(self, name: str) -> tuple[str, int] | None:
        known = self._stored.get(name)
        if known is not None:
            return known
        path = self.files / name
        if ".." in Path(name).parts or not path.is_file():
            self.missing.append(name)
            return None
        info = self.run.backend.blobs.put_file(path)
        self._stored[name] = (info.digest, info.size)
        return self._stored[name]

    def convert(self, value: Any) -> Any:
        if not isinstance(value, dict) or "_type" not in value:
            return value
        if value["_type"] == "images/separated" and isinstance(value.get("filenames"), list):
            return self._separated(value)
        name = value.get("path")
        if not isinstance(name, str):
            return value
        stored = self.blob(name)
        if stored is None:
            return value
        ref = {k: v for k, v in value.items() if k not in _DROPPED_PATHS}
        ref["sha256"], ref["size"] = stored
        ref.setdefault("format", Path(name).suffix.lstrip(".").lower())
        return ref

    def _separated(self, value: dict[str, Any]) -> dict[str, Any]:
        from cairn.sdk.media.image import image_path

        captions = value.get("captions")
        images: list[dict[str, Any]] = []
        for i, name in enumerate(value["filenames"]):
            stored = self.blob(str(name))
            if stored is None:
                return value
            ref: dict[str, Any] = {"_type": "image-file", "sha256": stored[0],
                                   "size": stored[1],
                                   "format": Path(str(name)).suffix.lstrip(".").lower(),
                                   "width": value.get("width"), "height": value.get("height")}
            if isinstance(captions, list) and i < len(captions) and captions[i] is not None:
                ref["caption"] = captions[i]
            images.append(ref)
        group = {k: v for k, v in value.items() if k != "filenames"}
        group["filenames"] = [image_path(ref) for ref in images]
        group["images"] = images
        return group


def environment(record: Any) -> dict[str, Any]:
    """What cairn's environment snapshot holds (``sdk/snapshot.py``), from a wandb
    ``EnvironmentRecord``; who ran it (email, user name) is left out."""
    env: dict[str, Any] = {}
    for key in ("host", "os", "executable", "program"):
        if getattr(record, key):
            env[key] = getattr(record, key)
    if record.python:  # "CPython 3.11.7"
        implementation, _, version = record.python.rpartition(" ")
        env["python"] = version
        if implementation:
            env["python_implementation"] = implementation
    if record.args:
        env["args"] = list(record.args)
    if record.root:
        env["cwd"] = record.root
    if record.cpu_count_logical or record.cpu_count:
        env["cpu_count"] = record.cpu_count_logical or record.cpu_count
    if record.cpu_count:
        env["cpu_count_physical"] = record.cpu_count
    if record.memory.total:
        env["memory_total"] = int(record.memory.total)
    if record.started_at.seconds:
        env["started_at"] = record.started_at.seconds + record.started_at.nanos / 1e9
    if record.gpu_count:
        env["gpu_count"] = record.gpu_count
        env["gpu"] = record.gpu_type
    if record.git.commit or record.git.remote_url:
        env["git"] = {"commit": record.git.commit or None,
                      "remote": record.git.remote_url or None}
    return env


class _RunLog:
    """The state of reading one ``.wandb`` log into an ``ImportedRun``."""

    def __init__(self, pb: Any, log: Path, backend: Backend, totals: ImportTotals,
                 entity: str, project: str | None) -> None:
        self.pb = pb
        self.log = log
        self.backend = backend
        self.totals = totals
        self.entity = entity
        self.project = project
        self.run: ImportedRun | None = None
        self.media: _Media | None = None
        self.config: dict[str, Any] = {}
        self.summary = _Summary()
        self.start = 0.0
        self.last_at = 0.0
        self.next_step = 0
        self.exit: Any = None
        self.environment: dict[str, Any] = {}

    def _begin(self, proto: Any) -> ImportedRun:
        start = proto.start_time.seconds + proto.start_time.nanos / 1e9
        self.start = start or self.log.stat().st_mtime
        self.last_at = self.start
        ref = RunRef(self.entity, self.project or proto.project or "uncategorized",
                     run_id_from(proto.run_id or self.log.stem.removeprefix("run-")))
        run = ImportedRun(self.backend, ref, f"wandb:{self.log.parent.name}", self.totals,
                          str(self.log))
        run.start(self.start, name=proto.display_name or ref.run_id, notes=proto.notes,
                  tags=list(proto.tags), group=proto.run_group or None,
                  job_type=proto.job_type or None, host=proto.host or None,
                  framework="wandb")
        self.media = _Media(run, self.log.parent / "files")
        self._config(proto.config)
        self.summary.update(proto.summary)
        return run

    def _config(self, record: Any) -> None:
        for item in record.update:
            _set(self.config, _path_of(item), _loads(item.value_json))
        for item in record.remove:
            _remove(self.config, _path_of(item))

    def _history(self, record: Any) -> None:
        assert self.run is not None
        assert self.media is not None
        row = flat(_tree(record.item))
        step = row.pop("_step", None)
        if record.HasField("step"):
            step = record.step.num
        if not isinstance(step, int) or isinstance(step, bool):
            step = self.next_step
        at = row.pop("_timestamp", None)
        if isinstance(at, int | float) and math.isfinite(at):
            self.last_at = float(at)
        row.pop("_runtime", None)
        self.next_step = step + 1
        self.run.row(step, self.last_at, {k: self.media.convert(v) for k, v in row.items()})

    def _output(self, record: Any) -> None:
        assert self.run is not None
        stream = "stderr" if record.output_type == 0 else "stdout"
        at = record.timestamp.seconds + record.timestamp.nanos / 1e9 or self.last_at
        lines = [[at, stream, text] for text in record.line.splitlines() if text.strip()]
        self.run.console(lines)

    def _stats(self, record: Any) -> None:
        assert self.run is not None
        at = record.timestamp.seconds + record.timestamp.nanos / 1e9 or self.last_at
        values = {}
        for item in record.item:
            value = _loads(item.value_json)
            if isinstance(value, int | float) and not isinstance(value, bool):
                values[f"system/{item.key}"] = float(value)
        if values:
            self.run.add("system", {"at": at, "values": values})

    def _metric(self, record: Any) -> None:
        """A ``define_metric``: how the metric is summarised and which step it is
        plotted against."""
        assert self.run is not None
        name = record.name or record.glob_name
        if not name or record.expanded_from_glob:
            return
        self.run.add("metric", {
            "name": name, "step_metric": record.step_metric or None,
            "step_sync": bool(record.options.step_sync), "hidden": bool(record.options.hidden),
            "summary": [c for c in _SUMMARY_CHOICES if getattr(record.summary, c)],
            "goal": _GOALS.get(record.goal)})

    def read(self) -> ImportedRun | None:
        damage = LogDamage()
        for raw in read_records(self.log, damage):
            record = self.pb.Record()
            try:
                record.ParseFromString(raw)
            except Exception:  # protobuf's DecodeError: a damaged record, counted
                damage.damaged_blocks += 1
                continue
            self._record(record.WhichOneof("record_type"), record)
        if damage.damaged_blocks:
            self.totals.warnings.append(
                f"{self.log}: skipped {damage.damaged_blocks} damaged part(s) of the log; "
                "the records around them were imported")
        if damage.torn:
            self.totals.warnings.append(
                f"{self.log}: the log ends in a cut-off record (a run still writing, or "
                "killed); the records before it were imported")
        if self.run is not None:
            self._end()
        return self.run

    def _record(self, kind: str | None, record: Any) -> None:
        if kind == "run":
            if self.run is None:
                self.run = self._begin(record.run)
            return
        if self.run is None:
            return  # the header and telemetry come before the run
        if kind == "history":
            self._history(record.history)
        elif kind == "config":
            self._config(record.config)
        elif kind == "summary":
            self.summary.update(record.summary)
        elif kind == "output_raw":
            self._output(record.output_raw)
        elif kind == "stats":
            self._stats(record.stats)
        elif kind == "metric":
            self._metric(record.metric)
        elif kind == "environment":
            self.environment.update(environment(record.environment))
        elif kind == "exit":
            self.exit = record.exit

    def _summary_overrides(self) -> dict[str, Any]:
        """wandb's final summary values that differ from what the store computes from the
        imported history and metric definitions (values set by hand, or deleted)."""
        run, media = self.run, self.media
        assert run is not None
        assert media is not None
        run.flush()
        stored = self.backend.store.get_run(run.ref)
        computed = flat(stored.summary) if stored is not None else {}
        wanted = {k: media.convert(v) for k, v in flat(self.summary.tree()).items()
                  if not k.startswith("_")}
        return {k: v for k, v in wanted.items() if computed.get(k, _MISSING) != v}

    def _end(self) -> None:
        run, media = self.run, self.media
        assert run is not None
        assert media is not None
        run.tail()  # numbered by the rows read: a log that grows is imported again
        self.config.pop("_wandb", None)
        run.config(self.config)
        if self.environment:
            run.add("environment", self.environment)
        run.summary(self._summary_overrides())
        files = media.files
        if files.is_dir():
            for path in sorted(p for p in files.rglob("*") if p.is_file()):
                run.put_file(path.relative_to(files).as_posix(), path)
        if media.missing:
            self.totals.warnings.append(
                f"{self.log}: {len(media.missing)} media file(s) named in the log are not "
                f"in {files} (first: {media.missing[0]}); those values were kept as wandb "
                "wrote them")
        if self.exit is not None:
            code = int(self.exit.exit_code)
            at = self.start + self.exit.runtime if self.exit.runtime else self.last_at
            run.finish(max(at, self.last_at), code, "failed" if code else "finished")
        else:
            run.add("heartbeat", {"at": self.last_at})
            self.totals.warnings.append(
                f"{self.log}: the run has no exit record (still running, or killed); it "
                "was imported as it is now (importing it again adds what it logs later)")
        run.close()


_MISSING = object()


def import_wandb_log(log: Path, backend: Backend, totals: ImportTotals, *, entity: str,
                     project: str | None = None, pb: Any = None) -> None:
    """Import one ``.wandb`` log into ``backend``; a log that cannot be read is counted in
    ``totals`` (failed, with its error) and what was read before the damage is kept."""
    try:
        run = _RunLog(pb or protobuf_module(), log, backend, totals, entity, project).read()
        if run is None:
            raise SourceError(f"{log} holds no run record (an empty or foreign log)")
    except (SourceError, NotAWandbLog) as exc:
        totals.failed += 1
        totals.errors.append(str(exc))
    except OSError as exc:
        totals.failed += 1
        totals.errors.append(f"{log}: {exc.strerror or exc}")
