"""``cairn sweep`` and ``cairn agent``, as wandb's: create a sweep from a YAML config and
print how to run its agents; change a sweep's state; run an agent."""

from __future__ import annotations

import dataclasses

import click

from cairn.cli.state import state
from cairn.settings import Settings

_ACTIONS = ("stop", "cancel", "pause", "resume")


@click.command("sweep")
@click.argument("config_or_sweep_id", metavar="CONFIG_YAML_OR_SWEEP_ID")
@click.option("--project", "-p", help="The project of the sweep (default: the config's, or "
                                      "the settings').")
@click.option("--entity", "-e", help="The entity of the sweep.")
@click.option("--name", help="A name for the sweep (over the config's).")
@click.option("--stop", "action", flag_value="stop",
              help="Finish the sweep: no new trials; running ones go on.")
@click.option("--cancel", "action", flag_value="cancel",
              help="Cancel the sweep: no new trials; running ones are killed.")
@click.option("--pause", "action", flag_value="pause", help="Hand out no trials until resumed.")
@click.option("--resume", "action", flag_value="resume", help="Resume a paused sweep.")
def sweep(config_or_sweep_id: str, project: str | None, entity: str | None,
          name: str | None, action: str | None) -> None:
    """Create a sweep from CONFIG_YAML (wandb's schema), or with --stop, --cancel, --pause
    or --resume change the state of the sweep SWEEP_ID."""
    from cairn.sweeps import api

    settings = state().settings
    if action is not None:
        row = api.change_state(config_or_sweep_id, action, entity, project,
                               settings=_with(settings, entity, project))
        click.echo(f"sweep {row.path} is {row.state}")
        return
    from cairn.sweeps.config import load_config

    raw = load_config(config_or_sweep_id)
    if name is not None:
        raw["name"] = name
    s = _with(settings, entity or raw.get("entity"), project or raw.get("project"))
    sweep_id = api.sweep(raw, settings=s)
    entity_name, project_name = s.default_entity(), s.project or api.DEFAULT_PROJECT
    click.echo(f"Created sweep with ID: {sweep_id}")
    click.echo(f"View sweep at: {s.ui_url.rstrip('/')}/{entity_name}/{project_name}/sweeps/"
               f"{sweep_id}")
    click.echo(f"Run sweep agent with: cairn agent {entity_name}/{project_name}/{sweep_id}")


@click.command("agent")
@click.argument("sweep_id")
@click.option("--project", "-p", help="The project of the sweep.")
@click.option("--entity", "-e", help="The entity of the sweep.")
@click.option("--count", type=click.IntRange(min=0), help="Run at most this many trials.")
def agent(sweep_id: str, project: str | None, entity: str | None, count: int | None) -> None:
    """Run trials of SWEEP_ID (id, project/id or entity/project/id) as subprocesses, until
    the sweep has no more or COUNT have run."""
    from cairn.sweeps import api

    s = _with(state().settings, entity, project)
    ran = api.agent(sweep_id, entity=entity, project=project, count=count, settings=s)
    click.echo(f"agent ran {ran} trial{'s' if ran != 1 else ''} of sweep {sweep_id}")


def _with(settings: Settings, entity: str | None, project: str | None) -> Settings:
    return dataclasses.replace(settings, entity=entity or settings.entity,
                               project=project or settings.project)
