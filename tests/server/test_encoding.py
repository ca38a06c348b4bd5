"""The one JSON encoder: NaN as null, infinities as strings, numpy arrays fast and exact."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from cairn.server.encoding import JsonResponse, array_json, dumps


def test_non_finite_numbers_everywhere() -> None:
    value = {"nan": math.nan, "inf": math.inf, "ninf": -math.inf,
             "nested": {"list": [1.0, math.nan, [math.inf]]}, "ok": 0.5}
    assert json.loads(dumps(value)) == {
        "nan": None, "inf": "Infinity", "ninf": "-Infinity",
        "nested": {"list": [1.0, None, ["Infinity"]]}, "ok": 0.5}


def test_strings_that_look_like_non_finite_numbers_are_kept() -> None:
    value = {"NaN": "NaN", "Infinity": "-Infinity and \"NaN\"", "x": math.nan}
    assert json.loads(dumps(value)) == {"NaN": "NaN", "Infinity": "-Infinity and \"NaN\"",
                                        "x": None}


@pytest.mark.parametrize("values", [
    np.array([0.1, 1e-300, -2.5, 1e300, 5e-324, 123456789.123456789, -0.0]),
    np.random.default_rng(0).normal(size=1000),
    np.array([1.0, np.nan, np.inf, -np.inf, 2.0]),
    np.array([], dtype=np.float64),
    np.array([3.5], dtype=np.float32),
])
def test_float_arrays_are_exact(values: np.ndarray) -> None:
    decoded = json.loads(array_json(values))
    expected = [None if math.isnan(v) else ("Infinity" if v == math.inf else
                "-Infinity" if v == -math.inf else v) for v in values.tolist()]
    assert decoded == expected


def test_other_arrays_and_numpy_scalars() -> None:
    value = {"ints": np.arange(3, dtype=np.int64), "bools": np.array([True, False]),
             "grid": np.array([[1.0, np.nan], [np.inf, 2.0]]), "f32": np.float32(0.5),
             "i64": np.int64(7), "bytes": b"\x00", "set": {"b", "a"}, "obj": object}
    decoded = json.loads(dumps(value))
    assert decoded["ints"] == [0, 1, 2]
    assert decoded["bools"] == [True, False]
    assert decoded["grid"] == [[1.0, None], ["Infinity", 2.0]]
    assert decoded["f32"] == 0.5
    assert decoded["i64"] == 7
    assert decoded["bytes"] is None
    assert decoded["set"] == ["a", "b"]
    assert decoded["obj"] == str(object)


def test_output_is_utf8_json_even_with_a_lone_surrogate() -> None:
    body = dumps({"name": "café", "tags": ["ü"]})
    assert json.loads(body.decode("utf-8")) == {"name": "café", "tags": ["ü"]}
    odd = dumps({"name": "x \ud800", "a": np.array([1.0, np.nan])})
    assert json.loads(odd)["a"] == [1.0, None]


def test_response_class() -> None:
    response = JsonResponse({"x": math.nan}, status_code=201)
    assert response.body == b'{"x":null}'
    assert response.media_type == "application/json"
    assert response.status_code == 201


def test_an_array_met_twice_appears_twice() -> None:
    steps = np.arange(3)
    assert json.loads(dumps({"x": steps, "step_first": steps, "other": np.arange(2)})) == {
        "x": [0, 1, 2], "step_first": [0, 1, 2], "other": [0, 1]}
