"""Media tests log through a real run into the test's store and read back with Api."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import cairn

LogOne = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def log_one() -> LogOne:
    """Log one row to a new run, finish it, and return the row as ``Api`` reads it."""

    def log(values: dict[str, Any]) -> dict[str, Any]:
        run = cairn.init(project="media")
        run.log(values)
        run.finish()
        rows = list(cairn.Api().run(run.path).scan_history(keys=list(values)))
        assert len(rows) == 1
        return rows[0]

    return log
