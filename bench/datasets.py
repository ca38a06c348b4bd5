"""Big stores for the UI benchmark (W6), written straight into a cairn store and cached on
disk, so that a second ``make bench`` skips building them.

A dataset is a cairn folder (``cairn.db``) with one project of finished runs, written with
``SqliteStore.apply_records`` and the records the client writes (``run``, ``config``,
``history``, ``finish``): the rows are what logging would make, without logging each
step. Values are realistic, as in ``bench/curves.py`` (a decaying, noisy loss; accuracy as
a fraction of a batch; a warm-up + cosine learning rate; step-wise validation metrics ...),
here generated with numpy (10^8 points in pure Python would take minutes), each run with
its own seed, time constant and noise. Every row also has ``_runtime`` and
``_timestamp``, increasing with small jitter, as the client stamps them.

Full-size datasets live in ``bench/results/cache/<name>-v<version>/`` (git-ignored):
``cairn/cairn.db`` and ``dataset.json`` (the spec, the build time and the sizes). A cached
dataset is used only when its spec matches; delete the folder to rebuild it, and bump
``DatasetSpec.version`` when what is written changes (values, records), so that old
caches are not taken for new ones. Quick-size datasets are built in the run's scratch
folder and never cached.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.child import REPO_ROOT

CACHE = REPO_ROOT / "bench" / "results" / "cache"
ENTITY = "bench"

METRIC_KEYS = ("train/loss", "train/acc", "train/lr", "train/grad_norm", "val/loss",
               "val/acc", "perf/samples_per_s", "perf/gpu_mem_gb", "train/weight_norm",
               "epoch")
"""Metric ``i`` follows curve ``i % 10`` (the order of ``bench/curves.py``)."""
_LRS = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2)
_POINTS_PER_APPLY = 4_000_000
"""About this many points go to ``apply_records`` at a time."""


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    project: str
    runs: int
    steps: int
    metrics: int
    version: int = 1

    @property
    def folder(self) -> str:
        return f"{self.name}-v{self.version}"

    @property
    def keys(self) -> list[str]:
        return [METRIC_KEYS[i % 10] if i < 10 else f"{METRIC_KEYS[i % 10]}_{i // 10}"
                for i in range(self.metrics)]

    @property
    def points(self) -> int:
        return self.runs * self.steps * self.metrics

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Dataset:
    spec: DatasetSpec
    root: Path
    """The cairn folder (holds ``cairn.db``)."""
    build_s: float
    cached: bool
    """True when it was built by an earlier run and reused now."""
    info: dict[str, Any]


# ---- values --------------------------------------------------------------------------

def run_config(index: int) -> dict[str, Any]:
    """A sweep-like config: a learning-rate x batch-size grid, optimizer, nested model."""
    return {"lr": _LRS[index % 5], "batch_size": (32, 64, 128, 256)[index // 5 % 4],
            "optimizer": ("adamw", "sgd")[index % 2], "seed": index,
            "model": {"depth": 4 + index % 4 * 2, "width": 256, "dropout": 0.1}}


def run_tags(index: int) -> list[str]:
    return ["baseline"] if index % 10 == 0 else ["sweep", f"lr-{_LRS[index % 5]:g}"]


def curve_columns(steps: int, metrics: int, seed: int) -> list[Any]:
    """``metrics`` float64 numpy columns of ``steps`` values, the shapes of
    ``bench/curves.py`` (float32-derived where PyTorch gives float32), varied per seed."""
    import numpy as np

    rng = np.random.default_rng(seed)
    s = np.arange(steps, dtype=np.float64)
    horizon = max(steps, 1)
    tau = horizon / 5 * rng.uniform(0.6, 1.6)
    floor = 0.05 * rng.uniform(0.5, 2.0)
    peak_lr = 3e-4 * rng.choice([0.3, 1.0, 3.0])
    warmup = max(1, horizon // 20)
    decay = np.exp(-s / tau)

    def f32(values: Any) -> Any:
        return values.astype(np.float32).astype(np.float64)

    def gauss() -> Any:
        return rng.standard_normal(steps)

    evals = (s // 500) * 500
    eval_noise = rng.standard_normal(steps // 500 + 1)[(s // 500).astype(np.int64)]

    def loss() -> Any:
        return f32((2.3 * decay + floor) * (1 + 0.08 * gauss()))

    def accuracy() -> Any:
        p = np.clip(0.98 - 0.88 * decay + 0.02 * gauss(), 0.0, 1.0)
        return np.round(p * 256) / 256

    def learning_rate() -> Any:
        cosine = peak_lr * 0.5 * (1 + np.cos(math.pi * (s - warmup) / max(1, horizon - warmup)))
        return np.where(s < warmup, peak_lr * (s + 1) / warmup, cosine)

    def grad_norm() -> Any:
        return f32((0.5 + 4 * decay) * np.exp(0.3 * gauss()))

    def val_loss() -> Any:
        return f32((2.4 * np.exp(-evals / tau) + 0.08 + floor) * (1 + 0.02 * eval_noise))

    def val_accuracy() -> Any:
        return np.round((0.95 - 0.85 * np.exp(-evals / tau)) * 10_000) / 10_000

    def samples_per_second() -> Any:
        return 1200.0 + 35.0 * gauss()

    def gpu_memory() -> Any:
        walk = np.clip(10.0 + np.cumsum(0.002 * gauss()), 2.0, 79.0)
        return np.round(walk * 1024) / 1024

    def weight_norm() -> Any:
        return f32(40.0 + 12.0 * (1 - decay) + 0.01 * gauss())

    def epoch() -> Any:
        return s / 391

    makers = [loss, accuracy, learning_rate, grad_norm, val_loss, val_accuracy,
              samples_per_second, gpu_memory, weight_norm, epoch]
    return [makers[i % 10]() for i in range(metrics)]


def run_records(spec: DatasetSpec, index: int, start: float) -> list[Any]:
    """The records of one finished run, as its WAL would hold them."""
    import numpy as np

    from cairn.records import Record, RunRef

    rng = np.random.default_rng(1_000_003 + index)
    steps = np.arange(spec.steps, dtype="<i8")
    step_time = rng.uniform(0.05, 0.2)
    runtime = np.cumsum(step_time * rng.uniform(0.9, 1.1, spec.steps))
    num: dict[str, list[Any]] = {
        key: [0, np.ascontiguousarray(col, dtype="<f8").tobytes(), "f"]
        for key, col in zip(spec.keys, curve_columns(spec.steps, spec.metrics, index),
                            strict=True)}
    num["_timestamp"] = [0, np.ascontiguousarray(start + runtime, dtype="<f8").tobytes(), "f"]
    num["_runtime"] = [0, np.ascontiguousarray(runtime, dtype="<f8").tobytes(), "f"]
    end = start + float(runtime[-1]) if spec.steps else start
    ref = RunRef(ENTITY, spec.project, f"r{index:07d}")
    session = uuid.uuid4().hex[:12]
    return [
        Record(ref, session, 1, "run", {
            "name": f"run-{index}", "notes": "", "tags": run_tags(index), "group": None,
            "job_type": "train", "start_time": start, "host": "bench", "pid": 1,
            "mode": "local", "resumed": False, "starting_step": 0, "framework": "",
            "sweep_id": None, "program": "train.py", "python": "3.11", "os": "Linux",
            "at": start}),
        Record(ref, session, 2, "config", {"config": run_config(index)}),
        Record(ref, session, 3, "history", {
            "steps": [steps.tobytes()], "num": num, "obj": {},
            "last_step": spec.steps - 1, "rows": spec.steps, "at": end}),
        Record(ref, session, 4, "finish", {"exit_code": 0, "at": end, "state": "finished"}),
    ]


def build(root: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Write the dataset ``spec`` into a new store at ``root`` (run in a child process)."""
    from cairn.store.sqlite import SqliteStore

    dataset = DatasetSpec(**spec)
    folder = Path(root)
    folder.mkdir(parents=True, exist_ok=True)
    store = SqliteStore(folder / "cairn.db")
    per_apply = max(1, _POINTS_PER_APPLY // max(1, dataset.steps * (dataset.metrics + 2)))
    now = time.time()
    t0 = time.perf_counter()
    try:
        for first in range(0, dataset.runs, per_apply):
            records = []
            for r in range(first, min(dataset.runs, first + per_apply)):
                # Runs started one after another, the newest last (about a day apart each
                # for long runs): the table's default order puts the last ones first.
                start = now - (dataset.runs - r) * max(60.0, dataset.steps * 0.2)
                records += run_records(dataset, r, start)
            store.apply_records(records)
    finally:
        store.close()
    elapsed = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
    return {"build_s": elapsed, "points": dataset.points, "db_bytes": size,
            "points_per_s": dataset.points / elapsed if elapsed else None}


# ---- the cache -----------------------------------------------------------------------

def _cached(spec: DatasetSpec) -> Dataset | None:
    folder = CACHE / spec.folder
    try:
        meta = json.loads((folder / "dataset.json").read_text())
    except (OSError, ValueError):
        return None
    if meta.get("spec") != spec.as_json() or not (folder / "cairn" / "cairn.db").is_file():
        return None
    return Dataset(spec, folder / "cairn", float(meta["build"]["build_s"]), True, meta["build"])


def _remove_abandoned(spec: DatasetSpec) -> None:
    """Half-built folders of ``spec`` left by a run that was stopped (its process gone)."""
    for folder in CACHE.glob(f".{spec.folder}.building-*"):
        try:
            os.kill(int(folder.name.rsplit("-", 1)[1]), 0)
        except (ValueError, ProcessLookupError):
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass  # another user's live process


def ensure(ctx: Any, specs: list[DatasetSpec], *, cache: bool) -> dict[str, Dataset]:
    """Every dataset of ``specs``: from the cache when ``cache`` and built before, else
    built now (up to two at a time, each in its own child process)."""
    out: dict[str, Dataset] = {}
    todo: list[DatasetSpec] = []
    for spec in specs:
        found = _cached(spec) if cache else None
        if found is not None:
            out[spec.name] = found
        else:
            todo.append(spec)

    def make(spec: DatasetSpec) -> Dataset:
        if cache:
            CACHE.mkdir(parents=True, exist_ok=True)
            _remove_abandoned(spec)
            work = CACHE / f".{spec.folder}.building-{os.getpid()}"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
        else:
            work = ctx.store(f"w6-data-{spec.name}")
        info = ctx.child("bench.datasets:build",
                         {"root": str(work / "cairn"), "spec": spec.as_json()},
                         f"w6-build-{spec.name}", store=work)
        (work / "dataset.json").write_text(
            json.dumps({"spec": spec.as_json(), "build": info, "built_at": time.time()},
                       indent=2) + "\n")
        if not cache:
            return Dataset(spec, work / "cairn", info["build_s"], False, info)
        final = CACHE / spec.folder
        shutil.rmtree(final, ignore_errors=True)
        work.rename(final)
        return Dataset(spec, final / "cairn", info["build_s"], False, info)

    # SQLite has one writer a store, but each dataset is its own store: two build at
    # once (the benchmark machine has 2 cores), the largest first.
    todo.sort(key=lambda s: -s.points)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for dataset in pool.map(make, todo):
            out[dataset.spec.name] = dataset
    return out
