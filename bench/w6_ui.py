"""W6: time until the project page with 1,000 runs and its charts has rendered in headless
Chromium. Reported as skipped until the web UI exists; the name is kept so that figures
line up over time (DESIGN.md)."""

from __future__ import annotations

import importlib.util
from typing import Any

from bench.context import BenchContext
from bench.figures import WorkloadResult

TITLE = "UI: project page with 1,000 runs rendered in headless Chromium"
SIZES: dict[str, dict[str, Any]] = {"full": {"runs": 1_000}, "quick": {"runs": 20}}


def run(ctx: BenchContext, sizes: dict[str, Any]) -> WorkloadResult:
    result = WorkloadResult("W6", TITLE, sizes)
    if importlib.util.find_spec("cairn.server") is None:
        result.skipped["all"] = "not measured yet: cairn has no web UI (cairn.server) yet"
    else:
        result.skipped["all"] = "not measured yet: the W6 driver is still to be written"
    return result
