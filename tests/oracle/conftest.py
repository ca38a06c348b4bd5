"""The ``oracle`` fixture: every selected differential case, run once per session."""

from __future__ import annotations

import pytest
from tests.oracle.harness import CASES, Results, run_cases, wandb_venv_or_skip


@pytest.fixture(scope="session")
def oracle(request: pytest.FixtureRequest) -> Results:
    """The results of the cases this session selected (all sides run the
    batch at once, one process each)."""
    wandb_venv_or_skip()
    selected = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "oracle" in getattr(item, "fixturenames", ()):
            name = callspec.params.get("case_name")
            if name in CASES:
                selected.append(CASES[name])
    return run_cases(selected)
