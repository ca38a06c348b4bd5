"""What every command shares: the settings of the cairn folder chosen with ``--dir`` (or
``CAIRN_DIR``, or ``./cairn``) and a lazily opened ``cairn.Api`` over its store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from cairn.errors import NotFoundError
from cairn.settings import Settings, load_settings

if TYPE_CHECKING:
    from cairn.api.public import Api


class CliState:
    """Held in ``click.Context.obj``; closed when the command ends."""

    def __init__(self, root: Path | None) -> None:
        self._root = root
        self._settings: Settings | None = None
        self._api: Api | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings({"root": self._root} if self._root else {})
        return self._settings

    def api(self) -> Api:
        """A reader of the folder's store (raises ``NotFoundError`` when it has none)."""
        if self._api is None:
            from cairn.api.public import Api

            root = self.settings.root
            if not self.settings.db_path.exists():
                raise NotFoundError(f"no cairn store at {root} (nothing has been logged or "
                                    "synced there yet; pass --dir or set CAIRN_DIR)")
            self._api = Api(root=root)
        return self._api

    def close(self) -> None:
        if self._api is not None:
            self._api.close()
            self._api = None


def state() -> CliState:
    """The ``CliState`` of the running command."""
    obj = click.get_current_context().find_object(CliState)
    if obj is None:  # a command invoked outside the ``cairn`` group (tests, embedding)
        obj = CliState(None)
        click.get_current_context().call_on_close(obj.close)
    return obj
