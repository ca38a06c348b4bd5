"""The differential suite: the same user scripts under the real wandb and under cairn.

A case is a function written against wandb's API, registered with :func:`case`::

    @case()
    def log_then_summary(wandb, observe, observe_raises):
        run = wandb.init(project="p")
        run.log({"loss": 0.5})
        observe("summary", run.summary)           # any value, compared with its types
        observe_raises("log_finished", lambda: run.finish() or run.log({"a": 1}))

It must be self-contained (imports inside the body): its source is run by ``runner.py``
in subprocesses, once with ``wandb`` the real wandb (offline, in ``.venv-wandb``) and once
with ``import cairn as wandb`` (cairn's venv, numpy 2.x); ``numpy=True`` cases also run
cairn under the wandb venv's numpy 1.26. Each side reports what the user observed (return
values, exceptions with the builtin and tracker base classes they are instances of) and
what every run it started persisted: history rows, summary and config (wandb's from the
``.wandb`` file, cairn's through ``cairn.Api``). :func:`compare` checks that cairn shows
what wandb shows, after :func:`normalize` has removed what differs legitimately (times,
runtimes, wandb's ``_wandb`` keys, media paths and digests).

A case that fails because cairn differs gets ``xfail="issue …: what differs"`` (strict:
it fails when the divergence is gone, so the mark is removed with the fix). ``check=``
adds assertions on the raw results (``check(cairn, wandb)``), e.g. cairn-only facts such as
the stored run state. A deliberate difference (cairn is better, or wandb offline cannot do
it) is recorded with ``differs="why"``: the comparison is then left to ``check``, which
asserts what each side does, and the README lists it.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
REPO = HERE.parents[1]
WANDB_PYTHON = REPO / ".venv-wandb" / "bin" / "python"
SIDES = ("wandb", "cairn", "cairn-np1")
# Keys whose values differ on every run, or name the tracker: dropped everywhere.
VOLATILE = frozenset({"_runtime", "_timestamp", "_wandb", "_cairn"})
# What a stored medium is compared by: its kind and shape, not where or how it is stored.
MEDIA_KEYS = frozenset({"_type", "format", "width", "height", "count", "captions",
                        "caption", "ncols", "nrows", "log_mode", "grouping", "bins",
                        "values", "sample_rates", "durations"})
"""Media keys compared by value (paths, digests and wandb's links to its own artifact
service, ``artifact_path``/``_latest_artifact_path``, are not)."""

Check = Callable[[dict[str, Any], dict[str, Any]], None]


@dataclass(frozen=True)
class Case:
    name: str
    module: str
    source: str
    numpy: bool
    xfail: str | None
    differs: str | None
    check: Check | None


CASES: dict[str, Case] = {}


def case(*, numpy: bool = False, xfail: str | None = None, differs: str | None = None,
         check: Check | None = None) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a case function (see the module docstring)."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        if fn.__name__ in CASES:
            raise ValueError(f"two oracle cases named {fn.__name__}")
        if differs and check is None:
            raise ValueError(f"{fn.__name__}: a deliberate difference needs a check")
        lines = textwrap.dedent(inspect.getsource(fn)).splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("def "))
        CASES[fn.__name__] = Case(fn.__name__, fn.__module__, "\n".join(lines[start:]) + "\n",
                                  numpy, xfail, differs, check)
        return fn

    return register


def cases_in(module: str) -> list[Any]:
    """The cases of a test module as pytest params, xfail-marked where they diverge."""
    params = []
    for c in CASES.values():
        if c.module != module:
            continue
        marks = [pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else []
        params.append(pytest.param(c.name, marks=marks, id=c.name))
    return params


# ---- running ---------------------------------------------------------------------------
def _environment(side: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WANDB_", "CAIRN_", "PYTHON"))}
    env["HOME"] = str(home)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if side == "wandb":
        env.update({
            "WANDB_MODE": "offline", "WANDB_SILENT": "true", "WANDB_DISABLE_GIT": "true",
            "WANDB_DISABLE_CODE": "true", "WANDB_CONSOLE": "off",
            "WANDB_X_DISABLE_STATS": "true", "WANDB_X_DISABLE_MACHINE_INFO": "true",
            "WANDB_X_SAVE_REQUIREMENTS": "false",
            "WANDB_CONFIG_DIR": str(home / "wandb-config"),
            "WANDB_CACHE_DIR": str(home / "wandb-cache"),
            "WANDB_DATA_DIR": str(home / "wandb-data"),
        })
    else:
        env["PYTHONPATH"] = str(REPO / "src")
        env.update({"CAIRN_CONFIG": str(home / "no-settings.toml"), "CAIRN_SILENT": "true",
                    "CAIRN_DISABLE_GIT": "true", "CAIRN_SAVE_REQUIREMENTS": "false"})
    return env


def _run_batch(side: str, cases: list[Case], folder: Path) -> dict[str, Any]:
    """Run ``cases`` in one process of ``side`` (cairn: each in a forked child)."""
    python = sys.executable if side == "cairn" else str(WANDB_PYTHON)
    folder.mkdir(parents=True)
    cases_file, results_file = folder / "cases.json", folder / "results.json"
    cases_file.write_text(json.dumps([{"id": c.name, "name": c.name, "source": c.source}
                                      for c in cases]))
    fork = [] if side == "wandb" else ["--fork"]
    proc = subprocess.run(
        [python, str(HERE / "runner.py"), side.split("-", maxsplit=1)[0], str(cases_file),
         str(results_file), *fork],
        env=_environment(side, folder), cwd=folder, capture_output=True, text=True,
        timeout=600, check=False)
    results: dict[str, Any] = (json.loads(results_file.read_text())
                               if results_file.exists() else {})
    for c in cases:  # a case that took the process down (or never ran)
        results.setdefault(c.name, {"crashed": f"exit {proc.returncode}\n{proc.stderr[-3000:]}"})
    return results


class Results(dict[str, dict[str, Any]]):
    """``{side: {case name: result}}`` (a short repr: pytest prints it with failures)."""

    def __repr__(self) -> str:
        return f"<oracle results of {', '.join(self)}>"


def run_cases(cases: Iterable[Case]) -> Results:
    """Every side's results for ``cases``. wandb runs them all in one process; cairn runs
    each case in a process of its own (forked, see ``runner.py``), split over a few
    processes; all of them at once."""
    cases = list(cases)
    workers = max(2, os.cpu_count() or 2)
    batches: list[tuple[str, list[Case]]] = [("wandb", cases)]
    batches += [("cairn", cases[i::workers]) for i in range(workers)]
    batches += [("cairn-np1", [c for c in cases if c.numpy])]
    results = Results({side: {} for side, _ in batches})
    with tempfile.TemporaryDirectory(prefix="cairn-oracle-") as tmp, \
            ThreadPoolExecutor(len(batches)) as pool:
        futures = [(side, pool.submit(_run_batch, side, todo, Path(tmp) / f"{side}-{n}"))
                   for n, (side, todo) in enumerate(batches) if todo]
        for side, future in futures:
            results[side].update(future.result())
    return results


def wandb_venv_or_skip() -> None:
    if WANDB_PYTHON.exists():
        return
    why = (f"the differential tests need wandb in {WANDB_PYTHON.parent.parent} "
           "(`make oracle` creates it)")
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


# ---- comparing -------------------------------------------------------------------------
def normalize(value: Any) -> Any:
    """``value`` without what differs legitimately between trackers and runs. Integral
    floats become ints: wandb's core re-encodes JSON numbers, so a summary's min of 1.0
    reads back as 1, live and stored. (Numpy and other non-builtin types stay tagged by
    ``runner.plain``, so a numpy float never passes for a float.)"""
    if isinstance(value, dict):
        if "_type" in value:
            value = _media(value)
        return {k: normalize(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, float):
        if math.isnan(value):
            return {"__float__": "nan"}
        if value.is_integer():
            return int(value)
    return value


def _media(value: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in value.items() if k in MEDIA_KEYS}
    if "filenames" in value:
        out["filenames"] = len(value["filenames"])
    return out


def view(result: dict[str, Any], persisted: bool = True) -> dict[str, Any]:
    """What a side's result is compared by."""
    if "crashed" in result:
        return {"crashed": True}
    observed = {name: normalize(_without_detail(value))
                for name, value, compared in result["observed"] if compared}
    out: dict[str, Any] = {"observed": observed}
    if result["error"] is not None:
        out["error"] = result["error"]["raised"]
    if persisted:
        out["persisted"] = [None if p is None else _stored(p) for p in result["persisted"]]
    return out


def _stored(persisted: dict[str, Any]) -> dict[str, Any]:
    out = {k: normalize(persisted.get(k))
           for k in ("history", "summary", "config", "exit_code")}
    # cairn stores the run's state; wandb's offline log has the exit record it implies.
    code = persisted.get("exit_code")
    out["state"] = persisted.get("state") or (
        None if code is None else "finished" if code == 0 else "failed")
    return out


def _without_detail(value: Any) -> Any:
    """An exception is compared by the classes it is an instance of, not its message."""
    if isinstance(value, dict) and "raised" in value and "type" in value:
        return {"raised": value["raised"]}
    return value


def explain(result: dict[str, Any]) -> str:
    if "crashed" in result:
        return f"crashed: {result['crashed']}"
    lines = [f"  {name}: {value}" for name, value, _ in result["observed"]
             if isinstance(value, dict) and "type" in value]
    if result["error"] is not None:
        lines.append(result["error"]["traceback"])
    for p in result["persisted"]:
        if p and "__unreadable__" in p:
            lines.append(p["__unreadable__"])
    return "\n".join(lines)


def differences(got: Any, expected: Any, path: str = "") -> Iterable[str]:
    """One line per place where ``got`` (cairn) and ``expected`` (wandb) differ. An
    exception matches when cairn's is an instance of every class wandb's is: code written
    to catch wandb's still catches it (cairn's ``ConfigError`` is also a ``ValueError``)."""
    if _raised(got) and _raised(expected):
        if not set(expected["raised"]) <= set(got["raised"]):
            yield f"  {path}: cairn raised {got['raised']}; wandb: {expected['raised']}"
        return
    if isinstance(got, dict) and isinstance(expected, dict):
        for key in [*expected, *(k for k in got if k not in expected)]:
            where = f"{path}.{key}" if path else str(key)
            if key not in got:
                yield f"  {where}: missing in cairn; wandb: {expected[key]!r}"
            elif key not in expected:
                yield f"  {where}: cairn: {got[key]!r}; missing in wandb"
            else:
                yield from differences(got[key], expected[key], where)
    elif (isinstance(got, list) and isinstance(expected, list)
          and len(got) == len(expected)):
        for i, (a, b) in enumerate(zip(got, expected, strict=True)):
            yield from differences(a, b, f"{path}[{i}]")
    elif got != expected or type(got) is not type(expected):
        yield f"  {path}: cairn: {got!r}; wandb: {expected!r}"


def _raised(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"raised"}


def compare(name: str, results: Results) -> None:
    """Assert that cairn (and cairn under numpy 1.x) shows what wandb shows for case
    ``name``, then run the case's own ``check``."""
    c = CASES[name]
    expected = results["wandb"][name]
    assert "crashed" not in expected, explain(expected)
    for side in SIDES[1:]:
        if side not in results or name not in results[side]:
            continue
        got = results[side][name]
        assert "crashed" not in got, explain(got)
        if c.differs is None:
            found = list(differences(view(got), view(expected)))
            assert not found, (
                f"{side} differs from wandb:\n" + "\n".join(found)
                + f"\n--- {side}:\n{explain(got)}\n--- wandb:\n{explain(expected)}")
        if c.check is not None:
            c.check(got, expected)
