"""``cairn compat``: make ``import wandb`` run on cairn in this Python environment."""

from __future__ import annotations

import click


@click.group("compat")
def compat() -> None:
    """Run code that says `import wandb` (Lightning, transformers, accelerate, Ray Tune,
    ...) on cairn, unchanged: `install` puts a `wandb` stand-in into this environment,
    `uninstall` removes it, `status` says which wandb is active."""


@compat.command("install")
@click.option("--force", is_flag=True,
              help="Replace (or shadow) the real wandb when it is installed.")
def install(force: bool) -> None:
    """Make `import wandb` resolve to cairn in this environment."""
    from cairn.compat import shim

    click.echo(shim.install(force=force))


@compat.command("uninstall")
def uninstall() -> None:
    """Remove cairn's `wandb` stand-in from this environment."""
    from cairn.compat import shim

    click.echo(shim.uninstall())


@compat.command("status")
def status() -> None:
    """Say whether `import wandb` gives cairn, the real wandb, or nothing."""
    from cairn.compat import shim

    click.echo(shim.status())
