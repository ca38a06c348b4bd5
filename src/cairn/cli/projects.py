"""``cairn projects``: the projects of the store, with run counts and last activity."""

from __future__ import annotations

import click

from cairn.cli.output import local_time, table, to_json
from cairn.cli.state import state


@click.command("projects")
@click.option("--entity", help="Only the projects of this entity.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def projects(entity: str | None, as_json: bool) -> None:
    """List projects, most recently active first."""
    found = state().api().projects(entity)
    if as_json:
        for project in found:
            click.echo(to_json({
                "entity": project.entity, "name": project.name,
                "path": f"{project.entity}/{project.name}", "run_count": project.run_count,
                "created_at": project.created_at, "last_activity": project.last_activity,
            }))
        return
    if not found:
        click.echo("no projects" + (f" of {entity}" if entity else ""))
        return
    rows = [[f"{p.entity}/{p.name}", f"{p.run_count:,}", local_time(p.last_activity)]
            for p in found]
    for line in table(["project", "runs", "last activity"], rows):
        click.echo(line)
