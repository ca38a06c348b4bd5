from __future__ import annotations

import json
import math

from cairn.cli.output import format_value, local_time, table, to_json, tree_lines


def test_table_aligns_text_left_and_numbers_right() -> None:
    lines = table(["name", "loss"], [["a", "0.5"], ["longer", "12"], ["c", "-"]])
    assert lines == ["name    loss",
                     "a        0.5",
                     "longer    12",
                     "c          -"]


def test_long_cells_are_clipped() -> None:
    assert table(["x"], [["y" * 100]])[1] == "y" * 39 + "…"


def test_values_and_times() -> None:
    assert format_value(1 / 3) == "0.333333"
    assert format_value(1 / 3, precise=True) == repr(1 / 3)
    assert format_value(math.nan) == "nan"
    assert format_value(True) == "true"
    assert format_value(None) == "-"
    assert format_value({"a": [1, 2]}) == '{"a": [1, 2]}'
    assert local_time(None) == "-"
    assert len(local_time("2024-05-01T12:00:03")) == len("2024-05-01 12:00:03")


def test_nested_data() -> None:
    data = {"opt": {"name": "adam", "betas": [0.9, 0.99]}, "lr": 0.1, "empty": {}}
    assert tree_lines(data) == ["  opt:", "    name: adam", "    betas: [0.9, 0.99]",
                                "  lr: 0.1", "  empty: {}"]


def test_json_keeps_non_finite_floats_and_odd_values() -> None:
    text = to_json({"x": math.inf, "b": b"\x01", "s": {1}})
    assert json.loads(text) == {"x": math.inf, "b": "01", "s": [1]}
