"""``cairn import wandb | tensorboard | mlflow``: bring runs made by other trackers into
the chosen backend (``--store`` / ``--blobs``), with a progress bar on a terminal and a
summary at the end (``cairn.importers``).

Importing is idempotent: a run keeps an id from its source and its records are applied
as a WAL's are, so importing the same source again changes nothing. A source that cannot
be read is reported and the others are still imported; the exit status is then 1.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cairn.cli.state import state

if TYPE_CHECKING:
    from cairn.backend import Backend
    from cairn.importers.base import ImportTotals

T = TypeVar("T")

_entity_option = click.option("--entity", metavar="NAME",
                              help="The entity the runs go to (default: the settings' "
                                   "entity).")


@click.group("import")
def import_group() -> None:
    """Bring runs made with wandb, TensorBoard or MLflow into the store.

    Runs keep an id taken from their source, so importing again changes nothing (a
    source that grew adds what is new where the format allows: TensorBoard event files).
    """


def _size(path: Path) -> int:
    try:
        return max(path.stat().st_size, 1)
    except OSError:
        return 1


@contextmanager
def _importing(items: Sequence[T], label: str, weight: Callable[[T], int] = lambda _: 1
               ) -> Iterator[tuple[Backend, ImportTotals, Callable[[], Iterator[T]]]]:
    """The backend, the totals, and the items to go through (with a progress bar on a
    terminal, each item counting ``weight(item)``: bytes for files); prints the summary
    and exits 1 when a source failed."""
    from cairn.importers.base import ImportTotals

    backend = state().backend(create=True)
    totals = ImportTotals()

    def each() -> Iterator[T]:
        if not sys.stderr.isatty():
            yield from items
            return
        weights = [weight(item) for item in items]
        with click.progressbar(length=sum(weights), label=label, file=sys.stderr) as bar:
            for item, size in zip(items, weights, strict=True):
                yield item
                bar.update(size)

    try:
        yield backend, totals, each
    finally:
        backend.close()
    for line in totals.warnings:
        click.echo(f"warning: {line}", err=True)
    for line in totals.errors:
        click.echo(f"error: {line}", err=True)
    click.echo(totals.line())
    if totals.errors:
        click.get_current_context().exit(1)


def _entity(entity: str | None) -> str:
    return entity or state().settings.default_entity()


@import_group.command("wandb")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_entity_option
@click.option("--project", metavar="NAME",
              help="The project the runs go to (default: each run's wandb project).")
def import_wandb(paths: tuple[Path, ...], entity: str | None, project: str | None) -> None:
    """Import wandb run folders: PATH is a run folder (run-<id>.wandb inside), a run log,
    or a wandb/ folder holding many; offline and synced runs alike. Needs the wandb
    package (pip install 'cairn[import-wandb]')."""
    from cairn.importers.wandb import find_run_logs, import_wandb_log, protobuf_module

    pb = protobuf_module()
    logs = find_run_logs(list(paths))
    with _importing(logs, "importing wandb runs", _size) as (backend, totals, each):
        for log in each():
            import_wandb_log(log, backend, totals, entity=_entity(entity), project=project,
                             pb=pb)


@import_group.command("tensorboard")
@click.argument("logdir", type=click.Path(path_type=Path))
@_entity_option
@click.option("--project", metavar="NAME", default="tensorboard", show_default=True,
              help="The project the runs go to.")
def import_tensorboard(logdir: Path, entity: str | None, project: str) -> None:
    """Import TensorBoard event files: each folder under LOGDIR holding event files is one
    run (scalars, histograms, images, text; hparams as config). Needs the tensorboard
    package (pip install 'cairn[import-tensorboard]')."""
    from cairn.importers.tensorboard import find_log_runs, import_log_run, require_tensorboard

    require_tensorboard()
    log_runs = find_log_runs(logdir)
    with _importing(log_runs, "importing TensorBoard runs",
                    lambda run: sum(_size(path) for path in run.files)) as (backend, totals,
                                                                             each):
        for log_run in each():
            import_log_run(log_run, backend, totals, entity=_entity(entity),
                           project=project)


@import_group.command("mlflow")
@click.argument("tracking_uri")
@click.option("--experiment", metavar="NAME", help="Only this experiment (default: all).")
@_entity_option
@click.option("--project", metavar="NAME",
              help="The project the runs go to (default: each run's experiment name).")
def import_mlflow(tracking_uri: str, experiment: str | None, entity: str | None,
                  project: str | None) -> None:
    """Import MLflow runs from TRACKING_URI (an mlruns folder, sqlite:///mlflow.db, a
    tracking server): params as config, metrics as history, tags, artifacts as files.
    Needs mlflow (pip install 'cairn[import-mlflow]')."""
    from cairn.importers import mlflow as source

    mlflow = source.client(tracking_uri)
    runs: list[tuple[str, Any]] = [
        (project or found.name, run)
        for found in source.experiments(mlflow, experiment)
        for run in source.runs_of(mlflow, found.experiment_id)]
    with _importing(runs, "importing MLflow runs") as (backend, totals, each):
        for name, run in each():
            source.import_run(mlflow, run, backend, totals, entity=_entity(entity),
                              project=name)
