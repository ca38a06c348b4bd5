"""``cairn sync``: apply WAL files to a backend, the cairn folder's by default or any other
with ``--to URI`` (see :mod:`cairn.wal.replay`), with a progress bar on a terminal and a
summary at the end."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cairn.cli.integrity import check_store
from cairn.cli.state import state

if TYPE_CHECKING:
    from cairn.backend import Backend
    from cairn.wal.replay import ReplayTotals, WalReplay


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word if count == 1 else word + 's'}"


@contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """Print warnings from the store as ``warning: ...`` lines, once each, after the bar."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    seen: set[str] = set()
    for item in caught:
        text = str(item.message)
        if text not in seen:
            seen.add(text)
            click.echo(f"warning: {text.removeprefix('cairn: ')}", err=True)


def _open_backend(to: str | None, to_blobs: str | None, dry_run: bool) -> Backend | None:
    """The backend to apply to; in a dry run, ``None`` when its store does not exist
    (nothing is created)."""
    from cairn.backend import open_backend
    from cairn.errors import NotFoundError
    from cairn.sinks.handoffs import wait_for_handoffs

    settings = state().settings
    wait_for_handoffs()  # runs this process finished: their own applier is bringing them
    try:
        return open_backend(to, settings, blobs=to_blobs, create=not dry_run)
    except NotFoundError:
        return None


def _replay_with_bar(files: Sequence[Path], backend: Backend | None,
                     dry_run: bool) -> list[WalReplay]:
    """Replay the files, with a progress bar (in bytes) when stderr is a terminal."""
    from cairn.wal.replay import replay

    store = backend.store if backend is not None else None
    blobs = None if dry_run or backend is None else backend.blobs
    if not sys.stderr.isatty():
        return replay(files, store, dry_run=dry_run, blobs=blobs)
    total = 0
    for path in files:
        with suppress(OSError):
            total += path.stat().st_size
    label = "reading WALs" if dry_run else "syncing"
    with click.progressbar(length=max(total, 1), label=label, file=sys.stderr) as bar:
        return replay(files, store, dry_run=dry_run, progress=bar.update, blobs=blobs)


def _file_lines(result: WalReplay, dry_run: bool) -> list[str]:
    """Problems with one file, as lines for stderr."""
    lines: list[str] = []
    if result.error is not None:
        lines.append(f"error: {result.error}")
    if result.skipped_frames:
        lines.append(f"warning: {result.path}: skipped "
                     f"{_plural(result.skipped_frames, 'damaged frame')}; "
                     "the records around them were kept")
    if result.missing_blobs:
        lines.append(f"warning: {result.path}: "
                     f"{_plural(len(result.missing_blobs), 'referenced blob')} missing from the "
                     f"run folder's blobs/ (first {result.missing_blobs[0][:12]}…); the "
                     "records were applied without their files")
    if result.history_elsewhere and result.compacted is not None:
        from cairn.wal.compact import describe

        lines.append(f"warning: {result.path}: compacted ({describe(result.compacted)}); "
                     f"{_plural(result.history_elsewhere, 'history record')} of it "
                     f"{'would be' if dry_run else 'are'} missing from this store")
    if result.torn:
        done = "would be applied" if dry_run else "were applied"
        lines.append(f"warning: {result.path}: the last frame is cut off (a torn write, or "
                     f"a run still writing); the records before it {done}")
    return lines


def _verbose_line(result: WalReplay, dry_run: bool) -> str:
    run = result.run.path if result.run is not None else "?"
    verb = "would apply" if dry_run else "applied"
    return (f"{run}  {result.path}: {verb} {result.applied:,}, "
            f"{result.present:,} already present")


def _summary(totals: ReplayTotals, dry_run: bool) -> str:
    parts = [f"{totals.applied:,} {'would be applied' if dry_run else 'applied'}",
             f"{totals.present:,} already present"]
    if totals.skipped_frames:
        parts.append(f"{_plural(totals.skipped_frames, 'damaged frame')} skipped")
    if totals.torn_tails:
        parts.append(_plural(totals.torn_tails, "torn tail"))
    if totals.errors:
        parts.append(f"{_plural(totals.errors, 'file')} unreadable")
    if totals.deleted:
        parts.append(f"{totals.deleted:,} of deleted runs dropped")
    if totals.history_elsewhere:
        parts.append(f"{totals.history_elsewhere:,} history records of compacted WALs only "
                     "in the store that applied them")
    if totals.repaired:
        found = "would be repaired" if dry_run else "repaired"
        parts.append(f"{_plural(totals.repaired, 'session')} kept by an older cairn {found}")
    head = "dry run, nothing written: " if dry_run else ""
    return (f"{head}read {_plural(totals.files, 'WAL file')}, "
            f"{_plural(totals.records, 'record')}: {', '.join(parts)}")


@click.command("sync")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True,
              help="Read everything and report what would be applied; write nothing.")
@click.option("-v", "--verbose", is_flag=True, help="One line per WAL file.")
@click.option("--to", metavar="URI",
              help="The store to apply to: a cairn folder, sqlite:///..., postgresql://... "
                   "(default: the --store of cairn, $CAIRN_STORE, or the cairn folder's).")
@click.option("--to-blobs", metavar="URI",
              help="The blob store that goes with --to (default: blobs/ beside an embedded "
                   "store, else the --blobs of cairn or $CAIRN_BLOBS).")
@click.pass_context
def sync(ctx: click.Context, paths: tuple[Path, ...], dry_run: bool, verbose: bool,
         to: str | None, to_blobs: str | None) -> None:
    """Apply run WALs to a store: the cairn folder's (--dir), or any other (--to URI).

    PATH is a run folder, a .cairn WAL file, or a cairn folder; without PATH, every WAL
    under the folder's runs/ and in the run folders init(dir=...) placed elsewhere
    (noted in the folder's placed-runs). This completes offline runs and runs whose process was
    killed, and copies runs to another store. Records the store already holds are
    skipped, so syncing again is harmless.
    """
    from cairn.wal.placed import placed_run_folders
    from cairn.wal.replay import ReplayTotals, find_wal_files

    settings = state().settings
    files = find_wal_files(paths, settings.runs_dir)
    if not paths:
        placed = placed_run_folders(settings.root)
        files = find_wal_files(placed, settings.runs_dir) if placed else files
    if not files:
        click.echo(f"nothing to sync: no WAL files under {settings.runs_dir}")
        return
    backend = _open_backend(to, to_blobs, dry_run)
    try:
        if backend is not None:
            check_store(backend)
        with _warnings_as_lines():
            results = _replay_with_bar(files, backend, dry_run)
    finally:
        if backend is not None:
            backend.close()
    for result in results:
        for line in _file_lines(result, dry_run):
            click.echo(line, err=True)
        if verbose:
            click.echo(_verbose_line(result, dry_run))
    totals = ReplayTotals.of(results)
    click.echo(_summary(totals, dry_run))
    if totals.errors:
        ctx.exit(1)
