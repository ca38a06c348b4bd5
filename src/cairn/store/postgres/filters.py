"""Run filters and order rendered as PostgreSQL SQL over the JSONB columns.

The filter is checked by ``store/query.py`` exactly as for SQLite; only the rendering
differs. PostgreSQL types every expression, so a field is read twice: as a number
(``num``: JSON numbers, and booleans as 0 and 1, as SQLite reads them) and as text
(``text``: JSON strings), each NULL when the value is of the other kind. A comparison
uses the one its value's kind calls for, so a number only matches numbers and a string
only strings, as in MongoDB. Mixed kinds order numbers before strings, as SQLite does.

``$regex`` is PostgreSQL's ``~`` (POSIX advanced expressions: Python's syntax for
everything but its extensions). The run state of a stale heartbeat reads ``crashed``.
"""

from __future__ import annotations

import time
from typing import Any

from cairn.errors import FilterError
from cairn.store.query import (
    _COLUMNS,
    _COMPARE,
    _TIME_COLUMNS,
    FilterCompiler,
    _check_regex,
    _Field,
    parse_field,
)

_NUMERIC_COLUMNS = frozenset({"runs.last_step", *_TIME_COLUMNS})
_STATE = _COLUMNS["state"]
# filter_json writes infinities as 9e999, more than a float8 holds: read them back as
# infinities instead of failing the cast.
_FLOAT_MAX = "1e308"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _json_path(column: str, parts: list[str]) -> str:
    return f"({column} #> ARRAY[{', '.join(_literal(p) for p in parts)}]::text[])"


def _json_number(j: str) -> str:
    return (f"(CASE jsonb_typeof({j}) WHEN 'number' THEN (CASE WHEN abs(({j})::numeric) > "
            f"{_FLOAT_MAX} THEN sign(({j})::numeric)::float8 * 'Infinity'::float8 ELSE "
            f"({j})::float8 END) WHEN 'boolean' THEN (CASE WHEN ({j})::boolean THEN 1.0 "
            "ELSE 0.0 END)::float8 END)")


def _json_text(j: str) -> str:
    return f"(CASE jsonb_typeof({j}) WHEN 'string' THEN {j} #>> '{{}}' END)"


class PostgresFilters(FilterCompiler):
    """``FilterCompiler`` rendering PostgreSQL; ``heartbeat_timeout`` decides which
    ``running`` runs read as ``crashed``."""

    true = "TRUE"
    false = "FALSE"

    def __init__(self, heartbeat_timeout: float, now: float | None = None) -> None:
        super().__init__()
        self.cutoff = (time.time() if now is None else now) - heartbeat_timeout

    def _field(self, name: str) -> _Field:
        column, paths = parse_field(name)
        if not paths:
            if column == _STATE:
                column = state_sql(self.cutoff)
            numeric = column in _NUMERIC_COLUMNS
            return _Field(column, f"{column} IS NOT NULL", f"{column} IS NULL",
                          column in _TIME_COLUMNS, num=column if numeric else None,
                          text=None if numeric else column)
        found = [_json_path(column, p) for p in paths]
        j = found[0] if len(found) == 1 else f"coalesce({', '.join(found)})"
        return _Field(j, f"{j} IS NOT NULL", f"coalesce(jsonb_typeof({j}), 'null') = 'null'",
                      num=_json_number(j), text=_json_text(j))

    def order_terms(self, name: str, descending: bool) -> list[str]:
        field = self._field(name)
        way = "DESC" if descending else "ASC"
        if field.num is not None and field.text is not None:
            kind = f"(CASE WHEN {field.num} IS NOT NULL THEN 0 WHEN {field.text} IS NOT " \
                   "NULL THEN 1 END)"
            return [f"{kind} {way} NULLS LAST", f"{field.num} {way}",
                    f'{field.text} COLLATE "C" {way}']
        if field.num is not None:
            return [f"{field.num} {way} NULLS LAST"]
        return [f'{field.text} COLLATE "C" {way} NULLS LAST']

    def _typed(self, field: _Field, value: Any, op: str) -> str:
        expr = field.text if isinstance(value, str) else field.num
        if expr is None:
            return self.false
        self.params.append(int(value) if isinstance(value, bool) else value)
        return f"coalesce({expr} {op} ?, FALSE)"

    def _equals(self, field: _Field, value: Any) -> str:
        if value is None:
            return field.null
        return self._typed(field, value, "=")

    def _order(self, name: str, field: _Field, op: str, value: Any) -> str:
        if value is None:
            raise FilterError(f"{name}: {op} cannot compare with null")
        return self._typed(field, value, _COMPARE[op])

    def _regex(self, name: str, field: _Field, raw: Any) -> str:
        _check_regex(name, raw)
        if field.text is None:
            return self.false
        self.params.append(raw)
        return f"coalesce({field.text} ~ ?, FALSE)"

    def _tag_member(self, count: int = 1) -> str:
        marks = ", ".join("?" for _ in range(count))
        return (f"EXISTS (SELECT 1 FROM jsonb_array_elements_text(runs.tags) AS t(tag) "
                f"WHERE t.tag IN ({marks}))")

    def _tags_exist(self, exist: bool) -> str:
        return "jsonb_array_length(runs.tags) " + ("> 0" if exist else "= 0")

    def _tag_regex(self) -> str:
        return ("EXISTS (SELECT 1 FROM jsonb_array_elements_text(runs.tags) AS t(tag) "
                "WHERE t.tag ~ ?)")


def state_sql(cutoff: float) -> str:
    """The run state as readers see it: ``running`` with a heartbeat older than
    ``cutoff`` (unix time) is ``crashed``. A shared store serves many hosts, so no local
    process id is consulted."""
    return (f"(CASE WHEN runs.state = 'running' AND runs.heartbeat_at < {float(cutoff)!r} "
            "THEN 'crashed' ELSE runs.state END)")
