"""`import cairn` stays light, and the public surface is what it should be."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

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
        "Error", "FilterError", "Graph", "Histogram", "Html", "Image", "JoinedTable", "Metric",
        "Molecule", "NotFoundError",
        "Object3D", "Plotly", "ResumeError", "Run", "Settings", "SettingsError", "StoreError",
        "Table", "UsageError", "Video", "WalError", "__version__", "alert", "define_metric",
        "finish", "init", "log", "log_artifact", "plot", "plot_table", "plots", "restore",
        "save", "use_artifact", "sweep", "agent", "attach", "box3d", "controller", "join", "login",
        "mark_preempting", "profiler", "require", "teardown", "unwatch", "watch",
    ])
    for name in cairn.__all__:
        assert getattr(cairn, name) is not None


def test_errors_form_one_tree() -> None:
    for name in ("ConfigError", "FilterError", "NotFoundError", "ResumeError",
                 "SettingsError", "StoreError", "UsageError", "WalError"):
        assert issubclass(getattr(cairn, name), cairn.Error)


def _package_imports() -> dict[str, dict[str, set[str]]]:
    """For each first-level part of the package (``sdk``, ``api``, ``store.py`` as
    ``store`` …): the other parts it imports, and where, read from the source (imports
    inside functions and under TYPE_CHECKING count: they are dependencies too)."""
    root = Path(cairn.__file__).parent
    edges: dict[str, dict[str, set[str]]] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] == "ui" or rel == Path("__init__.py"):
            continue  # the package facade is the composition root: it may use every part
        source_part = rel.parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "cairn" and len(parts) > 1 and parts[1] != source_part:
                    edges.setdefault(source_part, {}).setdefault(parts[1], set()).add(
                        str(rel))
    return edges


def _reachable(edges: dict[str, dict[str, set[str]]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        part = todo.pop()
        for target in edges.get(part, {}):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_sdk_and_the_read_api_do_not_import_each_other_in_a_circle() -> None:
    """The read API (``api/``) hands out the SDK's objects, so it sits above the SDK: no
    module of ``sdk/`` may reach ``api/`` through its imports (runs read their store
    through ``sdk/reader.py``, which the package facade fills in)."""
    edges = _package_imports()
    assert "sdk" in _reachable(edges, "api")
    assert "api" not in _reachable(edges, "sdk"), {
        part: sorted(where) for part, where in edges["sdk"].items()}
    direct = sorted(edges.get("sdk", {}).get("api", set()))
    assert direct == []
    for part in ("store", "wal", "sinks", "backend", "limits", "records", "settings",
                 "artifact_names", "notifiers", "errors"):
        assert {"sdk", "api"} & _reachable(edges, part) == set(), part
