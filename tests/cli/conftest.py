from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import cairn
from cairn.cli.main import cli
from cairn.sinks.handoffs import wait_for_handoffs

Invoke = Callable[..., Result]
MakeRun = Callable[..., "LoggedRun"]


class LoggedRun:
    """A finished run and exactly what was logged to it, step by step."""

    def __init__(self, run: cairn.Run, rows: list[dict[str, Any]]) -> None:
        self.id = run.id
        self.path = run.path
        self.project = run.project
        self.name = run.name
        self.wal_path: Path = run.wal_path
        self.rows = rows


def _rows(steps: int) -> list[dict[str, Any]]:
    return [{"loss": 1.0 / (i + 1), "acc": i, "ok": i % 2 == 0, "note": f"s{i}",
             "spiky": math.nan if i == 2 else i * 0.5} for i in range(steps)]


@pytest.fixture
def make_run() -> MakeRun:
    """Log a finished run: ``mode="offline"`` leaves it in its WAL only."""

    def make(project: str = "proj", mode: str = "offline", steps: int = 5,
             config: dict[str, Any] | None = None, **init: Any) -> LoggedRun:
        rows = _rows(steps)
        run = cairn.init(project=project, mode=mode,
                         config=config if config is not None else {"lr": 0.01,
                                                                   "model": {"layers": 2}},
                         **init)
        for row in rows:
            run.log(row)
        run.finish()
        wait_for_handoffs()  # a local run is in the store, as a command run later finds it
        return LoggedRun(run, rows)

    return make


@pytest.fixture
def invoke() -> Invoke:
    """Run ``cairn ARGS`` in-process; stdout and stderr stay apart."""
    runner = CliRunner()

    def run(*args: str, code: int | None = 0, input: str | None = None) -> Result:
        result = runner.invoke(cli, list(args), catch_exceptions=False, input=input)
        if code is not None:
            assert result.exit_code == code, (result.stdout, result.stderr)
        return result

    return run
