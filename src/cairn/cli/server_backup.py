"""``cairn server backup DEST`` and ``cairn server restore SRC``: a whole installation
(metadata store and blobs, on any backend) to a folder and back (``store/backup.py``)."""

from __future__ import annotations

from pathlib import Path

import click

from cairn.settings import shown_store


@click.command("backup")
@click.argument("dest", type=click.Path(path_type=Path, file_okay=False))
@click.pass_context
def backup(ctx: click.Context, dest: Path) -> None:
    """Copy the installation (every table of the store, every blob) into the new folder
    DEST, from one consistent snapshot; the server may keep serving meanwhile."""
    from cairn.cli.server import _settings, open_checked
    from cairn.errors import StoreError
    from cairn.store import backup as backups

    settings = _settings(ctx)
    where = shown_store(settings.store, settings.root)
    backend = open_checked(settings)
    try:
        manifest = backups.backup(backend.store, backend.blobs, dest, where,
                                  progress=lambda line: click.echo(line, err=True))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        backend.close()
    if manifest.missing_blobs:
        click.echo(f"warning: {len(manifest.missing_blobs)} blob(s) the store references "
                   f"were not in its blob store (first: {manifest.missing_blobs[0]})",
                   err=True)
    click.echo(f"backed up {where}: {manifest.rows():,} rows in {len(manifest.tables)} "
               f"tables, {manifest.blobs:,} blobs, schema {manifest.schema} -> {dest}")


@click.command("restore")
@click.argument("source", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--force", is_flag=True,
              help="Replace what the target store holds (refused otherwise).")
@click.pass_context
def restore(ctx: click.Context, source: Path, force: bool) -> None:
    """Restore a backup folder into the store and blob store named by --store/--blobs
    (any backend: a SQLite backup restores into PostgreSQL). The target must be empty
    unless --force; the rows go in one transaction, all or none."""
    from cairn.cli.server import _settings, open_checked
    from cairn.errors import StoreError
    from cairn.store import backup as backups

    settings = _settings(ctx)
    where = shown_store(settings.store, settings.root)
    backend = open_checked(settings)
    try:
        manifest = backups.restore(source, backend.store, backend.blobs, force=force,
                                   progress=lambda line: click.echo(line, err=True))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        backend.close()
    click.echo(f"restored {source} ({manifest.source}, schema {manifest.schema}) into "
               f"{where}: {manifest.rows():,} rows, {manifest.blobs:,} blobs")
