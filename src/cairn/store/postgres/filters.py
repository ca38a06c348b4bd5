"""Run filters and order rendered as PostgreSQL SQL over the JSONB columns.

The filter is parsed by ``store/filters.py`` exactly as for SQLite; only the rendering
differs. PostgreSQL types every expression, so a field is read twice: as a number
(``num``: JSON numbers, and booleans as 0 and 1, as SQLite reads them) and as text
(``text``: JSON strings), each NULL when the value is of the other kind. A comparison
uses the one its value's kind calls for, so a number only matches numbers and a string
only strings, as in MongoDB. Mixed kinds order numbers before strings, as SQLite does. A
list of values (``$in``, tags) is one array parameter (``= ANY``), of any length.

``$regex`` is PostgreSQL's ``~``. Patterns are checked as RE2 first, so both dialects
accept the same ones (no backreferences, which are what make PostgreSQL's engine
backtrack); the store's statement timeout bounds any that is still slow. The run state of
a stale heartbeat reads ``crashed``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from cairn.store import filters as f
from cairn.store.sql_filters import SqlFilters

COLUMNS = {
    "group": "runs.group_name", "job_type": "runs.job_type", "name": "runs.name",
    "run_id": "runs.run_id", "notes": "runs.notes", "host": "runs.host",
    "created_at": "runs.created_at", "updated_at": "runs.updated_at",
    "heartbeat_at": "runs.heartbeat_at", "last_step": "runs.last_step",
}
_DOCUMENTS = {"config": "runs.config_json", "summary": "runs.summary_json"}
# filter_json writes infinities as 9e999, more than a float8 holds: read them back as
# infinities instead of failing the cast.
_FLOAT_MAX = "1e308"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _text(value: str) -> str:
    """PostgreSQL text cannot hold NUL: the store keeps U+FFFD in its place."""
    return value.replace("\x00", "\ufffd")


def _json_path(column: str, parts: Sequence[str]) -> str:
    return f"({column} #> ARRAY[{', '.join(_literal(_text(p)) for p in parts)}]::text[])"


def _json_number(j: str) -> str:
    return (f"(CASE jsonb_typeof({j}) WHEN 'number' THEN (CASE WHEN abs(({j})::numeric) > "
            f"{_FLOAT_MAX} THEN sign(({j})::numeric)::float8 * 'Infinity'::float8 ELSE "
            f"({j})::float8 END) WHEN 'boolean' THEN (CASE WHEN ({j})::boolean THEN 1.0 "
            "ELSE 0.0 END)::float8 END)")


def _json_text(j: str) -> str:
    return f"(CASE jsonb_typeof({j}) WHEN 'string' THEN {j} #>> '{{}}' END)"


@dataclass(frozen=True)
class _Sql:
    """How to read one field in PostgreSQL."""

    present: str
    null: str
    num: str | None
    """The value as a number (NULL if it is none); None if the field never is one."""
    text: str | None
    """... and as text (NULL if it is no string)."""


class PostgresFilters(SqlFilters):
    """``SqlFilters`` rendering PostgreSQL; ``heartbeat_timeout`` decides which
    ``running`` runs read as ``crashed``."""

    def __init__(self, heartbeat_timeout: float, now: float | None = None) -> None:
        super().__init__()
        self.cutoff = (time.time() if now is None else now) - heartbeat_timeout

    def _field(self, field: f.Field) -> _Sql:
        if field.column is not None:
            column = state_sql(self.cutoff) if field.column == "state" else \
                COLUMNS[field.column]
            numeric = field.column in f.NUMBER_COLUMNS
            return _Sql(f"{column} IS NOT NULL", f"{column} IS NULL",
                        num=column if numeric else None, text=None if numeric else column)
        assert field.document is not None
        found = [_json_path(_DOCUMENTS[field.document], p) for p in field.paths]
        j = found[0] if len(found) == 1 else f"coalesce({', '.join(found)})"
        return _Sql(f"{j} IS NOT NULL", f"coalesce(jsonb_typeof({j}), 'null') = 'null'",
                    num=_json_number(j), text=_json_text(j))

    def compare(self, node: f.Compare) -> str:
        sql = self._field(node.field)
        value = node.value
        expr = sql.text if isinstance(value, str) else sql.num
        if expr is None:
            return self.false
        self.params.append(_text(value) if isinstance(value, str) else value)
        return f"coalesce({expr} {node.op} ?, FALSE)"

    def one_of(self, node: f.OneOf) -> str:
        sql = self._field(node.field)
        parts = []
        if node.strings and sql.text is not None:
            self.params.append([_text(s) for s in node.strings])
            parts.append(f"coalesce({sql.text} = ANY(?::text[]), FALSE)")
        if node.numbers and sql.num is not None:
            self.params.append([float(n) for n in node.numbers])
            parts.append(f"coalesce({sql.num} = ANY(?::float8[]), FALSE)")
        return " OR ".join(parts) or self.false

    def is_null(self, field: f.Field) -> str:
        return self._field(field).null

    def exists(self, field: f.Field) -> str:
        return self._field(field).present

    def matches(self, node: f.Matches) -> str:
        text = self._field(node.field).text
        if text is None:
            return self.false
        self.params.append(node.pattern)
        return f"coalesce({text} ~ ?, FALSE)"

    def has_tag(self, tags: Sequence[str]) -> str:
        self.params.append([_text(t) for t in tags])
        return "jsonb_exists_any(runs.tags, ?::text[])"

    def has_tags(self) -> str:
        return "jsonb_array_length(runs.tags) > 0"

    def tag_matches(self, pattern: str) -> str:
        self.params.append(pattern)
        return ("EXISTS (SELECT 1 FROM jsonb_array_elements_text(runs.tags) AS t(tag) "
                "WHERE t.tag ~ ?)")

    def order_terms(self, term: f.OrderTerm) -> list[str]:
        sql = self._field(term.field)
        way = "DESC" if term.descending else "ASC"
        if sql.num is not None and sql.text is not None:
            kind = f"(CASE WHEN {sql.num} IS NOT NULL THEN 0 WHEN {sql.text} IS NOT " \
                   "NULL THEN 1 END)"
            return [f"{kind} {way} NULLS LAST", f"{sql.num} {way}",
                    f'{sql.text} COLLATE "C" {way}']
        if sql.num is not None:
            return [f"{sql.num} {way} NULLS LAST"]
        return [f'{sql.text} COLLATE "C" {way} NULLS LAST']


def state_sql(cutoff: float) -> str:
    """The run state as readers see it: ``running`` with a heartbeat older than
    ``cutoff`` (unix time) is ``crashed`` (``preempting``: ``preempted``). A shared store
    serves many hosts, so no local process id is consulted."""
    old = f"runs.heartbeat_at < {float(cutoff)!r}"
    return (f"(CASE WHEN runs.state = 'running' AND {old} THEN 'crashed' "
            f"WHEN runs.state = 'preempting' AND {old} THEN 'preempted' ELSE runs.state END)")
