"""Helpers for tests, ours and users': an isolated cairn folder and a clean run state.

    from cairn.testing import isolated_cairn

    def test_training(tmp_path):
        with isolated_cairn(tmp_path) as root:
            train()                       # calls cairn.init / log / finish
            api = cairn.Api(root=root)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_ENV_PREFIXES = ("CAIRN_", "WANDB_")


@contextmanager
def isolated_cairn(tmp_path: Path, **env: str) -> Iterator[Path]:
    """Point cairn at ``tmp_path/cairn`` with no settings file and no inherited
    ``CAIRN_*``/``WANDB_*`` variables; finish any run left active on exit."""
    root = tmp_path / "cairn"
    saved = {k: v for k, v in os.environ.items() if k.startswith(_ENV_PREFIXES)}
    for key in saved:
        del os.environ[key]
    os.environ.update({
        "CAIRN_DIR": str(root),
        "CAIRN_CONFIG": str(tmp_path / "no-settings.toml"),
        "CAIRN_SILENT": "true",
        **env,
    })
    try:
        yield root
    finally:
        from cairn.sdk import init as init_module

        for run in list(init_module._active):
            run.finish(quiet=True)
        for key in [k for k in os.environ if k.startswith(_ENV_PREFIXES)]:
            del os.environ[key]
        os.environ.update(saved)
