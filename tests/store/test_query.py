"""Run filters and ordering, checked against a plain-Python evaluator of the same rules."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cairn.errors import FilterError
from cairn.records import RunRef
from cairn.store.base import MetadataStore, RunRow
from cairn.store.filters import MAX_CONDITIONS, MAX_VALUES, parse_filters, parse_order
from cairn.store.query import filter_json

MISSING = object()
T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp()


# ---- a plain-Python evaluator of the documented semantics ------------------------------

def _lookup(data: Any, parts: list[str]) -> Any:
    for part in parts:
        if not isinstance(data, Mapping) or part not in data:
            return MISSING
        data = data[part]
    return data


def _raw(run: RunRow, field: str) -> Any:
    """The field's stored value, or MISSING."""
    columns = {"name": run.name, "display_name": run.name, "group": run.group,
               "job_type": run.job_type, "state": run.state, "id": run.ref.run_id,
               "notes": run.notes, "created_at": run.created_at,
               "last_step": run.last_step}
    if field in columns:
        value = columns[field]
        return MISSING if value is None else value
    for prefix, data in (("config.", run.config), ("summary_metrics.", run.summary),
                         ("summary.", run.summary)):
        if field.startswith(prefix):
            parts = field[len(prefix):].split(".")
            found = _lookup(data, parts)
            if found is MISSING and prefix == "config." and parts[-1] == "value":
                found = _lookup(data, parts[:-1])
            return found
    raise AssertionError(field)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not (isinstance(v, float) and math.isnan(v))


def _scalar(raw: Any) -> Any:
    """What comparisons see: None for missing, null, NaN, objects and arrays."""
    if raw is MISSING or isinstance(raw, dict | list) or (
            isinstance(raw, float) and math.isnan(raw)):
        return None
    return raw


def _is_null(raw: Any) -> bool:
    return raw is MISSING or raw is None or (isinstance(raw, float) and math.isnan(raw))


def _equals(raw: Any, value: Any) -> bool:
    if value is None:
        return _is_null(raw)
    v = _scalar(raw)
    if isinstance(value, str):
        return isinstance(v, str) and v == value
    return _is_number(v) and not isinstance(v, str) and v == value


def _compare(raw: Any, op: str, value: Any) -> bool:
    v = _scalar(raw)
    if isinstance(value, str):
        if not isinstance(v, str):
            return False
    elif not _is_number(v) or isinstance(v, str):
        return False
    return {"$gt": v > value, "$gte": v >= value, "$lt": v < value,
            "$lte": v <= value}[op]


def _time(value: Any) -> Any:
    if isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed.timestamp()
    return value


def _field_matches(run: RunRow, field: str, cond: Any) -> bool:
    if field == "tags":
        return _tags_match(run.tags, cond)
    raw = _raw(run, field)
    if not isinstance(cond, Mapping):
        cond = {"$eq": cond}
    out = True
    for op, given_value in cond.items():
        value = given_value
        if field == "created_at" and op not in ("$exists", "$regex"):
            value = [_time(v) for v in value] if isinstance(value, list) else _time(value)
        if op == "$exists":
            ok = (raw is not MISSING) == value
        elif op == "$eq":
            ok = _equals(raw, value)
        elif op == "$ne":
            ok = not _equals(raw, value)
        elif op == "$in":
            ok = any(_equals(raw, v) for v in value)
        elif op == "$nin":
            ok = not any(_equals(raw, v) for v in value)
        elif op == "$regex":
            ok = isinstance(_scalar(raw), str) and re.search(value, raw) is not None
        else:
            ok = _compare(raw, op, value)
        out = out and ok
    return out


def _tags_match(tags: list[str], cond: Any) -> bool:
    if not isinstance(cond, Mapping):
        cond = {"$eq": cond}
    out = True
    for op, value in cond.items():
        ok = {
            "$eq": lambda v: v in tags, "$ne": lambda v: v not in tags,
            "$in": lambda v: any(t in tags for t in v),
            "$nin": lambda v: not any(t in tags for t in v),
            "$all": lambda v: all(t in tags for t in v),
            "$exists": lambda v: bool(tags) == v,
            "$regex": lambda v: any(re.search(v, t) for t in tags),
        }[op](value)
        out = out and ok
    return out


def evaluate(run: RunRow, spec: Mapping[str, Any]) -> bool:
    for key, value in spec.items():
        if key == "$and":
            ok = all(evaluate(run, s) for s in value)
        elif key == "$or":
            ok = any(evaluate(run, s) for s in value)
        elif key == "$nor":
            ok = not any(evaluate(run, s) for s in value)
        else:
            ok = _field_matches(run, key, value)
        if not ok:
            return False
    return True


def _order_cmp(field: str, descending: bool) -> Any:
    def rank(run: RunRow) -> tuple[int, Any]:
        v = _scalar(_raw(run, field))
        if v is None:
            return (2, 0)
        return (1, v) if isinstance(v, str) else (0, v)

    def cmp(a: RunRow, b: RunRow) -> int:
        ra, rb = rank(a), rank(b)
        if ra[0] == 2 or rb[0] == 2:
            return (ra[0] == 2) - (rb[0] == 2)
        if ra == rb or (ra[0] == rb[0] and ra[1] == rb[1]):
            return 0
        less = ra < rb
        return (1 if less else -1) if descending else (-1 if less else 1)

    return functools.cmp_to_key(cmp)


def python_order(runs: list[RunRow], terms: list[str]) -> list[str]:
    ordered = sorted(runs, key=lambda r: -r.pk)
    for term in reversed(terms):
        ordered.sort(key=_order_cmp(term.lstrip("+-"), term.startswith("-")))
    return [r.ref.run_id for r in ordered]


# ---- a set of runs ----------------------------------------------------------------------

ODD_VALUES = [0, 1, -1, 2.5, 1e-3, 3, True, False, None, math.nan, math.inf, -math.inf, "a",
              "b", "0.1", "", {"x": 1}, [1, 2], "résumé"]


def _make_runs(store: MetadataStore, writer: Any, specs: list[dict[str, Any]]) -> list[RunRow]:
    for i, spec in enumerate(specs):
        w = writer(RunRef("me", "p", f"r{i:02d}"), start=T0 + spec.get("t", i) * 3600)
        records = [w.run(name=spec.get("name", f"run-{i}"), tags=spec.get("tags", []),
                         group=spec.get("group"), job_type=spec.get("job_type"))]
        if "config" in spec:
            records.append(w.config(spec["config"]))
        if "summary" in spec:
            records.append(w.summary(spec["summary"]))
        if spec.get("finished", True):
            records.append(w.finish(exit_code=spec.get("exit", 0)))
        else:
            records.append(w.heartbeat(at=9e12))  # running, heartbeat far in the future
        store.apply_records(records)
    return store.query_runs("me", "p")


@pytest.fixture
def runs(store: MetadataStore, writer: Any) -> list[RunRow]:
    specs = [
        {"config": {"lr": 0.1, "opt": {"name": "adam", "beta": 0.9}, "layers": 3},
         "summary": {"acc": 0.9, "loss": 0.2}, "tags": ["base", "v1"], "group": "g1",
         "job_type": "train"},
        {"config": {"lr": 0.01, "opt": {"name": "sgd"}, "layers": 5, "flag": True},
         "summary": {"acc": 0.95, "loss": math.nan}, "tags": ["v2"], "group": "g1"},
        {"config": {"lr": "0.1", "layers": None}, "summary": {"acc": math.inf},
         "tags": [], "exit": 1, "name": "odd one"},
        {"config": {"lr": {"value": 0.5}}, "summary": {"acc": -math.inf, "loss": 1},
         "tags": ["base"], "finished": False, "job_type": "eval"},
        {"config": {}, "tags": ["v1", "v2"], "name": "Run-Special"},
    ]
    return _make_runs(store, writer, specs)


def _ids(store: MetadataStore, filters: Any, order: Any = "name") -> list[str]:
    return [r.ref.run_id for r in store.query_runs("me", "p", filters, order)]


CASES = [
    ({"config.lr": 0.1}, ["r00"]),
    ({"config.lr": "0.1"}, ["r02"]),
    ({"config.lr": {"$gt": 0.05}}, ["r00"]),
    ({"config.lr.value": {"$gte": 0.1}}, ["r00", "r03"]),
    ({"config.lr": {"$exists": True}}, ["r00", "r01", "r02", "r03"]),
    ({"config.layers": None}, ["r02", "r03", "r04"]),
    ({"config.layers": {"$exists": True}}, ["r00", "r01", "r02"]),
    ({"config.layers": {"$ne": None}}, ["r00", "r01"]),
    ({"config.layers": {"$ne": 3}}, ["r01", "r02", "r03", "r04"]),
    ({"config.layers": {"$in": [3, 5]}}, ["r00", "r01"]),
    ({"config.layers": {"$nin": [3]}}, ["r01", "r02", "r03", "r04"]),
    ({"config.layers": {"$in": []}}, []),
    ({"config.flag": True}, ["r01"]),
    ({"config.flag": 1}, ["r01"]),
    ({"config.opt.name": {"$regex": "^a"}}, ["r00"]),
    ({"config.opt": {"$exists": True}}, ["r00", "r01"]),
    ({"config.opt": None}, ["r02", "r03", "r04"]),
    ({"config.opt.beta": {"$lt": 1, "$gt": 0.5}}, ["r00"]),
    ({"summary.acc": {"$gt": 0.92}}, ["r01", "r02"]),
    ({"summary_metrics.acc": {"$lt": 0}}, ["r03"]),
    ({"summary.loss": None}, ["r01", "r02", "r04"]),  # NaN reads as null
    ({"summary.loss": {"$exists": True}}, ["r00", "r01", "r03"]),
    ({"tags": "base"}, ["r00", "r03"]),
    ({"tags": {"$in": ["v2", "nope"]}}, ["r01", "r04"]),
    ({"tags": {"$nin": ["v1"]}}, ["r01", "r02", "r03"]),
    ({"tags": {"$all": ["v1", "v2"]}}, ["r04"]),
    ({"tags": {"$exists": False}}, ["r02"]),
    ({"tags": {"$regex": "^v"}}, ["r00", "r01", "r04"]),
    ({"tags": {"$ne": "base"}}, ["r01", "r02", "r04"]),
    ({"state": "failed"}, ["r02"]),
    ({"state": {"$in": ["running", "failed"]}}, ["r02", "r03"]),
    ({"group": "g1"}, ["r00", "r01"]),
    ({"group": None}, ["r02", "r03", "r04"]),
    ({"job_type": {"$ne": "train"}}, ["r01", "r02", "r03", "r04"]),
    ({"name": {"$regex": "(?i)special"}}, ["r04"]),
    ({"display_name": "odd one"}, ["r02"]),
    ({"name": {"$gt": 5}}, []),
    ({"created_at": {"$gte": "2024-01-01T02:00:00"}}, ["r02", "r03", "r04"]),
    ({"created_at": {"$lt": "2024-01-01T01:00:00Z"}}, ["r00"]),
    ({"created_at": {"$lt": T0 + 1.5 * 3600}}, ["r00", "r01"]),
    ({"created_at": {"$in": ["2024-01-01T03:00:00+00:00"]}}, ["r03"]),
    ({"$or": [{"config.lr": 0.01}, {"tags": "base"}]}, ["r00", "r01", "r03"]),
    ({"$and": [{"tags": "v1"}, {"config.layers": {"$exists": False}}]}, ["r04"]),
    ({"$nor": [{"tags": "v1"}, {"state": "failed"}]}, ["r01", "r03"]),
    ({}, ["r00", "r01", "r02", "r03", "r04"]),
]


@pytest.mark.parametrize(("filters", "expected"), CASES)
def test_filter_operators(store: MetadataStore, runs: list[RunRow], filters: dict[str, Any],
                          expected: list[str]) -> None:
    assert sorted(_ids(store, filters)) == expected
    assert sorted(r.ref.run_id for r in runs if evaluate(r, filters)) == expected
    assert store.count_runs("me", "p", filters) == len(expected)


def test_order_by_config_and_summary(store: MetadataStore, runs: list[RunRow]) -> None:
    assert _ids(store, None, "-summary.acc") == ["r02", "r01", "r00", "r03", "r04"]
    assert _ids(store, None, "summary.acc") == ["r03", "r00", "r01", "r02", "r04"]
    # Numbers before strings; missing values last either way; ties newest first.
    assert _ids(store, None, ["config.lr"]) == ["r01", "r00", "r02", "r04", "r03"]
    assert _ids(store, None, ["-config.lr"]) == ["r02", "r00", "r01", "r04", "r03"]
    assert _ids(store, None, "+config.lr.value") == ["r01", "r00", "r03", "r02", "r04"]
    assert _ids(store, None, "group, -created_at") == ["r01", "r00", "r04", "r03", "r02"]
    assert _ids(store, None, None) == ["r04", "r03", "r02", "r01", "r00"]
    for terms in (["-summary.acc"], ["config.lr"], ["-config.lr"], ["group", "-name"],
                  ["config.layers", "summary.loss"]):
        assert _ids(store, None, terms) == python_order(runs, terms)


BAD_FILTERS = [
    (["config.lr"], "must be an object"),
    ("config.lr", "must be an object"),
    ({"config.lr": {"$foo": 1}}, "unknown operator '\\$foo'"),
    ({"config.opt": {"name": "adam"}}, "unknown operator 'name'"),
    ({"$foo": [{}]}, "unknown filter operator '\\$foo'"),
    ({"$and": []}, "non-empty list"),
    ({"$or": {"a": 1}}, "non-empty list"),
    ({"$and": ["x"]}, "must be an object"),
    ({"nonsense": 1}, "unknown filter field 'nonsense'"),
    ({"config.": 1}, "unknown filter field"),
    ({"config.a..b": 1}, "empty key"),
    ({"name": {"$regex": "("}}, "bad regular expression"),
    ({"name": {"$regex": 5}}, "takes a string"),
    ({"created_at": {"$gt": "yesterday"}}, "not an ISO 8601 time"),
    ({"created_at": {"$in": ["2024-13-01"]}}, "not an ISO 8601 time"),
    ({"config.lr": {"$in": 0.1}}, "takes a list"),
    ({"config.lr": {"$exists": "yes"}}, "true or false"),
    ({"config.lr": {"$gt": None}}, "cannot compare with null"),
    ({"config.lr": {"$eq": [1]}}, "cannot compare with list"),
    ({"config.lr": math.nan}, "NaN"),
    ({"config.lr": {}}, "empty condition"),
    ({"tags": {"$in": "base"}}, "list of tags"),
    ({"tags": {"$eq": ["a"]}}, "one tag"),
    ({"tags": {"$size": 1}}, "unknown operator"),
    ({"tags": {"$regex": "["}}, "bad regular expression"),
    ({"name": {"$regex": "(a)\\1"}}, "no backreferences"),
    ({"name": {"$regex": "a(?=b)"}}, "bad regular expression"),
    ({"name": {"$regex": "a" * 5000}}, "longer than"),
    ({"$or": [{"name": str(i)} for i in range(MAX_CONDITIONS + 1)]}, "more than 10000 cond"),
    ({"name": {"$in": list(range(MAX_VALUES + 1))}}, "more than 100000 values"),
    ({"tags": {}}, "empty condition"),
    ({1: 2}, "keys must be strings"),
]


@pytest.mark.parametrize(("filters", "message"), BAD_FILTERS)
def test_malformed_filters_name_the_problem(store: MetadataStore, filters: Any,
                                            message: str) -> None:
    with pytest.raises(FilterError, match=message):
        store.query_runs(None, None, filters)
    with pytest.raises(FilterError, match=message):
        store.count_runs(None, None, filters)


def test_deep_nesting_is_refused() -> None:
    spec: dict[str, Any] = {"name": "x"}
    for _ in range(40):
        spec = {"$and": [spec]}
    with pytest.raises(FilterError, match="deeper than"):
        parse_filters(spec)
    spec = {"name": "x"}
    for _ in range(30):
        spec = {"$or": [spec]}
    parse_filters(spec)


@pytest.mark.parametrize(("order", "message"), [
    ("tags", "cannot be ordered by tags"), (["-"], "empty order term"),
    (5, "order must be"), ([1], "order must be"), ("bogus", "unknown filter field")])
def test_bad_order(order: Any, message: str) -> None:
    with pytest.raises(FilterError, match=message):
        parse_order(order)


# ---- sizes and regular expressions ----------------------------------------------------

@pytest.mark.parametrize("size", [1, 2, 999, 5000])
def test_long_or_and_in_lists(store: MetadataStore, writer: Any, size: int) -> None:
    runs = _make_runs(store, writer, [{"config": {"k": i, "s": f"v{i}"}} for i in range(6)])
    ids = sorted(r.ref.run_id for r in runs)
    numbers = [1000 + i for i in range(size - 1)] + [3]
    strings = [f"w{i}" for i in range(size - 1)] + ["v4"]
    assert _ids(store, {"config.k": {"$in": numbers}}) == ["r03"]
    assert _ids(store, {"config.s": {"$in": strings}}) == ["r04"]
    assert sorted(_ids(store, {"config.k": {"$nin": numbers}})) == [i for i in ids
                                                                    if i != "r03"]
    mixed = {"config.s": {"$in": [*numbers, *strings, None]}}  # kinds never cross
    assert _ids(store, mixed) == ["r04"]
    either = {"$or": [{"config.k": n} for n in numbers] + [{"config.s": "v5"}]}
    assert sorted(_ids(store, either)) == ["r03", "r05"]
    assert store.count_runs("me", "p", either) == 2
    both = {"$and": [{"config.k": {"$ne": n}} for n in numbers]}
    assert sorted(_ids(store, both)) == [i for i in ids if i != "r03"]
    tagged = {"tags": {"$in": strings}}
    assert _ids(store, tagged) == []


def test_regex_is_linear_time(store: MetadataStore, writer: Any) -> None:
    """A pattern that backtracks exponentially in Python's re answers at once."""
    _make_runs(store, writer, [{"name": "a" * 27 + "!"}, {"name": "aaa"}])
    assert _ids(store, {"name": {"$regex": "(a+)+$"}}) == ["r01"]
    assert _ids(store, {"name": {"$regex": "^(a|aa)+!$"}}) == ["r00"]
    assert _ids(store, {"name": {"$regex": "\\d"}}) == []


def test_filter_json_keeps_infinities_for_sqlite() -> None:
    text = filter_json({"a": math.inf, "b": -math.inf, "c": math.nan, "d": "Infinity",
                        "e": [math.inf], "f": b"raw", 3: "int key", "g": ("t",)})
    assert text == ('{"a": 9e999, "b": -9e999, "c": null, "d": "Infinity", "e": [9e999], '
                    '"f": null, "3": "int key", "g": ["t"]}')


# ---- property: SQL filters agree with the evaluator ------------------------------------

NUMBERS = st.sampled_from([0, 1, -1, 2.5, 0.001, 3, 1e300, math.inf, -math.inf])
SCALARS = NUMBERS | st.booleans() | st.sampled_from(["a", "b", "0.1", "", "Ab"]) | st.none()
STORED = SCALARS | st.sampled_from([math.nan, {"x": 1}, [1, 2], {"value": 2}])
FIELDS = st.sampled_from(["config.lr", "config.opt.name", "config.lr.value", "summary.acc",
                          "summary_metrics.acc", "summary.nested.x", "name", "group",
                          "job_type", "state", "created_at"])
OPS = st.sampled_from(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists",
                       "$regex"])
TAGS = st.lists(st.sampled_from(["a", "b", "c", "base"]), max_size=3, unique=True)


@st.composite
def _condition(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.integers(0, 5)) == 0:
        op = draw(st.sampled_from(["$eq", "$ne", "$in", "$nin", "$all", "$exists", "$regex"]))
        value: Any = {
            "$eq": st.sampled_from(["a", "b", "base"]), "$ne": st.sampled_from(["a", "b"]),
            "$exists": st.booleans(), "$regex": st.sampled_from(["^b", "a|c", "."]),
        }.get(op, TAGS)
        return {"tags": {op: draw(value)}}
    field = draw(FIELDS)
    op = draw(OPS)
    if op == "$exists":
        value = draw(st.booleans())
    elif op == "$regex":
        value = draw(st.sampled_from(["^a", "b", "^$", "(?i)A", "run"]))
    elif op in ("$in", "$nin"):
        value = draw(st.lists(SCALARS, max_size=3))
    elif op in ("$eq", "$ne"):
        value = draw(SCALARS)
    else:
        value = draw(SCALARS.filter(lambda v: v is not None))
    if field == "created_at" and op not in ("$exists", "$regex"):
        value = draw(st.sampled_from(["2024-01-01T03:00:00", "2024-01-01T01:30:00Z",
                                      T0 + 3600 * 2, T0]))
        if op in ("$in", "$nin"):
            value = [value]
    return {field: {op: value} if op != "$eq" or draw(st.booleans()) else value}


FILTERS = st.recursive(
    _condition(),
    lambda inner: st.one_of(
        st.builds(lambda xs: {"$and": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"$or": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"$nor": xs}, st.lists(inner, min_size=1, max_size=2)),
        st.builds(lambda a, b: {**a, **b}, inner, inner)),
    max_leaves=6)

RUN_SPECS = st.lists(st.fixed_dictionaries({
    "config": st.fixed_dictionaries({}, optional={
        "lr": STORED, "opt": st.fixed_dictionaries({}, optional={"name": STORED})}),
    "summary": st.fixed_dictionaries({}, optional={"acc": STORED, "nested.x": STORED}),
    "tags": TAGS,
    "name": st.sampled_from(["a", "b", "run", "Ab", ""]),
    "group": st.sampled_from([None, "a", "b"]),
    "job_type": st.sampled_from([None, "a", "train"]),
    "finished": st.booleans(),
    "exit": st.sampled_from([0, 1]),
    "t": st.integers(0, 4),
}), min_size=1, max_size=8)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@settings(max_examples=60, deadline=None)
@given(specs=RUN_SPECS, filters=st.lists(FILTERS, min_size=1, max_size=5),
       order=st.lists(FIELDS.filter(lambda f: f != "state") |
                      st.sampled_from(["-config.lr", "-summary.acc", "-name"]), max_size=2))
def test_sql_filters_agree_with_python(backend: str, specs: list[dict[str, Any]],
                                       filters: list[dict[str, Any]], order: list[str],
                                       fresh_store: Any, writer: Any) -> None:
    with fresh_store(backend) as store:
        runs = _make_runs(store, writer, specs)
        for spec in filters:
            want = [r for r in runs if evaluate(r, spec)]
            got = store.query_runs("me", "p", spec, order or None)
            assert sorted(r.ref.run_id for r in got) == sorted(r.ref.run_id for r in want), \
                spec
            if order:
                assert [r.ref.run_id for r in got] == python_order(want, order)
