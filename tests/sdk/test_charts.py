"""Custom charts: plot_table with built-in, wandb-named and registered specs."""

from __future__ import annotations

import re
from typing import Any

import pytest

import cairn
from cairn.sdk.chart_specs import ALIASES, BUILTIN_SPECS
from cairn.sdk.charts import register_spec, resolve_spec


def test_wandb_names_resolve_to_the_builtin_charts() -> None:
    for wandb_name, ours in ALIASES.items():
        name, spec = resolve_spec(wandb_name)
        assert name == ours
        assert spec == BUILTIN_SPECS[ours]


def test_plot_table_round_trips_with_its_spec() -> None:
    table = cairn.Table(columns=["x", "y"], data=[[0, 1.0], [1, 0.5]])
    run = cairn.init(project="charts")
    chart = run.plot_table("wandb/line/v0", table, {"x": "x", "y": "y"}, {"title": "Loss"})
    run.log({"custom": chart})
    run.finish()
    got = next(cairn.Api().run(run.path).scan_history(keys=["custom"]))["custom"]
    assert got["_type"] == "custom-chart"
    assert got["spec_name"] == "cairn/line/v0"
    assert got["fields"] == {"x": "x", "y": "y"}
    assert got["string_fields"] == {"title": "Loss"}
    assert got.spec() == BUILTIN_SPECS["cairn/line/v0"]
    assert got.table().data == [[0, 1.0], [1, 0.5]]


def test_a_registered_spec_travels_with_the_chart() -> None:
    spec = {"mark": "point", "encoding": {"x": {"field": "${field:a}"}}}
    register_spec("me/dots/v1", spec)
    run = cairn.init(project="charts")
    table = cairn.Table(columns=["u"], data=[[1]])
    run.log({"c": cairn.plot_table("me/dots/v1", table, {"a": "u"})})
    run.finish()
    got = next(cairn.Api().run(run.path).scan_history(keys=["c"]))["c"]
    assert got["spec_name"] == "me/dots/v1"
    assert got.spec() == spec


@pytest.mark.parametrize(("make", "fragment"), [
    (lambda: cairn.plot_table("nope/v0", cairn.Table(columns=["a"]), {}), "no chart spec named"),
    (lambda: cairn.plot_table("wandb/line/v0", cairn.Table(columns=["a"]), {"x": "b"}),
     "column 'b'"),
    (lambda: cairn.plot_table("wandb/line/v0", [[1]], {}), "must be a cairn.Table"),
    (lambda: register_spec("", {}), "non-empty name"),
    (lambda: register_spec("x", {"a": object()}), "not JSON"),
])
def test_bad_input_is_refused(make: Any, fragment: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fragment)):
        make()
