"""Mongo-style run filters and order expressions, compiled to SQL.

Filters look like wandb's public API::

    {"$and": [{"config.lr": {"$lt": 0.01}}, {"summary.acc": {"$gte": 0.9}}],
     "tags": {"$in": ["baseline"]}, "state": "finished"}

Fields: ``config.<path>``, ``summary.<path>`` (or ``summary_metrics.<path>``), ``tags``,
``state``, ``group``, ``job_type``, ``name`` (``display_name``), ``id``, ``notes``, ``host``,
``created_at`` / ``updated_at`` / ``heartbeat_at`` (unix seconds or ISO 8601). Operators:
``$and $or $nor $eq $ne $gt $gte $lt $lte $in $nin $exists $regex``. Order: a list of
fields, each with an optional ``-`` (descending) or ``+`` prefix.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from cairn.errors import FilterError

_COLUMNS = {
    "state": "run_state(runs.state, runs.heartbeat_at, runs.host, runs.pid)",
    "group": "runs.group_name",
    "job_type": "runs.job_type",
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
    "heartbeat_at": "runs.heartbeat_at",
    "last_step": "runs.last_step",
}
_TIME_FIELDS = {"runs.created_at", "runs.updated_at", "runs.heartbeat_at"}
_COMPARE = {"$eq": "=", "$ne": "!=", "$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}
_OPERATORS = frozenset(_COMPARE) | {"$in", "$nin", "$exists", "$regex"}
_MAX_DEPTH = 32


def json_path(parts: Sequence[str]) -> str:
    """A SQLite JSON path for nested keys, quoting each one."""
    return "$" + "".join("." + json.dumps(p) for p in parts)


def _field_sql(field: str) -> tuple[str, list[Any]]:
    """SQL expression (and its parameters) for a filterable field."""
    if field in _COLUMNS:
        return _COLUMNS[field], []
    for prefix, column in (("config.", "runs.config_json"), ("summary.", "runs.summary_json"),
                           ("summary_metrics.", "runs.summary_json")):
        if field.startswith(prefix) and len(field) > len(prefix):
            parts = field[len(prefix):].split(".")
            if column == "runs.config_json" and parts[-1] == "value" and len(parts) > 1:
                # wandb spells config filters as config.<key>.value
                return (f"coalesce(json_extract({column}, ?), json_extract({column}, ?))",
                        [json_path(parts), json_path(parts[:-1])])
            return f"json_extract({column}, ?)", [json_path(parts)]
    known = ", ".join(sorted({"config.<key>", "summary.<key>", "tags", *_COLUMNS}))
    raise FilterError(f"unknown filter field {field!r}; use one of {known}")


def _time_value(value: Any, field: str) -> Any:
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise FilterError(f"{field}: {value!r} is not an ISO 8601 time") from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed.timestamp()
    return value


def _scalar(value: Any, field: str) -> Any:
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    raise FilterError(f"{field}: cannot compare with {type(value).__name__} value {value!r}")


class _Compiler:
    def __init__(self) -> None:
        self.params: list[Any] = []

    def node(self, spec: Any, depth: int = 0) -> str:
        if depth > _MAX_DEPTH:
            raise FilterError(f"filter nests deeper than {_MAX_DEPTH} levels")
        if not isinstance(spec, Mapping):
            raise FilterError(f"a filter must be an object, got {type(spec).__name__}")
        clauses = []
        for key, value in spec.items():
            if not isinstance(key, str):
                raise FilterError(f"filter keys must be strings, got {key!r}")
            if key in ("$and", "$or", "$nor"):
                if not isinstance(value, list) or not value:
                    raise FilterError(f"{key} takes a non-empty list of filters")
                parts = [self.node(item, depth + 1) for item in value]
                joined = (" AND " if key == "$and" else " OR ").join(f"({p})" for p in parts)
                clauses.append(f"NOT ({joined})" if key == "$nor" else joined)
            elif key.startswith("$"):
                raise FilterError(f"unknown filter operator {key!r} at the top of a filter")
            elif key == "tags":
                clauses.append(self.tags(value))
            else:
                clauses.append(self.field(key, value))
        return " AND ".join(f"({c})" for c in clauses) if clauses else "1"

    def field(self, field: str, cond: Any) -> str:
        expr, expr_params = _field_sql(field)
        is_time = expr in _TIME_FIELDS
        if not isinstance(cond, Mapping):
            cond = {"$eq": cond}
        parts = []
        for op, raw in cond.items():
            if op not in _OPERATORS:
                raise FilterError(f"{field}: unknown operator {op!r}")
            if op == "$exists":
                self.params.extend(expr_params)
                parts.append(f"{expr} IS {'NOT ' if raw else ''}NULL")
                continue
            if op == "$regex":
                if not isinstance(raw, str):
                    raise FilterError(f"{field}: $regex takes a string")
                try:
                    re.compile(raw)
                except re.error as exc:
                    raise FilterError(f"{field}: bad regular expression {raw!r}: {exc}") from exc
                self.params.extend([*expr_params, raw])
                parts.append(f"regexp(?, {expr})")
                continue
            if op in ("$in", "$nin"):
                if not isinstance(raw, list | tuple):
                    raise FilterError(f"{field}: {op} takes a list")
                values = [_time_value(_scalar(v, field), field) if is_time else _scalar(v, field)
                          for v in raw]
                if not values:
                    parts.append("0" if op == "$in" else "1")
                    continue
                self.params.extend([*expr_params, *values])
                marks = ", ".join("?" for _ in values)
                neg = "NOT " if op == "$nin" else ""
                parts.append(f"coalesce({expr} {neg}IN ({marks}), {1 if neg else 0})")
                continue
            value = _scalar(raw, field)
            if is_time:
                value = _time_value(value, field)
            if value is None:
                self.params.extend(expr_params)
                parts.append(f"{expr} IS {'NOT ' if op == '$ne' else ''}NULL")
                continue
            if op == "$ne":
                self.params.extend([*expr_params, *expr_params, value])
                parts.append(f"({expr} IS NULL OR {expr} != ?)")
            else:
                self.params.extend([*expr_params, value])
                parts.append(f"{expr} {_COMPARE[op]} ?")
        return " AND ".join(parts) if parts else "1"

    def tags(self, cond: Any) -> str:
        member = "EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE json_each.value = ?)"
        if not isinstance(cond, Mapping):
            cond = {"$eq": cond}
        parts = []
        for op, raw in cond.items():
            if op in ("$eq", "$ne") and isinstance(raw, str):
                self.params.append(raw)
                parts.append(member if op == "$eq" else f"NOT {member}")
            elif op in ("$in", "$nin", "$all") and isinstance(raw, list | tuple):
                tags = [_scalar(t, "tags") for t in raw]
                if not tags:
                    parts.append("0" if op == "$in" else "1")
                    continue
                marks = ", ".join("?" for _ in tags)
                self.params.extend(tags)
                any_of = f"EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE json_each.value IN ({marks}))"
                parts.append(any_of if op == "$in" else f"NOT {any_of}")
            elif op == "$exists":
                parts.append("json_array_length(runs.tags) > 0" if raw
                             else "json_array_length(runs.tags) = 0")
            elif op == "$regex" and isinstance(raw, str):
                self.params.append(raw)
                parts.append("EXISTS (SELECT 1 FROM json_each(runs.tags) "
                             "WHERE regexp(?, json_each.value))")
            else:
                raise FilterError(f"tags: unsupported condition {op}: {raw!r}")
        return " AND ".join(parts) if parts else "1"


def compile_filters(filters: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
    """``(sql, params)`` for a WHERE clause over the ``runs`` table."""
    if not filters:
        return "1", []
    compiler = _Compiler()
    sql = compiler.node(filters)
    return sql, compiler.params


def compile_order(order: Sequence[str] | str | None) -> tuple[str, list[Any]]:
    """``(sql, params)`` for ORDER BY; ``-field`` is descending. Ties break by newest."""
    if order is None:
        order = ("-created_at",)
    if isinstance(order, str):
        order = [o for o in order.split(",") if o.strip()]
    terms, params = [], []
    for raw in order:
        item = raw.strip()
        descending = item.startswith("-")
        name = item.lstrip("+-")
        if not name:
            raise FilterError(f"empty order term in {list(order)!r}")
        if name == "tags":
            raise FilterError("runs cannot be ordered by tags")
        expr, expr_params = _field_sql(name)
        terms.append(f"{expr} {'DESC' if descending else 'ASC'} NULLS LAST")
        params.extend(expr_params)
    terms.append("runs.id DESC")
    return ", ".join(terms), params
