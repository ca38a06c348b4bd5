"""``integrations``: the scripts this session's tests need, run once, all at once."""

from __future__ import annotations

import pytest
from tests.integrations.harness import SCRIPTS, Outcome, run_all, venv_or_skip


@pytest.fixture(scope="session")
def integrations(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    venv_or_skip()
    wanted = sorted({mark.args[0] for item in request.session.items
                     for mark in item.iter_markers("script")})
    missing = [name for name in wanted if not (SCRIPTS / name).is_file()]
    assert not missing, f"no such integration scripts: {missing}"
    return run_all(wanted, tmp_path_factory.mktemp("integrations"))
