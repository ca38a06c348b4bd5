"""``cairn import mlflow TRACKING_URI``: MLflow runs into cairn runs.

Runs are read with MLflow's own client (``pip install 'cairn[import-mlflow]'``; the
``mlflow-skinny`` package is enough for file stores, SQL stores also need SQLAlchemy and
Alembic), from any tracking URI it reads: an ``mlruns`` folder, ``sqlite:///mlflow.db``, a
tracking server. Each experiment becomes a project (``--experiment`` picks one), each run
keeps its MLflow id:

    params       config; numbers and booleans written as text come back as numbers and
                 booleans ("0.1" → 0.1, "True" → True) when the text reads back the same
    metrics      history at each point's step, stamped with its timestamp
    tags         ``mlflow.runName`` the name, ``mlflow.note.content`` the notes, the
                 user's tags (not ``mlflow.*``) tags, as ``key`` or ``key:value``
    status       FINISHED, FAILED, KILLED end the run so
    artifacts    run files, under their artifact paths
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.importers.base import ImportedRun, ImportTotals, SourceError, run_id_from
from cairn.records import RunRef

if TYPE_CHECKING:
    from cairn.backend import Backend

_STATES = {"FINISHED": "finished", "FAILED": "failed", "KILLED": "killed"}
_FLOAT = re.compile(r"[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?")
_TRUE_TAG = ("", "true", "True")


def client(tracking_uri: str) -> Any:
    """An ``MlflowClient`` for ``tracking_uri``; ``SourceError`` without mlflow."""
    try:
        from mlflow.tracking import MlflowClient
    except ImportError as exc:
        raise SourceError("reading MLflow runs needs the mlflow package; install it with "
                          "pip install 'cairn[import-mlflow]' (or mlflow-skinny)") from exc
    if "://" not in tracking_uri and not Path(tracking_uri).is_dir():
        raise SourceError(f"{tracking_uri}: no such folder (give an mlruns folder or a "
                          "tracking URI such as sqlite:///mlflow.db)")
    # Reading old runs is what a file store is still for: MLflow refuses to open one
    # unless this is set.
    with _environment(MLFLOW_ALLOW_FILE_STORE="true"):
        mlflow = MlflowClient(tracking_uri=tracking_uri)
        mlflow.search_experiments(max_results=1)  # opens the store: fail here, clearly
    return mlflow


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Environment variables that MLflow reads, set for a while (unless the user set
    them) and restored."""
    added = [key for key in values if key not in os.environ]
    os.environ.update({key: values[key] for key in added})
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


def param_value(text: str) -> Any:
    """A param as the number or boolean it was logged as, when its text reads back the
    same; otherwise the text."""
    if text in ("True", "False"):
        return text == "True"
    if _FLOAT.fullmatch(text):
        try:
            number = int(text)
        except ValueError:
            value = float(text)
            return value if math.isfinite(value) else text
        return number if str(number) == text else text
    return text


def experiments(mlflow: Any, name: str | None) -> list[Any]:
    if name is not None:
        found = mlflow.get_experiment_by_name(name)
        if found is None:
            known = ", ".join(sorted(e.name for e in mlflow.search_experiments())) or "none"
            raise SourceError(f"no MLflow experiment named {name!r} (experiments: {known})")
        return [found]
    return list(mlflow.search_experiments())


def runs_of(mlflow: Any, experiment_id: str) -> Iterator[Any]:
    token = None
    while True:
        page = mlflow.search_runs([experiment_id], max_results=1000, page_token=token,
                                  order_by=["attributes.start_time ASC"])
        yield from page
        token = page.token
        if not token:
            return


def _tags(tags: dict[str, str]) -> list[str]:
    return [key if value in _TRUE_TAG else f"{key}:{value}"
            for key, value in sorted(tags.items()) if not key.startswith("mlflow.")]


def _history(mlflow: Any, run: Any, out: ImportedRun) -> float:
    """Every metric's points as history rows; returns the last timestamp (seconds)."""
    rows: dict[int, tuple[float, dict[str, Any]]] = {}
    last = 0.0
    for key in sorted(run.data.metrics):
        points = sorted(mlflow.get_metric_history(run.info.run_id, key),
                        key=lambda m: (m.step, m.timestamp))
        for metric in points:
            at = metric.timestamp / 1000
            last = max(last, at)
            row = rows.get(metric.step)
            if row is None:
                rows[metric.step] = (at, {key: float(metric.value)})
            else:
                row[1][key] = float(metric.value)
                if at < row[0]:
                    rows[metric.step] = (at, row[1])
    for step in sorted(rows):
        at, data = rows[step]
        out.row(step, at, data)
    # now, not when the run ends: so a run whose artifacts fail makes the same records (and
    # seqs) up to there as one that succeeds, and importing it again completes it
    out.flush_history()
    return last


def _artifacts(mlflow: Any, run_id: str, out: ImportedRun, path: str | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="cairn-import-") as tmp, \
            _environment(MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR="false"):
        for name in _artifact_files(mlflow, run_id, path):
            local = Path(mlflow.download_artifacts(run_id, name, tmp))
            out.put_file(name, local)
            local.unlink()


def _artifact_files(mlflow: Any, run_id: str, path: str | None) -> Iterator[str]:
    for info in mlflow.list_artifacts(run_id, path):
        if info.is_dir:
            yield from _artifact_files(mlflow, run_id, info.path)
        else:
            yield info.path


def import_run(mlflow: Any, run: Any, backend: Backend, totals: ImportTotals, *,
               entity: str, project: str) -> None:
    """Import one MLflow run (a ``mlflow.entities.Run``) into ``backend``."""
    info, data = run.info, run.data
    start = (info.start_time or 0) / 1000
    ref = RunRef(entity, project, run_id_from(info.run_id))
    out = ImportedRun(backend, ref, f"mlflow:{info.run_id}", totals, info.run_id)
    tags = dict(data.tags)
    out.start(start, name=tags.get("mlflow.runName") or info.run_name or info.run_id,
              notes=tags.get("mlflow.note.content"), tags=_tags(tags),
              group=tags.get("mlflow.parentRunId"), framework="mlflow")
    out.config({key: param_value(value) for key, value in sorted(data.params.items())})
    from mlflow.exceptions import MlflowException

    try:
        last = max(start, _history(mlflow, run, out))
        _artifacts(mlflow, info.run_id, out)
    except (MlflowException, OSError) as exc:  # a store or server that fails mid-run
        out.close()  # keeps what was read: importing again goes on from there
        totals.failed += 1
        totals.errors.append(f"MLflow run {info.run_id}: {exc}")
        return
    state = _STATES.get(info.status)
    end = (info.end_time or 0) / 1000 or last
    if state is not None:
        out.finish(end, 1 if state == "failed" else 0, state)
    else:  # still running, or scheduled: the store judges it by its last sign of life
        out.add("heartbeat", {"at": end})
    out.close()
