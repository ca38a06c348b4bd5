from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cairn.testing import isolated_cairn


@pytest.fixture(autouse=True)
def cairn_root(tmp_path: Path) -> Iterator[Path]:
    """Every test gets its own cairn folder and a clean environment."""
    with isolated_cairn(tmp_path) as root:
        yield root
