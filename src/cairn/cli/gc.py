"""``cairn gc``: delete blobs nothing refers to, and temp files of writers that are gone."""

from __future__ import annotations

import click

from cairn.cli.state import state


@click.command("gc")
@click.option("--dry-run", is_flag=True, help="Only report what would be deleted.")
@click.option("--min-age", type=click.FloatRange(min=0), default=3600.0, show_default=True,
              help="Keep unreferenced blobs and temporary files younger than this many "
                   "seconds (a running process may not have stored their records yet, "
                   "or may be writing on another host).")
def gc(dry_run: bool, min_age: float) -> None:
    """Reclaim space: unreferenced blobs (deleted runs, deleted artifact versions) and
    temporary files left by processes that died, in a local blob folder or on S3 (where
    unfinished multipart uploads are aborted, and blobs younger than the store's refresh
    interval, ten minutes, are always kept). Only this host's WAL files are read: with
    blobs shared by many hosts, give --min-age more than any run may wait to reach the
    store."""
    from cairn.store.gc import collect_garbage, pending_wal_blobs
    from cairn.wal.placed import placed_run_folders

    settings = state().settings
    backend = state().api().backend
    blobs = backend.blobs
    store = backend.store
    referenced = store.referenced_blobs() | pending_wal_blobs(settings.runs_dir,
                                                              store.applied_progress)
    for folder in placed_run_folders(settings.root):  # init(dir=...) put them elsewhere
        referenced |= pending_wal_blobs(folder, store.applied_progress, one_run=True)
    report = collect_garbage(blobs, referenced, min_age, dry_run,
                             extra_temp_dirs=(settings.root / "cache" / "blobs" / "tmp",))
    verb = "would delete" if dry_run else "deleted"
    uploads = (f" and {'abort' if dry_run else 'aborted'} {len(report.uploads)} unfinished "
               "uploads" if hasattr(blobs, "stale_uploads") else "")
    click.echo(f"{verb} {len(report.blobs)} blobs ({report.blob_bytes / 1e6:,.1f} MB) and "
               f"{len(report.temp_files)} temporary files{uploads}")
