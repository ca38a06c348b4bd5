"""What every command shares: the settings of the cairn folder chosen with ``--dir`` (or
``CAIRN_DIR``, or ``./cairn``), the backend chosen with ``--store`` / ``--blobs`` (or
``CAIRN_STORE`` / ``CAIRN_BLOBS``, or the folder's own), and a lazily opened ``cairn.Api``
over that backend."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from cairn.settings import Settings, load_settings

if TYPE_CHECKING:
    from cairn.api.public import Api
    from cairn.backend import Backend


class CliState:
    """Held in ``click.Context.obj``; closed when the command ends."""

    def __init__(self, root: Path | None, store: str | None = None,
                 blobs: str | None = None) -> None:
        self._overrides = {"root": root, "store": store, "blobs": blobs}
        self._settings: Settings | None = None
        self._api: Api | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self._overrides)
        return self._settings

    def backend(self, create: bool = False) -> Backend:
        """The chosen backend, owned by the caller (``NotFoundError`` when its store does
        not exist and ``create`` is False), once the runs this process finished are in
        their stores (a command called in-process, after logging)."""
        from cairn.backend import open_backend
        from cairn.sinks.handoffs import wait_for_handoffs

        wait_for_handoffs()
        return open_backend(settings=self.settings, create=create)

    def api(self) -> Api:
        """A reader of the chosen backend (raises ``NotFoundError`` when it has no store)."""
        if self._api is None:
            from cairn.api.public import Api

            self._api = Api(backend=self.backend())
        return self._api

    def close(self) -> None:
        if self._api is not None:
            self._api.backend.close()  # the Api does not own a backend it was given
            self._api = None


def state() -> CliState:
    """The ``CliState`` of the running command."""
    obj = click.get_current_context().find_object(CliState)
    if obj is None:  # a command invoked outside the ``cairn`` group (tests, embedding)
        obj = CliState(None)
        click.get_current_context().call_on_close(obj.close)
    return obj
