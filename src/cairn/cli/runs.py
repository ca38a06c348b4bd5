"""``cairn runs list`` and ``cairn runs show``: the runs of a store, read through
``cairn.Api``, as text tables or JSON lines."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

import click

from cairn.aggregates import flatten
from cairn.cli.output import (
    KIND_NAMES,
    format_value,
    local_time,
    table,
    to_json,
    tree_lines,
)
from cairn.cli.state import state

if TYPE_CHECKING:
    from cairn.api.public import Run

SUMMARY_COLUMNS = 3
_PAGE = 500


def parse_filter(ctx: click.Context, param: click.Parameter,
                 value: str | None) -> dict[str, Any] | None:
    """``--filter``: a JSON object of Mongo-style conditions."""
    if value is None:
        return None
    try:
        data = json.loads(value)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON: {exc.msg} (line {exc.lineno}, column "
                                 f"{exc.colno})", ctx, param) from exc
    if not isinstance(data, dict):
        raise click.BadParameter(f"must be a JSON object such as '{{\"state\": \"finished\"}}'"
                                 f", not a JSON {type(data).__name__}", ctx, param)
    return data


def run_json(run: Run) -> dict[str, Any]:
    """The fields of a run that ``runs list --json`` prints."""
    return {
        "path": "/".join(run.path), "id": run.id, "entity": run.entity,
        "project": run.project, "name": run.name, "state": run.state,
        "created_at": run.created_at, "last_step": run.last_step, "tags": run.tags,
        "group": run.group, "job_type": run.job_type, "notes": run.notes,
        "config": run.config, "summary": run.summary,
    }


def _summary_keys(runs: Sequence[Run], count: int) -> list[str]:
    """The user summary keys most runs have (not ``_runtime`` and friends), numbers
    first."""
    seen: Counter[str] = Counter()
    numeric: set[str] = set()
    for run in runs:
        for key, value in flatten(run.summary).items():
            if not key.startswith("_"):
                seen[key] += 1
                if isinstance(value, int | float) and not isinstance(value, bool):
                    numeric.add(key)
    ranked = sorted(seen, key=lambda key: (key not in numeric, -seen[key], key))
    return ranked[:count]


def _table_lines(runs: Sequence[Run], with_project: bool) -> list[str]:
    keys = _summary_keys(runs, SUMMARY_COLUMNS)
    headers = [*(["project"] if with_project else []), "id", "name", "state", "created",
               "step", *keys]
    rows = []
    for run in runs:
        flat = flatten(run.summary)
        step = str(run.last_step) if run.last_step >= 0 else "-"
        rows.append([*([f"{run.entity}/{run.project}"] if with_project else []), run.id,
                     run.name, run.state, local_time(run.created_at), step,
                     *(format_value(flat.get(k)) for k in keys)])
    return table(headers, rows)


@click.group("runs")
def runs() -> None:
    """List and inspect the runs of the store."""


@runs.command("list")
@click.argument("path", required=False, metavar="[ENTITY/PROJECT | PROJECT]")
@click.option("--filter", "filters", metavar="JSON", callback=parse_filter,
              help='Mongo-style filter, e.g. \'{"config.lr": {"$lt": 0.01}, '
                   '"state": "finished"}\'.')
@click.option("--order", default="-created_at", show_default=True, metavar="FIELD",
              help="Sort by a field (created_at, name, state, summary.<key>, config.<key>, "
                   "...); prefix - for descending; several separated by commas.")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="Show at most this many runs (0: all).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_runs(path: str | None, filters: dict[str, Any] | None, order: str, limit: int,
              as_json: bool) -> None:
    """List runs of a project (default: every project), newest first."""
    api = state().api()
    found = api.runs(path, filters=filters, order=order,
                     per_page=min(limit, _PAGE) if limit else _PAGE)
    selected = islice(found, limit or None)
    if as_json:
        for run in selected:
            click.echo(to_json(run_json(run)))
        return
    shown = list(selected)
    if not shown:
        where = f" in {path}" if path else ""
        click.echo(f"no runs{where}{' match the filter' if filters else ''}")
        return
    for line in _table_lines(shown, with_project=path is None):
        click.echo(line)
    total = len(found)
    if total > len(shown):
        click.echo(f"showing {len(shown)} of {total} runs (--limit 0 shows all)", err=True)


def _identity_lines(run: Run) -> list[str]:
    state_text = run.state
    if run.exit_code is not None and run.state != "running":
        state_text += f" (exit code {run.exit_code})"
    meta = run.metadata
    host = meta.get("host")
    fields = [
        ("name", run.name), ("state", state_text), ("created", local_time(run.created_at)),
        ("finished", local_time(run.finished_at) if run.finished_at else None),
        ("heartbeat", local_time(run.heartbeat_at)),
        ("last step", str(run.last_step) if run.last_step >= 0 else "-"),
        ("tags", ", ".join(run.tags) or None), ("group", run.group),
        ("job type", run.job_type), ("notes", run.notes or None),
        ("host", f"{host} (pid {meta.get('pid')})" if host else None),
        ("url", run.url),
    ]
    return ["/".join(run.path), *(f"  {label:<10} {value}" for label, value in fields
                                  if value is not None)]


def _show_lines(run: Run) -> list[str]:
    lines = _identity_lines(run)
    lines += ["", "config", *(tree_lines(run.config) or ["  (empty)"])]
    lines += ["", "summary", *(tree_lines(run.summary) or ["  (empty)"])]
    infos = run.series_info()
    lines += ["", "metrics"]
    if not infos:
        return [*lines, "  (none)"]
    rows = [[info.key, KIND_NAMES.get(info.kind, info.kind), f"{info.count:,}",
             f"{info.first_step}-{info.last_step}"] for info in infos]
    return lines + ["  " + line for line in table(["key", "kind", "points", "steps"], rows)]


def show_json(run: Run) -> dict[str, Any]:
    """Everything ``runs show --json`` prints."""
    return {
        **run_json(run), "exit_code": run.exit_code, "heartbeat_at": run.heartbeat_at,
        "finished_at": run.finished_at, "url": run.url, "metadata": run.metadata,
        "metrics": [{"key": i.key, "kind": KIND_NAMES.get(i.kind, i.kind),
                     "count": i.count, "first_step": i.first_step,
                     "last_step": i.last_step} for i in run.series_info()],
    }


@runs.command("show")
@click.argument("path", metavar="RUN")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def show(path: str, as_json: bool) -> None:
    """Show one run: RUN is ENTITY/PROJECT/ID, PROJECT/ID or a run ID."""
    run = state().api().run(path)
    if as_json:
        click.echo(to_json(show_json(run)))
        return
    for line in _show_lines(run):
        click.echo(line)
