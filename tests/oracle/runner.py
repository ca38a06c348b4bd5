"""Run differential cases in one process, under wandb or cairn, and write what was seen.

    python runner.py wandb|cairn CASES.json RESULTS.json [--fork]

Runs in the wandb venv (``wandb``; ``cairn`` under numpy 1.x with ``src/`` on
``PYTHONPATH``) or in cairn's own venv (``cairn``), so it imports nothing from the tests
and nothing but the tracker under test. ``CASES.json`` is a list of ``{"id", "name",
"source"}``: each source defines a function ``name(wandb, observe, observe_raises)``,
called with the tracker module as ``wandb``. Each case runs in its own temp folder (the
working directory, ``WANDB_DIR`` and ``CAIRN_DIR``); the runs it starts are recorded by
wrapping ``init``, finished if the case left them open, then read back from what they
persisted: the ``.wandb`` file (``read_wandb.py``) or the cairn store through ``Api``.
With ``--fork`` each case runs in a child forked from this process before it started any
run (cairn: a run that is not its process's first behaves differently, see
``test_run.py::media_in_second_run``); wandb's cases share one process (its start costs
a second or two, and it shows no such dependence).

Values are written as JSON with their types kept where JSON would lose them (see
``plain``), so that a numpy float in a summary does not pass for a Python float.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import math
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

# Exception classes an observed exception is checked against: what a user's ``except``
# could name. The tracker's own ``Error`` and ``errors.UsageError`` are added per side.
BUILTIN_ERRORS = ("TypeError", "ValueError", "KeyError", "IndexError", "LookupError",
                  "AttributeError", "RuntimeError", "NotImplementedError", "OSError",
                  "AssertionError")


def plain(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON, keeping the types a user could tell apart."""
    if depth > 20:
        return {"__type__": "too-deep"}
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return {"__float__": "nan"} if math.isnan(value) else value
    if isinstance(value, Mapping) or (hasattr(value, "keys") and hasattr(value, "__getitem__")
                                      and not isinstance(value, type)):
        try:
            # keys(), not iteration: wandb's Summary has keys() but no __iter__
            return {str(k): plain(value[k], depth + 1) for k in value.keys()}  # noqa: SIM118
        except Exception as exc:
            return {"__type__": _type_name(value), "__error__": type(exc).__name__}
    if kind is list:
        return [plain(v, depth + 1) for v in value]
    if kind is tuple:
        return {"__tuple__": [plain(v, depth + 1) for v in value]}
    if kind in (set, frozenset):
        return {"__set__": sorted(repr(v) for v in value)}
    if kind is bytes:
        return {"__bytes__": value.hex()}
    out: dict[str, Any] = {"__type__": _type_name(value)}
    item = getattr(value, "item", None)
    if callable(item):  # numpy scalars: the value too
        with contextlib.suppress(Exception):
            out["value"] = plain(item(), depth + 1)
    return out


def _type_name(value: Any) -> str:
    kind = type(value)
    module = kind.__module__.split(".")[0]
    return f"{module}.{kind.__qualname__}"


def describe_exception(exc: BaseException, tracker: Any) -> dict[str, Any]:
    bases = [name for name in BUILTIN_ERRORS if isinstance(exc, getattr(builtins, name))]
    errors = getattr(tracker, "errors", None)
    for label, cls in (("tracker.Error", getattr(tracker, "Error", None)),
                       ("tracker.UsageError", getattr(errors, "UsageError", None))):
        if isinstance(cls, type) and isinstance(exc, cls):
            bases.append(label)
    return {"raised": bases, "type": type(exc).__name__, "message": str(exc)[:300]}


class Observer:
    def __init__(self, tracker: Any) -> None:
        self.tracker = tracker
        self.seen: list[list[Any]] = []

    def observe(self, name: str, value: Any, compare: bool = True) -> None:
        self.seen.append([name, plain(value), compare])

    def observe_raises(self, name: str, fn: Callable[[], Any], compare: bool = True) -> None:
        try:
            result = fn()
        except Exception as exc:
            self.seen.append([name, describe_exception(exc, self.tracker), compare])
        else:
            self.seen.append([name, {"returned": plain(result)}, compare])


def read_cairn(tracker: Any, run: Any) -> dict[str, Any]:
    stored = tracker.Api(root=run.settings.root).run(run.path)
    return {"history": [plain(dict(row)) for row in stored.scan_history()],
            "summary": plain(stored.summary), "config": plain(stored.config),
            "exit_code": stored.exit_code, "state": stored.state}


def read_wandb(path: str) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).parent))
    from read_wandb import read_run

    return read_run(path)


def persisted(side: str, tracker: Any, run: Any) -> dict[str, Any] | str | None:
    """What ``run`` stored, or for wandb the path of its ``.wandb`` file: wandb's core may
    still be writing it after ``finish()`` returns, so it is read after ``teardown()``."""
    if getattr(run, "disabled", False) or getattr(run, "mode", None) == "disabled":
        return None
    if side == "wandb":
        return str(Path(run.dir).parent / f"run-{run.id}.wandb")
    return unreadable_or(lambda: read_cairn(tracker, run))


def unreadable_or(read: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return read()
    except Exception:
        return {"__unreadable__": traceback.format_exc(limit=3)}


def run_case(side: str, tracker: Any, case: dict[str, Any], workdir: Path) -> dict[str, Any]:
    os.chdir(workdir)
    if side == "wandb":
        os.environ["WANDB_DIR"] = str(workdir)
    else:
        os.environ["CAIRN_DIR"] = str(workdir / "cairn")
    runs: list[Any] = []
    real_init = tracker.init

    def init(*args: Any, **kwargs: Any) -> Any:
        run = real_init(*args, **kwargs)
        if all(run is not r for r in runs):
            runs.append(run)
        return run

    observer = Observer(tracker)
    error = None
    tracker.init = init
    try:
        namespace: dict[str, Any] = {}
        exec(compile(case["source"], f"<case {case['id']}>", "exec"), namespace)
        namespace[case["name"]](tracker, observer.observe, observer.observe_raises)
    except Exception as exc:
        error = {**describe_exception(exc, tracker), "traceback": traceback.format_exc()}
    finally:
        tracker.init = real_init
    for run in runs:
        with contextlib.suppress(Exception):
            run.finish()
    return {"observed": observer.seen, "error": error,
            "persisted": [persisted(side, tracker, run) for run in runs]}


def in_child(side: str, tracker: Any, case: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """``run_case`` in a forked child: each case starts from a process that has imported
    the tracker (and numpy) but never started a run, as a user's script does."""
    out = workdir / "result.json"
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            out.write_text(json.dumps(run_case(side, tracker, case, workdir)))
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if out.exists():
        result: dict[str, Any] = json.loads(out.read_text())
        return result
    return {"crashed": f"case process ended with status {status}"}


def main() -> None:
    side, cases_file, results_file = sys.argv[1:4]
    fork = "--fork" in sys.argv[4:]
    if side == "wandb":
        import wandb as tracker
    else:
        import cairn as tracker
    with contextlib.suppress(ImportError):
        import numpy  # noqa: F401  (imported once, before any fork)
    cases = json.loads(Path(cases_file).read_text())
    results = {}
    with tempfile.TemporaryDirectory(prefix=f"oracle-{side}-") as tmp:
        for n, case in enumerate(cases):
            workdir = Path(tmp) / f"case{n}"
            workdir.mkdir()
            run = in_child if fork else run_case
            results[case["id"]] = run(side, tracker, case, workdir)
            # Written after every case: a case that kills the process loses only itself.
            Path(results_file).write_text(json.dumps(results))
        os.chdir(tmp)
        if side == "wandb":
            tracker.teardown()  # every .wandb file complete
            for result in results.values():
                result["persisted"] = [
                    unreadable_or(lambda p=p: read_wandb(p)) if isinstance(p, str) else p
                    for p in result["persisted"]]
            Path(results_file).write_text(json.dumps(results))


if __name__ == "__main__":
    main()
