"""Rows to columns (``sdk/batch.py``): whatever the keys and value types of the rows, each
key's column holds exactly the points logged under it, in order."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cairn.records import decode_history
from cairn.sdk.batch import build_batch

_VALUES = st.one_of(st.floats(allow_nan=False), st.booleans(),
                    st.integers(-(2**70), 2**70), st.text(max_size=3), st.none())
_ROWS = st.lists(st.dictionaries(st.sampled_from(["a", "b", "c"]), _VALUES, max_size=3),
                 min_size=1, max_size=30)


def _numeric(value: Any) -> bool:
    return type(value) in (float, bool) or (type(value) is int and abs(value) <= 2**53)


@given(_ROWS, st.booleans())
def test_each_key_holds_its_points_in_order(datas: list[dict[str, Any]], same: bool) -> None:
    if same:  # a training loop: every row the same keys in the same order
        datas = [{"a": 0.5 * i, "b": i, "c": i % 2 == 0} for i in range(len(datas))]
    rows = [(step * 2, 1000.0 + step, data) for step, data in enumerate(datas)]
    batch = build_batch(rows, start_time=1000.0, runtime_offset=5.0)
    numeric, objects = decode_history(batch.to_body())
    assert (batch.rows, batch.last_step) == (len(rows), rows[-1][0])
    steps = [step for step, _, _ in rows]
    assert list(numeric["_timestamp"].steps) == steps
    assert list(numeric["_runtime"].values) == [ts - 1000.0 + 5.0 for _, ts, _ in rows]
    for key in ("a", "b", "c"):
        logged = [(step, data[key]) for step, _, data in rows if key in data]
        numbers = [(s, v) for s, v in logged if _numeric(v)]
        others = [(s, v) for s, v in logged if not _numeric(v)]
        column = numeric.get(key)
        got = list(zip(column.steps, column.values, strict=True)) if column else []
        assert got == [(s, float(v)) for s, v in numbers]
        if column is not None:
            kinds = {type(v) for _, v in numbers}
            assert column.kind == ("f" if float in kinds else "i" if int in kinds else "b")
        expected = [(s, float(v) if type(v) is int else v) for s, v in others]
        assert objects.get(key, []) == expected
