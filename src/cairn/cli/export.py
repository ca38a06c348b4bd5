"""``cairn export``: a run's full history (``Run.scan_history``), one row per step, as CSV,
JSON lines or Parquet.

Rows are streamed: CSV and JSON lines are written as they are read, Parquet in row groups
of ``PARQUET_GROUP`` rows. A file is written under a temporary name and renamed when
complete, so a failed export leaves no half-written file behind. Non-finite floats are
kept: ``nan``/``inf`` in CSV, ``NaN``/``Infinity`` in JSON lines, IEEE values in Parquet.
"""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from cairn.cli.output import to_json
from cairn.cli.state import state
from cairn.errors import NotFoundError

if TYPE_CHECKING:
    from cairn.api.public import Run

FORMATS = ("csv", "jsonl", "parquet")
SUFFIX_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet",
                  ".pq": "parquet"}
PARQUET_GROUP = 50_000
STEP = "_step"


def choose_format(fmt: str | None, output: str) -> str:
    if fmt is not None:
        return fmt
    if output == "-":
        return "csv"
    found = SUFFIX_FORMATS.get(Path(output).suffix.lower())
    if found is None:
        raise click.UsageError(f"cannot tell the format from {output!r}; pass --format "
                               f"{'|'.join(FORMATS)}")
    return found


def choose_keys(run: Run, keys: str | None) -> list[str]:
    """The metric keys to export: ``--keys`` (checked against the run) or all of them."""
    available = list(dict.fromkeys(info.key for info in run.series_info()))
    if keys is None:
        return available
    wanted = list(dict.fromkeys(k.strip() for k in keys.split(",")
                                if k.strip() and k.strip() != STEP))
    if not wanted:
        raise click.BadParameter("give at least one metric name", param_hint="--keys")
    missing = [k for k in wanted if k not in available]
    if missing:
        listed = ", ".join(available[:20]) + (", ..." if len(available) > 20 else "")
        raise NotFoundError(f"run {'/'.join(run.path)} has no metric {missing[0]!r} "
                            f"(it has: {listed or 'none'})")
    return wanted


# ---- destinations ------------------------------------------------------------------------
@contextmanager
def atomic_path(output: str) -> Iterator[Path]:
    """A temporary path next to ``output``, renamed to it when the block succeeds."""
    final = Path(output)
    temp = final.with_name(f".{final.name}.partial-{os.getpid()}")
    try:
        yield temp
        os.replace(temp, final)
    except OSError as exc:
        if exc.filename not in (str(temp), temp):
            raise
        raise click.ClickException(f"cannot write {final}: {exc.strerror or exc}") from exc
    finally:
        temp.unlink(missing_ok=True)


@contextmanager
def text_destination(output: str) -> Iterator[IO[str]]:
    if output == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with atomic_path(output) as temp, temp.open("w", encoding="utf-8", newline="") as fh:
        yield fh


# ---- writers -----------------------------------------------------------------------------
def _csv_cell(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float):
        return "" if value is None else value
    return to_json(value)


def write_csv(rows: Iterable[dict[str, Any]], columns: list[str], fh: IO[str]) -> int:
    writer = csv.writer(fh)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([_csv_cell(row.get(c)) for c in columns])
        count += 1
    return count


def write_jsonl(rows: Iterable[dict[str, Any]], fh: IO[str]) -> int:
    count = 0
    for row in rows:
        fh.write(to_json(row))
        fh.write("\n")
        count += 1
    return count


def _parquet_module() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise click.ClickException("Parquet export needs pyarrow: pip install "
                                   "'cairn[parquet]'") from exc
    return pa, pq


def parquet_kinds(run: Run, keys: list[str]) -> dict[str, str]:
    """One column kind per key (``f``, ``i``, ``b`` or ``o`` for strings/JSON). A key with
    both numbers and other values stays numeric when the others are all ``None``."""
    kinds: dict[str, set[str]] = {}
    for info in run.series_info():
        kinds.setdefault(info.key, set()).add(info.kind)
    chosen: dict[str, str] = {}
    for key in keys:
        found = kinds.get(key, {"o"})
        numeric = sorted(found - {"o"})  # one numeric series per key at most
        if numeric and ("o" not in found or _only_numbers(run, key)):
            chosen[key] = numeric[0]
        else:
            chosen[key] = "o"
    return chosen


def _only_numbers(run: Run, key: str) -> bool:
    return all(row.get(key) is None or isinstance(row.get(key), int | float)
               for row in run.scan_history(keys=[key]))


def _parquet_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "f":
        return float(value)
    if kind == "i":
        return int(value)
    if kind == "b":
        return bool(value)
    return value if isinstance(value, str) else to_json(value)


def write_parquet(rows: Iterable[dict[str, Any]], kinds: dict[str, str], path: Path) -> int:
    pa, pq = _parquet_module()
    types = {"f": pa.float64(), "i": pa.int64(), "b": pa.bool_(), "o": pa.string()}
    schema = pa.schema([(STEP, pa.int64()), *((k, types[kind]) for k, kind in kinds.items())])
    columns: dict[str, list[Any]] = {name: [] for name in schema.names}
    count = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        for row in rows:
            columns[STEP].append(row[STEP])
            for key, kind in kinds.items():
                columns[key].append(_parquet_value(row.get(key), kind))
            count += 1
            if count % PARQUET_GROUP == 0:
                writer.write_table(pa.Table.from_pydict(columns, schema=schema))
                columns = {name: [] for name in schema.names}
        if count % PARQUET_GROUP or count == 0:
            writer.write_table(pa.Table.from_pydict(columns, schema=schema))
    return count


@click.command("export")
@click.argument("path", metavar="RUN")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS),
              help="Default: from the extension of --output (csv for -).")
@click.option("-o", "--output", required=True, metavar="FILE",
              help="The file to write; - for standard output (csv, jsonl).")
@click.option("--keys", metavar="K1,K2",
              help="Only these metrics, and only the steps that have all of them "
                   "(like scan_history(keys=...)); default: every metric, every step.")
def export(path: str, fmt: str | None, output: str, keys: str | None) -> None:
    """Export the full history of RUN (ENTITY/PROJECT/ID, PROJECT/ID or ID), one row per
    step, with a _step column."""
    fmt = choose_format(fmt, output)
    if fmt == "parquet" and output == "-":
        raise click.UsageError("Parquet cannot go to standard output; give -o FILE")
    if fmt == "parquet":
        _parquet_module()  # fail before reading anything when pyarrow is missing
    run = state().api().run(path)
    wanted = choose_keys(run, keys)
    rows = run.scan_history(keys=wanted if keys is not None else None)
    if fmt == "parquet":
        kinds = parquet_kinds(run, wanted)
        with atomic_path(output) as temp:
            count = write_parquet(rows, kinds, temp)
    else:
        with text_destination(output) as fh:
            count = (write_csv(rows, [STEP, *wanted], fh) if fmt == "csv"
                     else write_jsonl(rows, fh))
    where = "standard output" if output == "-" else output
    click.echo(f"exported {count:,} rows of {'/'.join(run.path)} ({len(wanted)} metrics) "
               f"to {where}", err=True)
