"""The ``cairn`` command: the root group, its global options, and the rule that every error
is one line on stderr with a non-zero exit, never a traceback.

Command groups live in their own modules and are imported only when they run (or when
``--help`` lists them); heavy imports (numpy, the store) happen inside the commands.
"""

from __future__ import annotations

import errno
import importlib
import os
from pathlib import Path
from typing import Any

import click

import cairn
from cairn.cli.state import CliState
from cairn.errors import Error

# command name -> "module:attribute"
COMMANDS = {
    "agent": "cairn.cli.sweeps:agent",
    "compat": "cairn.cli.compat:compat",
    "export": "cairn.cli.export:export",
    "gc": "cairn.cli.gc:gc",
    "import": "cairn.cli.imports:import_group",
    "projects": "cairn.cli.projects:projects",
    "runs": "cairn.cli.runs:runs",
    "sweep": "cairn.cli.sweeps:sweep",
    "sync": "cairn.cli.sync:sync",
    "ui": "cairn.cli.ui:ui",
}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _os_message(exc: OSError) -> str:
    if exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc)


def as_click_error(exc: Exception) -> click.ClickException:
    """The one-line error a user sees for an exception raised inside a command."""
    if isinstance(exc, Error | ValueError):
        return click.ClickException(_one_line(str(exc)) or type(exc).__name__)
    if isinstance(exc, OSError):
        return click.ClickException(_one_line(_os_message(exc)))
    return click.ClickException(
        f"unexpected {type(exc).__name__}: {_one_line(str(exc))} "
        "(set CAIRN_DEBUG=1 to see the traceback)")


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy or cmd_name in self.commands:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = self.lazy[cmd_name].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.lazy[cmd_name]} is not a click command")
        self.add_command(command, cmd_name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except OSError as exc:
            if exc.errno == errno.EPIPE:  # `cairn runs list | head`: click handles it
                raise
            raise as_click_error(exc) from exc
        except Exception as exc:
            if os.environ.get("CAIRN_DEBUG"):
                raise
            raise as_click_error(exc) from exc


@click.group("cairn", cls=LazyGroup, lazy=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(cairn.__version__, "-V", "--version", prog_name="cairn")
@click.option("--dir", "root", type=click.Path(file_okay=False, path_type=Path),
              help="The cairn folder (default: $CAIRN_DIR, or ./cairn).")
@click.option("--store", metavar="URI",
              help="The metadata store: a path, sqlite:///..., postgresql://... (default: "
                   "$CAIRN_STORE, or the cairn folder's cairn.db).")
@click.option("--blobs", metavar="URI",
              help="The blob store: file:///..., s3://bucket/prefix (default: $CAIRN_BLOBS, "
                   "or blobs/ beside an embedded store).")
@click.pass_context
def cli(ctx: click.Context, root: Path | None, store: str | None, blobs: str | None) -> None:
    """cairn: a local-first experiment tracker with the wandb Run API.

    Runs log to a cairn folder (one WAL per run under runs/) and, by default, to the store
    in it (cairn.db and blobs/); --store and --blobs name another. These commands sync
    WALs into the store and read runs back.
    """
    state = CliState(root, store, blobs)
    ctx.obj = state
    ctx.call_on_close(state.close)


def main() -> None:
    """The ``cairn`` console script."""
    cli(prog_name="cairn")


if __name__ == "__main__":
    main()
