"""Running one measurement in a fresh interpreter, with its own temporary store folder.

    result = run_child("bench.w2_log_latency:measure", {"tracker": "cairn", ...},
                       store=tmp_dir)

The child calls the function with the keyword arguments and writes its (JSON-able) return
value to a result file, so whatever the tracker prints on stdout does not matter. It runs
with ``-P`` and imports ``bench`` from the repository without leaving the repository on
``sys.path``: a ``cairn/`` data folder there (or in the working directory) must never be
mistaken for the package. The environment is
cleaned of ``CAIRN_*``, ``WANDB_*`` and ``TRACKIO_*`` settings, and points the measured
tracker at ``store`` and away from the network.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
_CLEARED_PREFIXES = ("CAIRN_", "WANDB_", "TRACKIO_", "MLFLOW_")


class ChildFailed(RuntimeError):
    """A measurement subprocess exited non-zero (its stderr tail is in the message)."""


def child_env(store: Path, tracker: str = "cairn") -> dict[str, str]:
    """The environment of a measurement: ``tracker`` logs under ``store``, offline.

    Only that tracker's variables are set: cairn reads ``WANDB_*`` too (``WANDB_MODE`` and
    ``WANDB_DIR`` would change where and how it logs).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(_CLEARED_PREFIXES)}
    env.update(_TRACKER_ENV[tracker](store))
    return env


_TRACKER_ENV = {
    "cairn": lambda store: {
        "CAIRN_DIR": str(store / "cairn"),
        "CAIRN_CONFIG": str(store / "no-cairn-settings.toml"),
        "CAIRN_SILENT": "true",
    },
    "wandb": lambda store: {
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(store),
        "WANDB_CONFIG_DIR": str(store / "wandb-config"),
        "WANDB_CACHE_DIR": str(store / "wandb-cache"),
        "WANDB_DATA_DIR": str(store / "wandb-data"),
        "WANDB_DISABLE_CODE": "true",
        "WANDB_DISABLE_GIT": "true",
    },
    "trackio": lambda store: {
        "TRACKIO_DIR": str(store / "trackio"),
        "HF_HOME": str(store / "hf"),
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "DO_NOT_TRACK": "1",
    },
    "mlflow": lambda store: {
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        "MLFLOW_TRACKING_DIR": str(store / "mlruns"),
    },
}


_BOOTSTRAP = (
    f"import sys; sys.path.insert(0, {str(REPO_ROOT)!r}); import bench.child; "
    "sys.path.pop(0); sys.exit(bench.child.main(sys.argv[1:]))"
)


def run_child(target: str, kwargs: dict[str, Any], store: Path, *, tracker: str = "cairn",
              python: str | None = None, timeout: float = 600,
              extra_env: dict[str, str] | None = None) -> Any:
    """Call ``module:function(**kwargs)`` in a new interpreter and return its result
    (``extra_env``: set on top of the measurement's environment)."""
    store.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cairn-bench-result-") as tmp:
        result = Path(tmp) / "result.json"
        cmd = [python or sys.executable, "-P", "-c", _BOOTSTRAP, target, json.dumps(kwargs),
               str(result)]
        try:
            proc = subprocess.run(cmd, env={**child_env(store, tracker), **(extra_env or {})},
                                  cwd=store,
                                  capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ChildFailed(f"{target} took longer than {timeout:.0f} s") from exc
        if proc.returncode != 0 or not result.exists():
            tail = (proc.stderr or proc.stdout or "").strip()[-3000:]
            raise ChildFailed(f"{target} exited with {proc.returncode}:\n{tail}")
        return json.loads(result.read_text())


def main(argv: list[str]) -> int:
    target, args, result_path = argv
    module_name, _, function = target.partition(":")
    func = getattr(importlib.import_module(module_name), function)
    result = func(**json.loads(args))
    Path(result_path).write_text(json.dumps(result))
    return 0
