"""The documentation keeps up with the code: every setting, CLI command and API route is
described where a user looks for it."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import click
from starlette.routing import Mount, Route

from cairn.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
API_DOC = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme() -> None:
    table = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([a-z_]+)`", table))
    missing = [f.name for f in dataclasses.fields(Settings) if f.name not in documented]
    assert missing == []


def _commands(group: click.Group, prefix: str = "cairn") -> list[str]:
    found = []
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix} {name}")
        else:
            found.append(f"{prefix} {name}")
    return found


def test_every_cli_command_is_in_the_readme() -> None:
    from cairn.cli.main import cli

    assert isinstance(cli, click.Group)
    missing = [c for c in _commands(cli) if c not in README]
    assert missing == []


def test_every_api_route_is_in_docs_api() -> None:
    from cairn.server.app import API_PREFIX, create_app
    from cairn.settings import load_settings
    from cairn.store.sqlite import SqliteStore

    settings = load_settings({"root": ROOT / "nothing-here"})
    app = create_app(settings, SqliteStore.__new__(SqliteStore))
    routes = []
    for route in app.routes:
        if isinstance(route, Mount) and route.path == API_PREFIX:
            for inner in route.routes:
                assert isinstance(inner, Route)
                for method in sorted((inner.methods or set()) - {"HEAD"}):
                    routes.append(f"{method} {API_PREFIX}{inner.path}")
    assert routes
    missing = [r for r in routes if f"`{r}`" not in API_DOC]
    assert missing == []
