"""cairn.Plotly: a figure's JSON round-trips."""

from __future__ import annotations

from typing import Any

import pytest

import cairn


class _Figure:
    """What Plotly asks of a plotly figure: to_plotly_json()."""

    def to_plotly_json(self) -> dict[str, Any]:
        return {"data": [{"type": "scatter", "x": [1, 2], "y": [3, 4]}], "layout": {}}


def test_figures_and_dicts_round_trip() -> None:
    run = cairn.init(project="media")
    run.log({"fig": cairn.Plotly(_Figure()),
             "raw": cairn.Plotly({"data": [{"type": "bar", "y": [1]}], "layout": {"t": 1}})})
    run.finish()
    row = next(cairn.Api().run(run.path).scan_history(keys=["fig", "raw"]))
    assert row["fig"].json() == _Figure().to_plotly_json()
    assert row["raw"].json()["layout"] == {"t": 1}


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="expected a plotly figure"):
        cairn.Plotly([1, 2])
