"""What every workload is given: the size preset, a scratch folder that hands out a fresh
store folder per measurement, and the comparison trackers that are installed."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.backends import BenchBackend
from bench.child import REPO_ROOT, run_child
from bench.figures import Figure, WorkloadResult

COMPARISON_VENVS = {"wandb": "bench/.venv-wandb", "trackio": "bench/.venv-trackio"}
EXPECTED_VERSIONS = {"wandb": "0.31", "trackio": "0.43"}


@dataclass
class BenchContext:
    quick: bool
    scratch: Path
    compare: dict[str, str] = field(default_factory=dict)
    """Installed comparison tracker → its interpreter."""
    versions: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    """Comparison tracker → why it is not measured."""
    backend: BenchBackend = field(default_factory=BenchBackend)
    comparing: bool = True
    """False under ``--no-compare``: no other tracker is run (the mlflow workload)."""
    """Where cairn's stores are (``--backend``)."""
    _counter: itertools.count[int] = field(default_factory=itertools.count)
    _store_uris: dict[Path, str] = field(default_factory=dict)

    def store(self, label: str) -> Path:
        """A new, empty folder for one measurement's data (and, on a database backend, a
        new empty store there, which cairn in that folder uses)."""
        path = self.scratch / f"{next(self._counter):03d}-{label}"
        path.mkdir(parents=True)
        uri = self.backend.new_store()
        if uri is not None:
            self._store_uris[path] = uri
        return path

    def store_env(self, store: Path) -> dict[str, str]:
        """What points cairn at the measurement's store (empty: the folder's own)."""
        uri = self._store_uris.get(store)
        return {"CAIRN_STORE": uri} if uri is not None else {}

    def child(self, target: str, kwargs: dict[str, Any], label: str, *,
              tracker: str = "cairn", store: Path | None = None) -> Any:
        """Run ``target`` in a fresh interpreter of ``tracker`` (cairn: this one)."""
        python = sys.executable if tracker == "cairn" else self.compare[tracker]
        folder = store or self.store(label)
        extra = self.store_env(folder) if tracker == "cairn" else {}
        return run_child(target, kwargs, folder, tracker=tracker, python=python,
                         extra_env=extra)


def find_comparisons(enabled: bool) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(tracker → interpreter, tracker → version, tracker → why missing)."""
    found: dict[str, str] = {}
    versions: dict[str, str] = {}
    missing: dict[str, str] = {}
    for tracker, venv in COMPARISON_VENVS.items():
        python = REPO_ROOT / venv / "bin" / "python"
        if not enabled:
            missing[tracker] = "skipped (--no-compare)"
            continue
        if not python.exists():
            missing[tracker] = f"not installed (no {venv}; see bench/README.md)"
            continue
        probe = subprocess.run(
            [str(python), "-c", f"import {tracker}; print({tracker}.__version__)"],
            capture_output=True, text=True, timeout=120, check=False)
        if probe.returncode != 0:
            missing[tracker] = f"not installed ({venv} cannot import {tracker})"
            continue
        found[tracker] = str(python)
        versions[tracker] = probe.stdout.strip()
        if not versions[tracker].startswith(EXPECTED_VERSIONS[tracker]):
            versions[tracker] += f" (expected {EXPECTED_VERSIONS[tracker]})"
    return found, versions, missing


def measure_trackers(ctx: BenchContext, result: WorkloadResult, target: str,
                     args: dict[str, Any], *, reps: int, compare_reps: int,
                     figures: Callable[[list[dict[str, Any]], bool], list[Figure]]) -> None:
    """Run ``target`` for cairn (``reps`` times) and each installed comparison tracker
    (``compare_reps`` times), each in a fresh interpreter and store; add their figures."""
    label = result.name.lower()
    for tracker in ("cairn", *ctx.compare):
        count = reps if tracker == "cairn" else compare_reps
        runs = [ctx.child(target, {"tracker": tracker, **args}, f"{label}-{tracker}",
                          tracker=tracker) for _ in range(count)]
        result.add(tracker, *figures(runs, tracker == "cairn"))
        result.details[tracker] = runs
        result.versions[tracker] = str(runs[0].get("version", "?"))
    result.skipped.update(ctx.missing)
