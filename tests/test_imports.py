"""`import cairn` stays light, and the public surface is what it should be."""

from __future__ import annotations

import json
import subprocess
import sys

import cairn

HEAVY = ("numpy", "pandas", "pyarrow", "click", "sqlite3", "cairn.store", "cairn.api",
         "cairn.cli", "uvicorn", "boto3", "psycopg")


def test_import_loads_nothing_heavy() -> None:
    code = "import sys, json, cairn; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    loaded = json.loads(out)
    heavy = [m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(HEAVY)]
    assert heavy == []


def test_public_names() -> None:
    assert sorted(cairn.__all__) == sorted([
        "AlertLevel", "Api", "Artifact", "Audio", "CairnWarning", "Classes", "ConfigError",
        "Error", "FilterError", "Histogram", "Html", "Image", "Metric", "NotFoundError",
        "Object3D", "Plotly", "ResumeError", "Run", "Settings", "SettingsError", "StoreError",
        "Table", "UsageError", "Video", "WalError", "__version__", "alert", "define_metric",
        "finish", "init", "log", "log_artifact", "plot", "plot_table", "plots", "restore",
        "save", "use_artifact", "sweep", "agent",
    ])
    for name in cairn.__all__:
        assert getattr(cairn, name) is not None


def test_errors_form_one_tree() -> None:
    for name in ("ConfigError", "FilterError", "NotFoundError", "ResumeError",
                 "SettingsError", "StoreError", "UsageError", "WalError"):
        assert issubclass(getattr(cairn, name), cairn.Error)
