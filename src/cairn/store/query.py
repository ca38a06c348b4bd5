"""Mongo-style run filters and order expressions, compiled to SQL.

Filters look like wandb's public API::

    {"$and": [{"config.lr": {"$lt": 0.01}}, {"summary.acc": {"$gte": 0.9}}],
     "tags": {"$in": ["baseline"]}, "state": "finished"}

Fields: ``config.<path>`` (``config.<key>.value`` as wandb spells it works too),
``summary.<path>`` (or ``summary_metrics.<path>``), ``tags``, ``state``, ``group``,
``job_type``, ``name`` (``display_name``), ``id``, ``notes``, ``host``, ``last_step``,
``created_at`` / ``updated_at`` / ``heartbeat_at`` (unix seconds or ISO 8601; naive times
are UTC). Operators: ``$and $or $nor $eq $ne $gt $gte $lt $lte $in $nin $exists $regex``;
``tags`` also takes ``$all``.

Comparisons follow MongoDB: a number only matches numbers (bools count as 0 and 1), a
string only strings; ``$ne`` and ``$nin`` match runs without the field; ``{"$eq": None}``
matches a missing or null field. NaN summaries read as null, infinities as numbers.
``$regex`` searches strings (Python ``re`` syntax). Order: a list of fields (or one string,
comma-separated), each with an optional ``-`` (descending) or ``+`` prefix; missing values
sort last either way, and ties keep the newest run first.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cairn.errors import FilterError

_COLUMNS = {
    "state": "run_state(runs.state, runs.heartbeat_at, runs.host, runs.pid)",
    "group": "runs.group_name",
    "job_type": "runs.job_type",
    "jobType": "runs.job_type",
    "name": "runs.name",
    "display_name": "runs.name",
    "displayName": "runs.name",
    "id": "runs.run_id",
    "run_id": "runs.run_id",
    "notes": "runs.notes",
    "host": "runs.host",
    "created_at": "runs.created_at",
    "createdAt": "runs.created_at",
    "updated_at": "runs.updated_at",
    "updatedAt": "runs.updated_at",
    "heartbeat_at": "runs.heartbeat_at",
    "heartbeatAt": "runs.heartbeat_at",
    "last_step": "runs.last_step",
}
_TIME_COLUMNS = {"runs.created_at", "runs.updated_at", "runs.heartbeat_at"}
_JSON_PREFIXES = (("config.", "runs.config_json"), ("summary.", "runs.summary_json"),
                  ("summary_metrics.", "runs.summary_json"))
_COMPARE = {"$eq": "=", "$ne": "!=", "$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}
_OPERATORS = frozenset(_COMPARE) | {"$in", "$nin", "$exists", "$regex"}
_MAX_DEPTH = 32
_NUMBER_TYPES = "('integer', 'real')"


# ---- JSON text for the filter columns ------------------------------------------------

_INFINITY = re.compile(r'"(?:[^"\\]|\\.)*"|-?Infinity')


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Mapping):
        if isinstance(value.get("_type"), str):
            return value["_type"]  # a logged medium: filter and list it by its type only
        return {str(k): _clean(x) for k, x in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(x) for x in value]
    if isinstance(value, bytes | bytearray):
        return None
    return value


def _infinity(match: re.Match[str]) -> str:
    token = match.group(0)
    if token.startswith('"'):
        return token
    return "-9e999" if token.startswith("-") else "9e999"


def filter_json(value: Any) -> str:
    """JSON text of a config or summary for the filter columns: NaN becomes null, and
    infinities ``9e999``, which SQLite reads back as infinity (so ``$gt`` finds them)."""
    text = json.dumps(_clean(value), allow_nan=True, default=str)
    return _INFINITY.sub(_infinity, text) if "Infinity" in text else text


# ---- fields --------------------------------------------------------------------------

def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def json_path(parts: Sequence[str]) -> str:
    """A SQLite JSON path for nested keys, quoting each one."""
    return "$" + "".join("." + json.dumps(p) for p in parts)


@dataclass(frozen=True)
class _Field:
    """How to read one filterable field in SQL."""

    value: str
    """The scalar value; NULL when missing, null, or an object or array."""
    present: str
    """True when the field exists (even with a null value)."""
    null: str
    """True when the field is missing or null."""
    is_time: bool = False
    num: str | None = None
    """A dialect that types values apart: the value as a number (NULL if it is none)."""
    text: str | None = None
    """... and as text (NULL if it is no string)."""


def _json_field(column: str, paths: Sequence[str]) -> _Field:
    def scalar(path: str) -> str:
        p = _sql_text(path)
        return (f"(CASE WHEN json_type({column}, {p}) IN ('object', 'array') THEN NULL "
                f"ELSE json_extract({column}, {p}) END)")

    first = _sql_text(paths[0])
    if len(paths) == 1:
        return _Field(scalar(paths[0]), f"json_type({column}, {first}) IS NOT NULL",
                      f"coalesce(json_type({column}, {first}), 'null') = 'null'")
    # config.<key>.value: the key "value" if there is one, else <key> itself.
    second = _sql_text(paths[1])
    kind = (f"coalesce(json_type({column}, {first}), json_type({column}, {second}))")
    value = (f"(CASE WHEN json_type({column}, {first}) IS NOT NULL THEN {scalar(paths[0])} "
             f"ELSE {scalar(paths[1])} END)")
    return _Field(value, f"{kind} IS NOT NULL", f"coalesce({kind}, 'null') = 'null'")


def parse_field(name: str) -> tuple[str, list[list[str]]]:
    """A filterable field as ``(column, [])`` for a run column, or ``(json column, key
    paths)`` for a config or summary key: the paths to try, first one present wins.
    FilterError naming the field if there is no such field."""
    column = _COLUMNS.get(name)
    if column is not None:
        return column, []
    for prefix, json_column in _JSON_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            parts = name[len(prefix):].split(".")
            if not all(parts):
                raise FilterError(f"filter field {name!r} has an empty key between dots")
            paths = [parts]
            if prefix == "config." and parts[-1] == "value" and len(parts) > 1:
                paths.append(parts[:-1])
            elif prefix != "config." and len(parts) > 1:  # a summary key holding dots
                paths.append([".".join(parts)])
            return json_column, paths
    known = ", ".join(sorted({"config.<key>", "summary.<key>", "summary_metrics.<key>",
                              "tags", *_COLUMNS}))
    raise FilterError(f"unknown filter field {name!r}; use one of {known}")


def _field(name: str) -> _Field:
    """SQLite's SQL of a filterable field."""
    column, paths = parse_field(name)
    if not paths:
        return _Field(column, f"{column} IS NOT NULL", f"{column} IS NULL",
                      column in _TIME_COLUMNS)
    return _json_field(column, [json_path(p) for p in paths])


# ---- values --------------------------------------------------------------------------

def _time_value(value: Any, field: str) -> Any:
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise FilterError(f"{field}: {value!r} is not an ISO 8601 time (use e.g. "
                              "'2024-05-01T12:00:00' or unix seconds)") from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed.timestamp()
    return value


def _scalar(value: Any, field: str) -> Any:
    if isinstance(value, float) and math.isnan(value):
        raise FilterError(f"{field}: cannot compare with NaN (NaN summaries read as null; "
                          "use None)")
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    raise FilterError(f"{field}: cannot compare with {type(value).__name__} value {value!r}")


class FilterCompiler:
    """Checks a filter and renders it as SQLite's SQL; a dialect's subclass renders the
    same checked filter its own way (the ``_field``, ``_equals``, ``_order``, ``_regex``
    and ``_tag*`` hooks)."""

    true = "1"
    false = "0"

    def __init__(self) -> None:
        self.params: list[Any] = []

    def _field(self, name: str) -> _Field:
        return _field(name)

    def order_terms(self, name: str, descending: bool) -> list[str]:
        """ORDER BY terms for a field, missing values last."""
        expr = self._field(name).value
        return [f"{expr} {'DESC' if descending else 'ASC'} NULLS LAST"]

    def node(self, spec: Any, depth: int = 0) -> str:
        if depth > _MAX_DEPTH:
            raise FilterError(f"filter nests deeper than {_MAX_DEPTH} levels")
        if not isinstance(spec, Mapping):
            raise FilterError(f"a filter must be an object (a dict), got "
                              f"{type(spec).__name__} {spec!r}")
        clauses = []
        for key, value in spec.items():
            if not isinstance(key, str):
                raise FilterError(f"filter keys must be strings, got {key!r}")
            if key in ("$and", "$or", "$nor"):
                if not isinstance(value, list | tuple) or not value:
                    raise FilterError(f"{key} takes a non-empty list of filters, got {value!r}")
                parts = [self.node(item, depth + 1) for item in value]
                joined = (" AND " if key == "$and" else " OR ").join(f"({p})" for p in parts)
                clauses.append(f"NOT ({joined})" if key == "$nor" else joined)
            elif key.startswith("$"):
                raise FilterError(f"unknown filter operator {key!r} where a field name or "
                                  "$and/$or/$nor was expected")
            elif key == "tags":
                clauses.append(self.tags(value))
            else:
                clauses.append(self.field(key, value))
        return " AND ".join(f"({c})" for c in clauses) if clauses else self.true

    def _value(self, raw: Any, name: str, field: _Field) -> Any:
        value = _scalar(raw, name)
        return _time_value(value, name) if field.is_time else value

    def _equals(self, field: _Field, value: Any) -> str:
        """Never NULL, so that NOT of it is what it should be."""
        if value is None:
            return field.null
        self.params.append(value)
        if isinstance(value, str):
            return f"(typeof({field.value}) = 'text' AND {field.value} = ?)"
        return f"(typeof({field.value}) IN {_NUMBER_TYPES} AND {field.value} = ?)"

    def field(self, name: str, cond: Any) -> str:
        field = self._field(name)
        if not isinstance(cond, Mapping):
            cond = {"$eq": cond}
        if not cond:
            raise FilterError(f"{name}: empty condition {{}}; give a value or an operator")
        parts = []
        for op, raw in cond.items():
            if op not in _OPERATORS:
                hint = " (a value that is an object cannot be matched)" if not str(
                    op).startswith("$") else ""
                raise FilterError(f"{name}: unknown operator {op!r}{hint}; use one of "
                                  f"{', '.join(sorted(_OPERATORS))}")
            if op == "$exists":
                if not isinstance(raw, bool):
                    raise FilterError(f"{name}: $exists takes true or false, got {raw!r}")
                parts.append(field.present if raw else f"NOT ({field.present})")
            elif op == "$regex":
                parts.append(self._regex(name, field, raw))
            elif op in ("$in", "$nin"):
                if not isinstance(raw, list | tuple):
                    raise FilterError(f"{name}: {op} takes a list, got {raw!r}")
                values = [self._value(v, name, field) for v in raw]
                any_of = " OR ".join(self._equals(field, v) for v in values) or self.false
                parts.append(f"({any_of})" if op == "$in" else f"NOT ({any_of})")
            elif op in ("$eq", "$ne"):
                equal = self._equals(field, self._value(raw, name, field))
                parts.append(equal if op == "$eq" else f"NOT {equal}")
            else:
                parts.append(self._order(name, field, op, self._value(raw, name, field)))
        return " AND ".join(parts)

    def _order(self, name: str, field: _Field, op: str, value: Any) -> str:
        if value is None:
            raise FilterError(f"{name}: {op} cannot compare with null")
        self.params.append(value)
        types = "= 'text'" if isinstance(value, str) else f"IN {_NUMBER_TYPES}"
        return f"(typeof({field.value}) {types} AND {field.value} {_COMPARE[op]} ?)"

    def _regex(self, name: str, field: _Field, raw: Any) -> str:
        _check_regex(name, raw)
        self.params.append(raw)
        return f"(typeof({field.value}) = 'text' AND regexp(?, {field.value}))"

    def _tag_member(self, count: int = 1) -> str:
        marks = ", ".join("?" for _ in range(count))
        return (f"EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE json_each.value "
                f"IN ({marks}))")

    def _tags_exist(self, exist: bool) -> str:
        return "json_array_length(runs.tags) " + ("> 0" if exist else "= 0")

    def _tag_regex(self) -> str:
        return "EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE regexp(?, json_each.value))"

    def tags(self, cond: Any) -> str:
        member = self._tag_member
        if not isinstance(cond, Mapping):
            cond = {"$eq": cond}
        if not cond:
            raise FilterError("tags: empty condition {}; give a tag or an operator")
        parts = []
        for op, raw in cond.items():
            if op in ("$eq", "$ne"):
                if not isinstance(raw, str):
                    raise FilterError(f"tags: {op} takes one tag (a string), got {raw!r}; "
                                      "use $in, $nin or $all for lists")
                self.params.append(raw)
                parts.append(member() if op == "$eq" else f"NOT {member()}")
            elif op in ("$in", "$nin", "$all"):
                if not isinstance(raw, list | tuple) or not all(isinstance(t, str) for t in raw):
                    raise FilterError(f"tags: {op} takes a list of tags (strings), got {raw!r}")
                if not raw:
                    parts.append(self.false if op == "$in" else self.true)
                elif op == "$all":
                    self.params.extend(raw)
                    parts.append(" AND ".join(member() for _ in raw))
                else:
                    self.params.extend(raw)
                    parts.append(member(len(raw)) if op == "$in" else f"NOT {member(len(raw))}")
            elif op == "$exists":
                if not isinstance(raw, bool):
                    raise FilterError(f"tags: $exists takes true or false, got {raw!r}")
                parts.append(self._tags_exist(raw))
            elif op == "$regex":
                _check_regex("tags", raw)
                self.params.append(raw)
                parts.append(self._tag_regex())
            else:
                raise FilterError(f"tags: unknown operator {op!r}; use $eq, $ne, $in, $nin, "
                                  "$all, $exists or $regex")
        return " AND ".join(f"({p})" for p in parts)


def _check_regex(name: str, raw: Any) -> None:
    if not isinstance(raw, str):
        raise FilterError(f"{name}: $regex takes a string, got {raw!r}")
    try:
        re.compile(raw)
    except re.error as exc:
        raise FilterError(f"{name}: bad regular expression {raw!r}: {exc}") from exc


def regexp(pattern: str, value: Any) -> bool:
    """The SQL ``regexp(pattern, value)`` function: ``re.search`` on strings."""
    return isinstance(value, str) and re.search(pattern, value) is not None


def compile_filters(filters: Mapping[str, Any] | None,
                    compiler: FilterCompiler | None = None) -> tuple[str, list[Any]]:
    """``(sql, params)`` for a WHERE clause over the ``runs`` table (SQLite's, unless a
    dialect's ``compiler`` is given)."""
    compiler = compiler if compiler is not None else FilterCompiler()
    if filters is None:
        return compiler.true, []
    sql = compiler.node(filters)
    return sql, compiler.params


def compile_order(order: Sequence[str] | str | None,
                  compiler: FilterCompiler | None = None) -> tuple[str, list[Any]]:
    """``(sql, params)`` for ORDER BY; ``-field`` is descending. Ties break by newest."""
    compiler = compiler if compiler is not None else FilterCompiler()
    if order is None:
        order = ("-created_at",)
    if isinstance(order, str):
        order = [o for o in order.split(",") if o.strip()]
    elif not isinstance(order, Sequence) or not all(isinstance(o, str) for o in order):
        raise FilterError(f"order must be a string like '-summary.acc' or a list of them, "
                          f"got {order!r}")
    terms = []
    for raw in order:
        item = raw.strip()
        descending = item.startswith("-")
        name = item[1:] if item[:1] in ("-", "+") else item
        if not name:
            raise FilterError(f"empty order term in {list(order)!r}")
        if name == "tags":
            raise FilterError("runs cannot be ordered by tags")
        terms.extend(compiler.order_terms(name, descending))
    terms.append("runs.id DESC")
    return ", ".join(terms), []
